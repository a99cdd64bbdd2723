#!/usr/bin/env node
// Shim only: everything lives in the compiled CLI (built by `npm ci` through the prepare script).
// CommonJS, like dist/cli.cjs, so a start never waits for Node's ESM loader (see scripts/build.mjs).
// --verbose is the only time a stack trace is printed: Node then maps the bundles' frames back to
// src/ through the build's source maps. Only then, because while it is on Node reads the map of
// every module it loads; and then the CLI part is require()d as usual, so its map applies.
//
// Otherwise the CLI part runs with the code V8 compiled for it at build time (dist/cli.cjs.cache,
// from a run of the CLI in the build): commander and the command tree need no parsing or compiling
// on a start, about 5 ms of every command. V8 checks the cache against this Node and this file and
// rejects one that does not fit; the CLI is then compiled from source, as without it.
const verbose = process.argv.includes("--verbose");
if (verbose) process.setSourceMapsEnabled(true);
const cli = require("node:path").join(__dirname, "..", "dist", "cli.cjs");
if (verbose) {
  require(cli);
} else {
  let cachedData;
  try {
    cachedData = require("node:fs").readFileSync(`${cli}.cache`);
  } catch {
    /* compiled from source */
  }
  require("./cached-script.cjs").runCached(cli, cachedData);
}
