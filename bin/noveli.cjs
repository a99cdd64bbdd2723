#!/usr/bin/env node
// Shim only: everything lives in the compiled CLI (built by `npm ci` through the prepare script).
// CommonJS, like dist/cli.cjs, so a start never waits for Node's ESM loader (see scripts/build.mjs).
require("../dist/cli.cjs");
