// Builds dist/ with esbuild, in two parts, so `noveli --help` does as little as a start can:
//
// - dist/cli.cjs: src/cli.ts with commander inlined, as CommonJS. Every start loads this file
//   and nothing else of ours: a CommonJS entry spares Node its ESM loader, which a bare
//   `node -e 0` never pays for either. Its lazy `import("./runner.js")` and
//   `import("./commands/<name>.js")` stay dynamic imports, pointed at the ESM part.
// - dist/esm/: the runner and one entry per command, ESM with shared chunks, loaded only when a
//   command runs. Dependencies other than commander stay external and load from node_modules.
//
// Commander requires node:child_process at load time for executable subcommands, which noveli
// does not use; the CLI part hands it a proxy that loads the module on first use instead, which
// spares every start child_process and the stream, net and dgram modules it pulls in.
import { build } from "esbuild";
import { readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = (await import(path.join(root, "package.json"), { with: { type: "json" } })).default;
const external = Object.keys(pkg.dependencies).filter((name) => name !== "commander");
const define = { __NOVELI_VERSION__: JSON.stringify(pkg.version) };
const common = { absWorkingDir: root, bundle: true, platform: "node", target: "node20", logLevel: "warning", legalComments: "none", minify: true, define };

// Build beside dist/ and swap it in, so a CLI running from dist/ never sees a half-written tree.
const staging = path.join(root, `.dist-${process.pid}`);
const retired = path.join(root, `.dist-old-${process.pid}`);

const commands = readdirSync(path.join(root, "src", "commands"))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => `src/commands/${file}`);

await build({
  ...common,
  entryPoints: ["src/runner.ts", ...commands],
  outbase: "src",
  outdir: path.join(staging, "esm"),
  splitting: true,
  format: "esm",
  external: external.flatMap((name) => [name, `${name}/*`]),
  // Bundled CommonJS code calls require(); ESM has none of its own.
  banner: { js: "import { createRequire as __noveliRequire } from 'node:module'; const require = __noveliRequire(import.meta.url);" },
  chunkNames: "chunks/[name]-[hash]",
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
  ...common,
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
