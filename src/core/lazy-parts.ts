/**
 * The parts of a command loaded on first use this run (a provider's SDK, say), by name. The code
 * cache of a command's bundle (src/startup/app-loader.ts) names the parts it was written with; a
 * later run that loads one it does not cover writes it anew, so the part's compiled code is kept
 * too. Without that, a command's cache is whatever its first run compiled: a `generate` whose
 * first run called its second provider directly would compile the first provider's SDK on every
 * failover.
 *
 * The set lives on globalThis: the CLI part, which writes the cache, and the command's bundle,
 * which loads the parts, are separate bundles, each with its own copy of this module.
 */

const PARTS = Symbol.for("noveli.lazy-parts");

function parts(): Set<string> {
  const global = globalThis as { [PARTS]?: Set<string> };
  return (global[PARTS] ??= new Set());
}

/** Says that this run loaded the part `name` (its code compiled now, not at the bundle's load). */
export function markLazyPart(name: string): void {
  parts().add(name);
}

/** The parts loaded so far this run, sorted. */
export function lazyPartsLoaded(): string[] {
  return [...parts()].sort();
}
