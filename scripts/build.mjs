// Builds dist/ with esbuild, in two parts, so `noveli --help` does as little as a start can and a
// command loads one file of our own:
//
// - dist/cli.cjs: src/cli.ts with commander inlined, as CommonJS. Every start loads this file
//   and nothing else: a CommonJS entry spares Node its ESM loader, which a bare `node -e 0` never
//   pays for either. Its lazy `import("./runner.js")` and `import("./commands/<name>.js")` become
//   small stubs that load the command's bundle through src/startup/app-loader.ts.
// - dist/app/<name>.cjs: one CommonJS bundle per module of src/commands (the top-level command of the
//   same name: `noveli local up` runs dist/app/local.cjs), holding the runner, that command and
//   everything they use. Their dependencies (the AWS SDK clients, the LLM SDKs, execa, ora...) are
//   bundled in, as the Lambda's are: Node reads one file instead of resolving and reading hundreds
//   from node_modules. One file per command, because a command's code is then the entry's own static
//   import graph, which esbuild tree-shakes: an SDK client brings the commands noveli sends, not its
//   aggregated client with every command of the service, as it does once a module is reached through
//   require() or import() and esbuild has to keep and initialise all it re-exports. (One bundle for
//   all commands needed exactly that, a require() per command, and cost status about 60 ms more to
//   load.) What a command needs only on some paths (ora in a terminal, STS on a real account, the LLM
//   SDKs) stays behind an import() and initialises on first use. And a classic script, because that
//   is what V8's code cache works for on Node 20 (vm.Script cachedData; ES modules have none before
//   Node 22): app-loader.ts keeps each command's compiled code in the state dir's cache, so a
//   command's later runs skip most of parsing and compiling. Only what cannot work from a bundle
//   stays in node_modules (NODE_MODULES_AT_RUN_TIME below).
//
// Source maps (dist/**/*.map, linked from each file) map stack traces back to src/: the CLI turns
// Node's source map support on for --verbose, the only time it prints a stack (src/cli.ts), and
// the loader then require()s the bundle the ordinary way, so the map applies.
//
// Commander requires node:child_process at load time for executable subcommands, which noveli
// does not use; the CLI part hands it a proxy that loads the module on first use instead, which
// spares every start child_process and the stream, net and dgram modules it pulls in.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { literalSchemaKeys, SCHEMA_FILE } from "./schema-keys.mjs";

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
// A build that fails leaves no half-made tree behind (after a good one, staging is dist/ already).
process.on("exit", () => rmSync(staging, { recursive: true, force: true }));

const commands = readdirSync(path.join(root, "src", "commands"))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => file.slice(0, -".ts".length));

/**
 * Node built-ins the SDK loads with its modules although a command may never use them, each swapped
 * for a part of src/aws that loads it on first use:
 * - node:https (with TLS and its crypto, about 5 ms): the SDK's HTTP handler imports it and builds an
 *   https Agent with every client, even for an http:// emulator. Its node-https.js, which only
 *   imports the module and exports it, becomes src/aws/lazy-https.ts.
 * - node:fs/promises (with readline), node:zlib and the web streams (about 4 ms together): imported
 *   by the shared-config file reader, the SSO token reader and the CRC32 checksum when their
 *   modules load; the web streams by util-stream's ChecksumStream.browser.js (a class extending the
 *   global ReadableStream), by its stream-type-check.js, asked of every response body, and by
 *   retry's isStreamingPayload.js, asked after every error answer. Their import of the built-in is
 *   pointed at src/aws/lazy-builtins.ts, which exports the same names; those three files become
 *   re-exports of what it has in their place.
 * Each swapped file must still be exactly what it was (`expected`), or import the built-in once and
 * exactly as it did (`import`), and every bundle holding one must have had it swapped: a new SDK
 * that changes either fails the build here instead of quietly loading the built-in again (or losing
 * what the module needs of it).
 */
