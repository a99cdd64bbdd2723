#!/usr/bin/env node
// Shim only: everything lives in the compiled CLI (built by `npm ci` through the prepare script).
// CommonJS, like dist/cli.cjs, so a start never waits for Node's ESM loader (see scripts/build.mjs).
// --verbose is the only time a stack trace is printed: Node then maps the bundles' frames back to
// src/ through the build's source maps. Only then, because while it is on Node reads the map of
// every module it loads.
if (process.argv.includes("--verbose")) process.setSourceMapsEnabled(true);
require("../dist/cli.cjs");
