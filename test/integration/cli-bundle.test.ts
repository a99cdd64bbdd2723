import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noveliBin, repoRoot } from "../helpers/cli.js";

/**
 * The built CLI's commands carry their dependencies in dist/esm (scripts/build.mjs): a command
 * loads a few files of our own instead of hundreds from node_modules, and its stack traces still
 * name src/ files, through the source maps.
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

function esmFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    return entry.isDirectory() ? esmFiles(file) : entry.name.endsWith(".js") ? [file] : [];
  });
}

describe("the bundled CLI", () => {
  it("every command module and chunk evaluates without resolving anything from node_modules but the unbundled few", async () => {
    const files = esmFiles(path.join(repoRoot, "dist", "esm"));
    // The SDK clients, the LLM SDKs, execa and ora are all in there somewhere.
    expect(files.some((file) => /[\\/]chunks[\\/]openai-[^\\/]+\.js$/.test(file))).toBe(true);
    expect(files.some((file) => /[\\/]chunks[\\/]anthropic-[^\\/]+\.js$/.test(file))).toBe(true);

    const log = path.join(dir, "resolved.txt");
    const hooks = path.join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      `import { appendFileSync } from "node:fs";\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, (context.parentURL ?? "") + " " + result.url + "\\n");\n  return result;\n}\n`,
    );
    const loader = path.join(dir, "load-all.mjs");
    writeFileSync(
      loader,
      [
        `import { register } from "node:module";`,
        `import Module from "node:module";`,
        `import { appendFileSync } from "node:fs";`,
        `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
        // require() of bundled CommonJS (createRequire in each chunk) goes through this.
        `const resolveFilename = Module._resolveFilename;`,
        `Module._resolveFilename = function (request, parent, ...rest) { const file = resolveFilename.call(this, request, parent, ...rest); appendFileSync(${JSON.stringify(log)}, "file://" + (parent?.filename ?? "") + " file://" + file + "\\n"); return file; };`,
        `for (const file of ${JSON.stringify(files.map((file) => pathToFileURL(file).href))}) await import(file);`,
      ].join("\n"),
    );
    const result = await execa(process.execPath, [loader], { reject: false, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    // Each line: the importing file's URL and the resolved URL. What the unbundled packages load
    // themselves (their own dependencies) is their business; what our files load is the point.
    const resolved = readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.split(" ") as [string, string]);
    const fromOurs = resolved.filter(([parent]) => parent.includes("/dist/"));
    expect(resolved.filter(([, url]) => url.includes("/dist/esm/")).length).toBeGreaterThanOrEqual(files.length); // the list is real
    const fromNodeModules = fromOurs.map(([, url]) => url).filter((url) => url.includes("/node_modules/"));
    const packages = new Set(fromNodeModules.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]));
    expect([...packages].filter((name) => !UNBUNDLED.includes(name ?? ""))).toEqual([]);
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
