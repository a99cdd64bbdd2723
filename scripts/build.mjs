// Builds dist/ with esbuild, in two parts, so `noveli --help` does as little as a start can and a
// command loads one file of our own:
//
// - dist/cli.cjs: src/cli.ts with commander inlined, as CommonJS. Every start loads this file
//   and nothing else: a CommonJS entry spares Node its ESM loader, which a bare `node -e 0` never
//   pays for either. Its lazy `import("./runner.js")` and `import("./commands/<name>.js")` become
//   small stubs that load the other part through src/startup/app-loader.ts.
// - dist/app.cjs: the runner and every command in one CommonJS bundle, each command's code behind a
//   lazy initialiser, so a command evaluates only what it uses. Their dependencies (the AWS SDK
//   clients, the LLM SDKs, execa, ora...) are bundled in, as the Lambda's are: Node reads one file
//   instead of resolving and reading hundreds from node_modules. One file, and a classic script,
//   because that is what V8's code cache works for on Node 20 (vm.Script cachedData; ES modules
//   have none before Node 22): app-loader.ts keeps each command's compiled code in the state dir's
//   cache, so a command's later runs skip most of parsing and compiling. Only what cannot work from
//   a bundle stays in node_modules (NODE_MODULES_AT_RUN_TIME below).
//
// Source maps (dist/*.map, linked from each file) map stack traces back to src/: the CLI turns
// Node's source map support on for --verbose, the only time it prints a stack (src/cli.ts), and
// the loader then require()s app.cjs the ordinary way, so the map applies.
//
// Commander requires node:child_process at load time for executable subcommands, which noveli
// does not use; the CLI part hands it a proxy that loads the module on first use instead, which
// spares every start child_process and the stream, net and dgram modules it pulls in.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
  .map((file) => file.slice(0, -".ts".length));

/** The app bundle's entry: the runner and each command, required (and so initialised) only when asked for. */
const appEntry = [
  "exports.runner = () => require('./src/runner.ts');",
  "exports.command = (name) => {",
  "  switch (name) {",
  ...commands.map((name) => `    case ${JSON.stringify(name)}: return require(${JSON.stringify(`./src/commands/${name}.ts`)});`),
  "    default: throw new Error(`no command module ${name}`);",
  "  }",
  "};",
].join("\n");

await build({
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  mainFields: ["module", "main"],
  minify: true,
  treeShaking: true,
  legalComments: "none",
  // ASCII (esbuild escapes the rest): the loader reads the bundle as latin1, a plain copy of its
  // bytes, instead of decoding 2.5 MB of UTF-8 on every start.
  charset: "ascii",
  logLevel: "warning",
  define: { ...define, "import.meta.url": "__noveliImportMetaUrl" },
  // import() of what stays outside (node: built-ins, esbuild) becomes require(): a vm.Script (the
  // code cache, src/startup/app-loader.ts) has no loader for dynamic imports.
  supported: { "dynamic-import": false },
  // import.meta.url of our ES module sources (finding the package root, resolving from node_modules).
  banner: { js: 'var __noveliImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  stdin: { contents: appEntry, resolveDir: root, sourcefile: "app-entry.cjs", loader: "js" },
  outfile: path.join(staging, "app.cjs"),
  external: NODE_MODULES_AT_RUN_TIME.flatMap((name) => [name, `${name}/*`]),
  // A linked map without the sources' text: stack traces need only the positions, and dist/ stays small.
  sourcemap: "linked",
  sourcesContent: false,
});

// The loader reads the bundle as latin1: a character esbuild could not escape (one inside a
// regular expression literal) would read as something else. Write it as \uXXXX in the source.
{
  const text = readFileSync(path.join(staging, "app.cjs"), "utf8");
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`dist/app.cjs must be ASCII (src/startup/app-loader.ts reads it as latin1), but has ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}: escape the character as \\uXXXX in the source`);
}

// The bundle's top level, compiled once here: a command's first run need not parse all of it
// (src/startup/app-loader.ts). Made by this Node, for the same Node; V8 rejects it otherwise.
const vm = await import("node:vm");
const { wrap } = (await import("node:module")).default;
writeFileSync(
  path.join(staging, "app.cjs.cache"),
  new vm.Script(wrap(readFileSync(path.join(staging, "app.cjs"), "utf8")), { filename: path.join(root, "dist", "app.cjs") }).createCachedData(),
);

// The build's id: the code cache of one build is never handed to another.
const buildId = createHash("sha256").update(readFileSync(path.join(staging, "app.cjs"))).digest("hex").slice(0, 16);
const loader = path.join(root, "src", "startup", "app-loader.ts");
const loadOptions = (key) => `{ file: require("node:path").join(__dirname, "app.cjs"), buildId: ${JSON.stringify(buildId)}, key: ${key} }`;

/** The CLI part: the lazy imports become stubs that load dist/app.cjs; child_process loads on first use. */
const cliPlugin = {
  name: "noveli-cli",
  setup(b) {
    b.onResolve({ filter: /^\.\/(runner|commands\/[a-z-]+)\.js$/ }, (args) => {
      if (args.kind !== "dynamic-import") throw new Error(`src/cli.ts must import ${args.path} lazily (import()), not at load time`);
      return { path: args.path, namespace: "noveli-app" };
    });
    b.onLoad({ filter: /.*/, namespace: "noveli-app" }, (args) => {
      if (args.path === "./runner.js") {
        return {
          // The command chain names the code cache: each command keeps its own compiled code.
          contents: [
            `const { loadApp, commandKey } = require(${JSON.stringify(loader)});`,
            "exports.run = (cmd, invoke) => {",
            "  const names = [];",
            "  for (let c = cmd; c && c.parent; c = c.parent) names.unshift(c.name());",
            `  return loadApp(${loadOptions("commandKey(names)")}).runner().run(cmd, invoke);`,
            "};",
          ].join("\n"),
          resolveDir: root,
          loader: "js",
        };
      }
      const name = /^\.\/commands\/([a-z-]+)\.js$/.exec(args.path)?.[1];
      if (!name || !commands.includes(name)) throw new Error(`src/cli.ts imports ${args.path}, which is no command of src/commands`);
      return {
        contents: `const { loadApp } = require(${JSON.stringify(loader)});\nmodule.exports = loadApp(${loadOptions('"default"')}).command(${JSON.stringify(name)});`,
        resolveDir: root,
        loader: "js",
      };
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