const smithy = (file) => new RegExp(`[\\\\/]@smithy[\\\\/]${file.replace(/\//g, "[\\\\/]").replace(/\./g, "\\.")}$`);
const coreModule = (file) => smithy(`core/dist-es/submodules/${file}`);
const LAZY_BUILTINS = path.join(root, "src", "aws", "lazy-builtins.ts");
const LAZY_SWAPS = [
  {
    file: smithy("node-http-handler/dist-es/node-https.js"),
    expected: 'import node_https from "node:https";\nexport { node_https };',
    contents: `export { node_https } from ${JSON.stringify(path.join(root, "src", "aws", "lazy-https.ts"))};`,
  },
  {
    file: coreModule("serde/util-stream/checksum/ChecksumStream.browser.js"),
    expected: 'const ReadableStreamRef = typeof ReadableStream === "function" ? ReadableStream : function () { };\nexport class ChecksumStream extends ReadableStreamRef {\n}',
    contents: `export { ChecksumStream } from ${JSON.stringify(LAZY_BUILTINS)};`,
  },
  {
    file: coreModule("serde/util-stream/stream-type-check.js"),
    expected:
      'export const isReadableStream = (stream) => typeof ReadableStream === "function" &&\n    (stream?.constructor?.name === ReadableStream.name || stream instanceof ReadableStream);\nexport const isBlob = (blob) => {\n    return typeof Blob === "function" && (blob?.constructor?.name === Blob.name || blob instanceof Blob);\n};',
    contents: `export { isReadableStream, isBlob } from ${JSON.stringify(LAZY_BUILTINS)};`,
  },
  {
    file: coreModule("retry/middleware-retry/isStreamingPayload/isStreamingPayload.js"),
    expected:
      'import { Readable } from "node:stream";\nexport const isStreamingPayload = (request) => request?.body instanceof Readable ||\n    (typeof ReadableStream !== "undefined" && request?.body instanceof ReadableStream);',
    contents: `export { isStreamingPayload } from ${JSON.stringify(LAZY_BUILTINS)};`,
  },
  { file: coreModule("config/shared-ini-file-loader/readFile.js"), import: 'import { readFile as fsReadFile } from "node:fs/promises";' },
  { file: coreModule("config/shared-ini-file-loader/getSSOTokenFromFile.js"), import: 'import { readFile } from "node:fs/promises";' },
  { file: coreModule("checksum/crc32/Crc32Node.js"), import: 'import * as zlib from "node:zlib";' },
];
/** Pure: a swapped file's new text, or why it cannot be swapped. */
function swapped(swap, text) {
  if (swap.expected !== undefined) return text.trim() === swap.expected ? { contents: swap.contents } : { error: `is no longer ${JSON.stringify(swap.expected)}` };
  const builtin = /from "(node:[^"]+)"/.exec(swap.import)[1];
  if (text.split(`from "${builtin}"`).length !== 2 || !text.includes(swap.import)) return { error: `no longer imports ${builtin} once, as ${JSON.stringify(swap.import)}` };
  return { contents: text.replace(swap.import, swap.import.replace(`"${builtin}"`, JSON.stringify(LAZY_BUILTINS))) };
}
const lazySwapped = new Map();
const lazySwapsPlugin = (name) => ({
  name: "noveli-lazy-builtins",
  setup(b) {
    for (const swap of LAZY_SWAPS) {
      b.onLoad({ filter: swap.file }, (args) => {
        const { contents, error } = swapped(swap, readFileSync(args.path, "utf8"));
        if (error !== undefined) {
          throw new Error(`${args.path} ${error}: check what it needs of the built-in, then update src/aws/lazy-https.ts or src/aws/lazy-builtins.ts and LAZY_SWAPS in scripts/build.mjs`);
        }
        lazySwapped.set(name, (lazySwapped.get(name) ?? new Set()).add(swap));
        return { contents, resolveDir: path.dirname(args.path), loader: "js" };
      });
    }
  },
});

/** The SDK's schema modules with literal keys, so esbuild drops the shapes no command sends (scripts/schema-keys.mjs). */
const schemaKeysPlugin = {
  name: "noveli-schema-keys",
  setup(b) {
    b.onLoad({ filter: SCHEMA_FILE }, (args) => {
      const { contents, left } = literalSchemaKeys(readFileSync(args.path, "utf8"));
      if (left.length > 0) throw new Error(`${args.path} has computed keys that are none of its string constants (${left.slice(0, 5).join(", ")}): check how the SDK writes its schemas now, then update scripts/schema-keys.mjs`);
      return { contents, resolveDir: path.dirname(args.path), loader: "js" };
    });
  },
};

