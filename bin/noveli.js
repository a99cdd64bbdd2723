#!/usr/bin/env node
// Shim only: everything lives in the compiled CLI (built by `npm ci` through the prepare script).
import "../dist/cli.js";
