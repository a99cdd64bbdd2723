// The esbuild settings every ESM bundle of noveli shares: the CLI's commands (scripts/build.mjs)
// and the story-generator Lambda (src/package/lambda.ts). Plain JavaScript, so the build script
// can import it without a TypeScript loader; esm-bundle.d.mts types it for the TypeScript side.

/**
 * Bundled CommonJS code (parts of the AWS SDK, the LLM SDKs' dependencies) still calls require()
 * for Node built-ins, and an ES module has none of its own: each chunk gets one.
 */
export const ESM_REQUIRE_BANNER =
  'import{createRequire as __noveliCreateRequire}from"node:module";const require=__noveliCreateRequire(import.meta.url);';

/**
 * Options for a Node ESM bundle split into chunks: minified, tree-shaken, dependencies' ESM builds
 * preferred (they tree-shake, and CommonJS would need the require shim), chunks under chunks/.
 * The caller adds entry points, output, target, externals and source map mode.
 */
export function nodeEsmBundleOptions() {
  return {
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    mainFields: ["module", "main"],
    minify: true,
    treeShaking: true,
    legalComments: "none",
    charset: "utf8",
    chunkNames: "chunks/[name]-[hash]",
    banner: { js: ESM_REQUIRE_BANNER },
  };
}
