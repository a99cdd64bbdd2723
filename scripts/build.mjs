// Builds dist/ with esbuild, in two parts, so `noveli --help` does as little as a start can and a
// command loads one small graph of our own files:
//
// - dist/cli.cjs: src/cli.ts with commander inlined, as CommonJS. Every start loads this file
//   and nothing else: a CommonJS entry spares Node its ESM loader, which a bare `node -e 0` never
//   pays for either. Its lazy `import("./runner.js")` and `import("./commands/<name>.js")` stay
//   dynamic imports, pointed at the ESM part.
// - dist/esm/: the runner and one entry per command, ESM with shared chunks, loaded only when a
//   command runs. Their dependencies (the AWS SDK clients, the LLM SDKs, execa, ora...) are
//   bundled into those chunks, as the Lambda's are (the settings both share are in
//   src/package/esm-bundle.mjs): Node then reads a few large files instead of resolving and
//   reading hundreds of small ones from node_modules, which cost `noveli status` most of its time.
//   Only what cannot work from a bundle stays in node_modules (NODE_MODULES_AT_RUN_TIME below).
//
// Source maps (dist/**/*.map, linked from each file) map stack traces back to src/: the CLI turns
// Node's source map support on for --verbose, the only time it prints a stack (src/cli.ts).
//
// Commander requires node:child_process at load time for executable subcommands, which noveli
// does not use; the CLI part hands it a proxy that loads the module on first use instead, which
// spares every start child_process and the stream, net and dgram modules it pulls in.
import { build } from "esbuild";
import { readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { nodeEsmBundleOptions } from "../src/package/esm-bundle.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = (await import(path.join(root, "package.json"), { with: { type: "json" } })).default;
const define = { __NOVELI_VERSION__: JSON.stringify(pkg.version) };

/**
 * Dependencies loaded from node_modules when a command runs, never bundled:
 * - esbuild: its JavaScript API starts the platform's native binary, found from its own package;
 * - @cdktf/hcl2json: reads its WebAssembly parser from beside its own files (__dirname).
 */
const NODE_MODULES_AT_RUN_TIME = ["esbuild", "@cdktf/hcl2json"];
for (const name of NODE_MODULES_AT_RUN_TIME) {
  if (!(name in pkg.dependencies)) throw new Error(`scripts/build.mjs keeps ${name} external, but it is no longer a dependency`);
}

// Build beside dist/ and swap it in, so a CLI running from dist/ never sees a half-written tree.
const staging = path.join(root, `.dist-${process.pid}`);
const retired = path.join(root, `.dist-old-${process.pid}`);

const commands = readdirSync(path.join(root, "src", "commands"))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => `src/commands/${file}`);

await build({
  ...nodeEsmBundleOptions(),
  absWorkingDir: root,
  target: "node20",
  logLevel: "warning",
  define,
  entryPoints: ["src/runner.ts", ...commands],
  outbase: "src",
  outdir: path.join(staging, "esm"),
  external: NODE_MODULES_AT_RUN_TIME.flatMap((name) => [name, `${name}/*`]),
  // Linked maps without the sources' text: stack traces need only the positions, and dist/
  // stays small.
  sourcemap: "linked",
  sourcesContent: false,
});

/** The CLI part: the lazy imports point at the ESM part; child_process loads on first use. */
const cliPlugin = {
  name: "noveli-cli",
  setup(b) {
    b.onResolve({ filter: /^\.\/(runner|commands\/[a-z-]+)\.js$/ }, (args) => {
      if (args.kind !== "dynamic-import") throw new Error(`src/cli.ts must import ${args.path} lazily (import()), not at load time`);
      return { path: `./esm/${args.path.slice(2)}`, external: true };
    });
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.namespace === "lazy-child-process" ? { path: "node:child_process", external: true } : { path: "child_process", namespace: "lazy-child-process" },
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-child-process" }, () => ({
      contents: "let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require('node:child_process'))[key] });",
      loader: "js",
    }));
    // Anything else of noveli's own would be bundled into every start: refuse it.
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.importer.endsWith(path.join("src", "cli.ts"))) throw new Error(`src/cli.ts may import only commander at load time, not ${args.path}`);
      return undefined;
    });
  },
};

await build({
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
  minify: true,
  define,
  sourcemap: "linked",
  sourcesContent: false,
  entryPoints: ["src/cli.ts"],
  outfile: path.join(staging, "cli.cjs"),
  format: "cjs",
  plugins: [cliPlugin],
});

try {
  renameSync(path.join(root, "dist"), retired);
} catch {
  /* first build */
}
renameSync(staging, path.join(root, "dist"));
rmSync(retired, { recursive: true, force: true });
