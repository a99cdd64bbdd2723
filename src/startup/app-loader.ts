import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import { lazyPartsLoaded } from "../core/lazy-parts.js";
import { writeFileAtomically } from "../system/files.js";

/**
 * Loads a command's bundle, dist/app/<command>.cjs (scripts/build.mjs), with V8's code cache: the
 * first run of a command compiles what it uses and leaves V8's compiled code in
 * `<state dir>/cache/code/`; later runs of that command hand it back to V8, which then skips
 * parsing and compiling nearly all of it. Node 20 has no compile cache for modules of its own
 * (module.enableCompileCache came in Node 22), hence vm.Script's cachedData.
 *
 * The cache is a cache: one file per command and build, written only into a state dir that exists
 * already (never a new .noveli/ in whatever folder a command runs in), rewritten when V8 rejects
 * it (another Node, another build), removed for other builds, and any failure to read or write it
 * only means compiling as without it. It also names the parts loaded on first use that its run
 * loaded (src/core/lazy-parts.ts); a run that loads one it does not cover writes it anew, with
 * what both compiled. Until a command has one, the build's own cache of the
 * bundle's top level (dist/app/<command>.cjs.cache, made by the build with the same Node) spares V8
 * parsing the whole bundle; V8 rejects it too when it does not fit, and the bundle is compiled from
 * source. With --verbose (or source maps on by other means) the bundle is require()d as usual
 * instead, so Node maps its stack traces back to src/ through its source map.
 */

/** What a command's bundle exports (its entry is written by scripts/build.mjs): the runner's run and the command module. */
export interface AppBundle {
  run(...args: unknown[]): Promise<void>;
  command: Record<string, unknown>;
}

export interface LoadOptions {
  /** The command's bundle (dist/app/<command>.cjs). */
  file: string;
  /** The build's id (a hash of all its bundles, inlined by the build): part of each cache file's name. */
  buildId: string;
  /** Which command runs, e.g. `status` or `local-up`: each has its own cache. */
  key: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

let loaded: { bundle: AppBundle; file: string } | undefined;

/**
 * The command's bundle; the first call loads it, later ones get the same. One bundle per process:
 * a second would be a second copy of every module (its own error classes, its own reporter), so
 * asking for another is a fault of the build's wiring, not something to load.
 */
export function loadApp(options: LoadOptions): AppBundle {
  if (loaded) {
    if (loaded.file !== options.file) throw new Error(`${options.file} asked for after ${loaded.file}: a command and its runner come from one bundle`);
    return loaded.bundle;
  }
  const bundle = sourceMapsWanted(options.env ?? process.env) ? (require(options.file) as AppBundle) : loadWithCodeCache(options);
  loaded = { bundle, file: options.file };
  return bundle;
}

function sourceMapsWanted(env: NodeJS.ProcessEnv): boolean {
  const enabled = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled;
  return enabled === true || process.execArgv.includes("--enable-source-maps") || /--enable-source-maps/.test(env.NODE_OPTIONS ?? "");
}

/** Pure: the cache file of a command of a build, for this Node and CPU. */
export function codeCacheFile(stateDir: string, buildId: string, key: string, nodeVersion = process.version, arch = process.arch): string {
  const runtime = createHash("sha256").update(`${nodeVersion}|${arch}|${process.versions.v8}`).digest("hex").slice(0, 12);
  return path.join(stateDir, "cache", "code", `${buildId}-${runtime}-${key.replace(/[^A-Za-z0-9_-]/g, "_")}.bin`);
}

/** noveli's state dir (as src/state/paths.ts finds it), when it exists already. */
export function existingStateDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string | undefined {
  const configured = env.NOVELI_STATE_DIR;
  const dir = configured && configured.trim() !== "" ? path.resolve(cwd, configured) : path.resolve(cwd, ".noveli");
  try {
    return statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

function loadWithCodeCache(options: LoadOptions): AppBundle {
  const { file } = options;
  // The build writes the bundle in ASCII: latin1 reads it as it is, without UTF-8 decoding.
  const source = readFileSync(file, "latin1");
  const stateDir = existingStateDir(options.env, options.cwd);
  const cacheFile = stateDir ? codeCacheFile(stateDir, options.buildId, options.key) : undefined;
  const stored = cacheFile ? readIfThere(cacheFile) : undefined;
  const commandCache = stored ? parseCodeCache(stored) : undefined;
  const cachedData = commandCache?.data ?? readIfThere(`${file}.cache`);
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cacheFile) {
    const covered = commandCache && !script.cachedDataRejected ? commandCache.parts : undefined;
    // At exit V8's cache holds every function this run compiled, not only the top level: what it
    // was handed and what it compiled besides.
    process.once("exit", () => {
      const parts = lazyPartsLoaded();
      if (covered && parts.every((part) => covered.includes(part))) return;
      writeCodeCache(cacheFile, options.buildId, script, [...new Set([...(covered ?? []), ...parts])].sort());
    });
  }
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  const module = new Module(file);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  wrapper.call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  return module.exports as AppBundle;
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

const MAGIC = "NVC1";

/**
 * Pure: a cache file's contents: "NVC1", the length of the header's JSON (uint32, little-endian),
 * the JSON (the parts the run that wrote it loaded), then V8's data. The JSON is padded with
 * spaces so that V8's data starts 8-byte aligned in the file's buffer, as V8 wants it (it copies
 * data that is not).
 */
export function codeCacheContents(parts: readonly string[], data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(parts), "utf8");
  const header = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, " ")]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from(MAGIC, "latin1"), length, header, data]);
}

/** Pure: a cache file's parts and V8's data; undefined for anything else (then it is written anew). */
export function parseCodeCache(contents: Buffer): { parts: string[]; data: Buffer } | undefined {
  if (contents.length < 8 || contents.toString("latin1", 0, 4) !== MAGIC) return undefined;
  const end = 8 + contents.readUInt32LE(4);
  if (end > contents.length) return undefined;
  try {
    const parts: unknown = JSON.parse(contents.toString("utf8", 8, end));
    if (!Array.isArray(parts) || !parts.every((part) => typeof part === "string")) return undefined;
    return { parts, data: contents.subarray(end) };
  } catch {
    return undefined;
  }
}

function writeCodeCache(cacheFile: string, buildId: string, script: vm.Script, parts: readonly string[]): void {
  try {
    const dir = path.dirname(cacheFile);
    mkdirSync(dir, { recursive: true });
    // Other builds' caches can never be used again.
    for (const name of readdirSync(dir)) if (!name.startsWith(`${buildId}-`)) rmSync(path.join(dir, name), { force: true });
    writeFileAtomically(cacheFile, codeCacheContents(parts, script.createCachedData()));
  } catch {
    /* compiled as without a cache next time */
  }
}

/** Pure: a command's cache key from commander's command chain, e.g. `local-up` for `noveli local up`. */
export function commandKey(names: string[]): string {
  return names.filter((name) => name !== "").join("-") || "default";
}