/** A command's bundle: the runner and the command module, both as the entry's static imports. */
const appEntry = (name) => [`export { run } from "./src/runner.ts";`, `export * as command from "./src/commands/${name}.ts";`].join("\n");
const appFile = (name) => path.join(staging, "app", `${name}.cjs`);

await Promise.all(
  commands.map((name) =>
    build({
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
      // bytes, instead of decoding a megabyte of UTF-8 on every start.
      charset: "ascii",
      logLevel: "warning",
      define: { ...define, "import.meta.url": "__noveliImportMetaUrl" },
      // import() of what stays outside (node: built-ins, esbuild) becomes require(): a vm.Script (the
      // code cache, src/startup/app-loader.ts) has no loader for dynamic imports.
      supported: { "dynamic-import": false },
      // import.meta.url of our ES module sources (finding the package root, resolving from node_modules).
      banner: { js: 'var __noveliImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
      stdin: { contents: appEntry(name), resolveDir: root, sourcefile: `app-${name}.ts`, loader: "ts" },
      outfile: appFile(name),
      external: NODE_MODULES_AT_RUN_TIME.flatMap((pkg) => [pkg, `${pkg}/*`]),
      // A linked map without the sources' text: stack traces need only the positions, and dist/ stays small.
      sourcemap: "linked",
      sourcesContent: false,
      plugins: [lazySwapsPlugin(name), schemaKeysPlugin],
      metafile: true,
    }).then((result) => {
      for (const swap of LAZY_SWAPS) {
        const held = Object.keys(result.metafile.inputs).some((input) => swap.file.test(path.resolve(root, input)));
        if (held && !lazySwapped.get(name)?.has(swap)) throw new Error(`dist/app/${name}.cjs holds a module LAZY_SWAPS swaps (${swap.file}) that was not swapped (scripts/build.mjs)`);
      }
      // A handler that stopped importing node:https through node-https.js would load TLS again.
      const handler = Object.keys(result.metafile.inputs).some((input) => /@smithy[\\/]node-http-handler[\\/]/.test(input));
      if (handler && !lazySwapped.get(name)?.has(LAZY_SWAPS[0])) throw new Error(`dist/app/${name}.cjs holds the SDK's HTTP handler but its node-https.js was not swapped (LAZY_SWAPS in scripts/build.mjs)`);
    }),
  ),
);

const vm = await import("node:vm");
const { wrap } = (await import("node:module")).default;
// The build's id, a hash of all its bundles: the code cache of one build is never handed to
// another, and the caches of one build's commands live side by side (app-loader.ts removes only
// other builds' caches when it writes one).
const buildHash = createHash("sha256");
for (const name of commands) {
  const file = appFile(name);
  const text = readFileSync(file, "utf8");
  // The loader reads the bundle as latin1: a character esbuild could not escape (one inside a
  // regular expression literal) would read as something else. Write it as \uXXXX in the source.
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`dist/app/${name}.cjs must be ASCII (src/startup/app-loader.ts reads it as latin1), but has ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}: escape the character as \\uXXXX in the source`);
  // The bundle's top level, compiled once here: a command's first run need not parse all of it
  // (src/startup/app-loader.ts). Made by this Node, for the same Node; V8 rejects it otherwise.
  writeFileSync(`${file}.cache`, new vm.Script(wrap(text), { filename: path.join(root, "dist", "app", `${name}.cjs`) }).createCachedData());
  buildHash.update(`${name}\0${text}\0`);
}
const buildId = buildHash.digest("hex").slice(0, 16);

