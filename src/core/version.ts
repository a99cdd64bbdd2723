import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let cachedRoot: string | undefined;

/**
 * The noveli package root (holds terraform/ and lambda/), found from this module's own location so
 * the CLI works from any working directory.
 */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "noveli") return (cachedRoot = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the noveli package root (package.json named noveli)");
    dir = parent;
  }
}

let cachedVersion: string | undefined;

/** Inlined by the build (scripts/build.mjs); undefined when running from the sources (tests, tsx). */
declare const __NOVELI_VERSION__: string | undefined;

/** noveli's version: the build's, or from its package.json. */
export function packageVersion(): string {
  cachedVersion ??=
    typeof __NOVELI_VERSION__ === "string" ? __NOVELI_VERSION__ : (JSON.parse(readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version: string }).version;
  return cachedVersion;
}
