import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noveliBin, repoRoot } from "../helpers/cli.js";

/**
 * The built CLI's commands carry their dependencies in dist/app.cjs (scripts/build.mjs): a command
 * loads one file of our own instead of hundreds from node_modules, its compiled code is kept in
 * the state dir's cache (src/startup/app-loader.ts), and its stack traces still name src/ files,
 * through the source map.
 */

/** What may still load from node_modules when a command runs (see scripts/build.mjs). */
const UNBUNDLED = ["esbuild", "@cdktf/hcl2json"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "noveli-bundle-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const appFile = path.join(repoRoot, "dist", "app.cjs");

describe("the bundled CLI", () => {
  it("every command module evaluates without resolving anything from node_modules but the unbundled few", async () => {
    // The SDK clients, the LLM SDKs and ora are all in there.
    const sources = (JSON.parse(readFileSync(`${appFile}.map`, "utf8")) as { sources: string[] }).sources;
    for (const name of ["openai", "@anthropic-ai/sdk", "@aws-sdk/client-dynamodb", "ora"]) {
      expect(sources.some((source) => source.includes(`node_modules/${name}/`)), name).toBe(true);
    }
    // ASCII only: the loader reads it as latin1 (a character decoded otherwise would change a regular expression).
    expect(/[^\x00-\x7f]/.test(readFileSync(appFile, "latin1"))).toBe(false);
    const commands = readdirSync(path.join(repoRoot, "src", "commands")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));

    const log = path.join(dir, "resolved.txt");
    const loader = path.join(dir, "load-all.cjs");
    writeFileSync(
      loader,
      [
        `const Module = require("node:module");`,
        `const { appendFileSync } = require("node:fs");`,
        `const resolveFilename = Module._resolveFilename;`,
        `Module._resolveFilename = function (request, parent, ...rest) { const file = resolveFilename.call(this, request, parent, ...rest); appendFileSync(${JSON.stringify(log)}, (parent?.filename ?? "") + " " + file + "\\n"); return file; };`,
        `const app = require(${JSON.stringify(appFile)});`,
        `app.runner();`,
        `for (const name of ${JSON.stringify(commands)}) app.command(name);`,
      ].join("\n"),
    );
    const result = await execa(process.execPath, [loader], { reject: false, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    // Each line: the requiring file and the resolved file. What the unbundled packages load
    // themselves (their own dependencies) is their business; what our bundle loads is the point.
    const resolved = readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.split(" ") as [string, string]);
    expect(resolved.some(([, file]) => file === appFile)).toBe(true); // the list is real
    const fromOurs = resolved.filter(([parent]) => parent === appFile).map(([, file]) => file);
    const packages = new Set(fromOurs.filter((file) => file.includes("/node_modules/")).map((file) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]));
    expect([...packages].filter((name) => !UNBUNDLED.includes(name ?? ""))).toEqual([]);
  });

  it("keeps each command's compiled code in an existing state dir, reuses it, and replaces a broken one", async () => {
    const stateDir = path.join(dir, "cache-state");
    mkdirSync(stateDir);
    const codeDir = path.join(stateDir, "cache", "code");
    const run = (env: Record<string, string>) =>
      execa(process.execPath, [noveliBin, "local", "status", "--json"], { reject: false, env: { NO_COLOR: "1", CI: "true", ...env } });

    const first = await run({ NOVELI_STATE_DIR: stateDir });
    expect(first.exitCode, first.stderr).toBe(0);
    const files = readdirSync(codeDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{16}-[0-9a-f]{12}-local-status\.bin$/);
    const cacheFile = path.join(codeDir, files[0] as string);
    const written = statSync(cacheFile);
    expect(written.size).toBeGreaterThan(100_000);

    // Accepted by V8: the second run leaves it as it was and answers the same.
    const second = await run({ NOVELI_STATE_DIR: stateDir });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(statSync(cacheFile).mtimeMs).toBe(written.mtimeMs);

    // A broken cache is only a cache: rejected, the command runs, and the cache is written anew.
    writeFileSync(cacheFile, "not V8's code cache");
    const broken = await run({ NOVELI_STATE_DIR: stateDir });
    expect(broken.exitCode, broken.stderr).toBe(0);
    expect(broken.stdout).toBe(first.stdout);
    expect(statSync(cacheFile).size).toBeGreaterThan(100_000);

    // Another build's cache goes when this build writes its own.
    writeFileSync(path.join(codeDir, "0000000000000000-000000000000-status.bin"), "old build");
    rmSync(cacheFile);
    expect((await run({ NOVELI_STATE_DIR: stateDir })).exitCode).toBe(0);
    expect(readdirSync(codeDir)).toEqual([files[0]]);

    // No state dir yet: the command creates none for its cache.
    const absent = path.join(dir, "no-state-dir-yet");
    expect((await run({ NOVELI_STATE_DIR: absent })).exitCode).toBe(0);
    expect(existsSync(absent)).toBe(false);
  });

  it("with --verbose an unexpected error's stack trace names noveli's source files", async () => {
    // An internal fault no input can cause: writing the result to stdout throws.
    const preload = path.join(dir, "stdout-fails.cjs");
    writeFileSync(preload, `process.stdout.write = () => { throw new Error("stdout is gone"); };\n`);
    const stateDir = path.join(dir, "state");
    const run = (verbose: boolean) =>
      execa(process.execPath, ["--require", preload, noveliBin, "local", "status", ...(verbose ? ["--verbose"] : [])], {
        reject: false,
        env: { NOVELI_STATE_DIR: stateDir, NO_COLOR: "1", CI: "true" },
      });

    const verbose = await run(true);
    expect(verbose.exitCode).toBe(1);
    expect(verbose.stderr).toContain("unexpected error: stdout is gone");
    const frames = verbose.stderr.split("\n").filter((line) => /^\s+at /.test(line));
    // Mapped frames: src/*.ts with line and column, not the minified dist/ chunks.
    expect(frames.some((line) => line.includes(`${path.join(repoRoot, "src", "output", "reporter.ts")}:`))).toBe(true);
    expect(frames.some((line) => line.includes(`${path.join(repoRoot, "src", "commands", "local.ts")}:`))).toBe(true);
    expect(frames.filter((line) => line.includes(`${path.sep}dist${path.sep}`))).toEqual([]);

    // Without --verbose: one line, no stack.
    const quiet = await run(false);
    expect(quiet.exitCode).toBe(1);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
  });
});
