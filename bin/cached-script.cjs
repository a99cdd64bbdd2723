// Runs a CommonJS file of the build the way Node's loader would, but compiled through vm.Script so V8
// can take a code cache for it: used by bin/noveli.cjs for dist/cli.cjs, and by scripts/build.mjs to
// make that cache in a run compiled exactly as the bin compiles it (V8 takes a cache only for the
// same source). Returns the script, whose createCachedData() holds what the run compiled.
const Module = require("node:module");
const path = require("node:path");
const { readFileSync } = require("node:fs");
const vm = require("node:vm");

exports.runCached = function runCached(file, cachedData) {
  const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = new Module(file);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  return { script, exports: module.exports };
};
