/** Types of esm-bundle.mjs (see there). */
export declare const ESM_REQUIRE_BANNER: string;
export declare function nodeEsmBundleOptions(): {
  bundle: true;
  splitting: true;
  format: "esm";
  platform: "node";
  mainFields: string[];
  minify: true;
  treeShaking: true;
  legalComments: "none";
  charset: "utf8";
  chunkNames: string;
  banner: { js: string };
};
