// Builds dist/: the CLI bundled by esbuild (commander inlined, one chunk per lazily loaded command)
// so `noveli --help` resolves as few modules as possible. Dependencies other than commander stay
// external and load from node_modules only when a command needs them.
import { build } from "esbuild";
import { renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = (await import(path.join(root, "package.json"), { with: { type: "json" } })).default;
const external = Object.keys(pkg.dependencies).filter((name) => name !== "commander");

// Build beside dist/ and swap it in, so a CLI running from dist/ never sees a half-written tree.
const staging = path.join(root, `.dist-${process.pid}`);
const retired = path.join(root, `.dist-old-${process.pid}`);
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli.ts"],
  outdir: staging,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: external.flatMap((name) => [name, `${name}/*`]),
  banner: { js: "import { createRequire as __noveliRequire } from 'node:module'; const require = __noveliRequire(import.meta.url);" },
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  legalComments: "none",
  define: { __NOVELI_VERSION__: JSON.stringify(pkg.version) },
  minify: true,
});

try {
  renameSync(path.join(root, "dist"), retired);
} catch {
  /* first build */
}
renameSync(staging, path.join(root, "dist"));
rmSync(retired, { recursive: true, force: true });