const loader = path.join(root, "src", "startup", "app-loader.ts");
/** The one module of the CLI part that knows the bundles: the stubs below load them through it. */
const bundlesModule = [
  `const { loadApp, commandKey } = require(${JSON.stringify(loader)});`,
  `const COMMANDS = ${JSON.stringify(commands)};`,
  "exports.commandKey = commandKey;",
  "exports.load = (name, key) => {",
  "  if (!COMMANDS.includes(name)) throw new Error(`no bundle for the command ${name}: its module must be src/commands/${name}.ts`);",
  `  return loadApp({ file: require("node:path").join(__dirname, "app", \`\${name}.cjs\`), buildId: ${JSON.stringify(buildId)}, key });`,
  "};",
].join("\n");

/** The CLI part: the lazy imports become stubs that load the command's bundle; child_process loads on first use. */
const cliPlugin = {
  name: "noveli-cli",
  setup(b) {
    b.onResolve({ filter: /^\.\/(runner|commands\/[a-z-]+)\.js$/ }, (args) => {
      if (args.kind !== "dynamic-import") throw new Error(`src/cli.ts must import ${args.path} lazily (import()), not at load time`);
      return { path: args.path, namespace: "noveli-app" };
    });
    b.onResolve({ filter: /^noveli-app-bundles$/ }, (args) => ({ path: args.path, namespace: "noveli-app" }));
    b.onLoad({ filter: /.*/, namespace: "noveli-app" }, (args) => {
      if (args.path === "noveli-app-bundles") return { contents: bundlesModule, resolveDir: root, loader: "js" };
      if (args.path === "./runner.js") {
        return {
          // The top-level command names its bundle (its module of src/commands has the same name);
          // the whole command chain names the code cache: each command keeps its own compiled code.
          contents: [
            'const { load, commandKey } = require("noveli-app-bundles");',
            "exports.run = (cmd, invoke) => {",
            "  const names = [];",
            "  for (let c = cmd; c && c.parent; c = c.parent) names.unshift(c.name());",
            "  return load(names[0], commandKey(names)).run(cmd, invoke);",
            "};",
          ].join("\n"),
          resolveDir: root,
          loader: "js",
        };
      }
      const name = /^\.\/commands\/([a-z-]+)\.js$/.exec(args.path)?.[1];
      if (!name || !commands.includes(name)) throw new Error(`src/cli.ts imports ${args.path}, which is no command of src/commands`);
      return {
        // The runner loaded this bundle already: loadApp hands back the one it loaded.
        contents: `module.exports = require("noveli-app-bundles").load(${JSON.stringify(name)}, "default").command;`,
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

// The CLI part's compiled code, for bin/noveli.cjs: V8's cache of dist/cli.cjs after a run of it
// compiled as the bin compiles it (bin/cached-script.cjs), in a child process of this same Node, of
// `completion bash` (the command tree, commander's parsing and a command's dispatch to its bundle)
// and then `--help`. Without a state dir, so that run leaves no cache of its own anywhere; its
// output is not wanted.
const cliFile = path.join(staging, "cli.cjs");
const trainer = `
const { writeFileSync } = require("node:fs");
const { runCached } = require(${JSON.stringify(path.join(root, "bin", "cached-script.cjs"))});
const file = ${JSON.stringify(cliFile)};
process.argv = [process.execPath, file, "completion", "bash"];
const { script, exports: cli } = runCached(file);
process.on("exit", () => writeFileSync(file + ".cache", script.createCachedData()));
setTimeout(() => cli.main([process.execPath, file, "--help"]), 50);
`;
const { spawnSync } = await import("node:child_process");
const trained = spawnSync(process.execPath, ["-e", trainer], {
  cwd: staging,
  env: { ...process.env, NOVELI_STATE_DIR: path.join(staging, "no-state-dir"), NO_COLOR: "1", CI: "true" },
  stdio: ["ignore", "ignore", "pipe"],
  encoding: "utf8",
  timeout: 60_000,
});
if (trained.status !== 0) throw new Error(`the CLI part's training run failed (exit ${trained.status ?? trained.signal}): ${trained.stderr.slice(-2_000)}`);
if (!readFileSync(`${cliFile}.cache`).length) throw new Error("the CLI part's training run wrote no code cache");

try {
  renameSync(path.join(root, "dist"), retired);
} catch {
  /* first build */
}
renameSync(staging, path.join(root, "dist"));
rmSync(retired, { recursive: true, force: true });
