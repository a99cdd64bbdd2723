import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noveliBin, repoRoot } from "../helpers/cli.js";

/**
 * Each of the built CLI's commands carries its dependencies in its bundle, dist/app/<command>.cjs
 * (scripts/build.mjs): a command loads one file of our own instead of hundreds from node_modules,
 * its SDK clients are tree-shaken to what it sends, its compiled code is kept in the state dir's
 * cache (src/startup/app-loader.ts), and its stack traces still name src/ files, through the
 * source map.
 */

/** What may still load from node_modules when a command runs (see scripts/build.mjs). */
const UNBUNDLED = ["esbuild", "@cdktf/hcl2json"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "noveli-bundle-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const commands = readdirSync(path.join(repoRoot, "src", "commands")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
const bundleOf = (name: string) => path.join(repoRoot, "dist", "app", `${name}.cjs`);
const sourcesOf = (name: string) => (JSON.parse(readFileSync(`${bundleOf(name)}.map`, "utf8")) as { sources: string[] }).sources;

/**
 * Bundles that may hold an SDK client's aggregated class (every command of the service): only where
 * a client is loaded on first use on purpose, behind an import(), which esbuild cannot tree-shake.
 */
const LAZY_CLIENTS: Record<string, string> = {
  bootstrap: "IAM, for --github-oidc only",
  generate: "the provider SDKs, Bedrock's among them, load when a provider is first called",
  models: "the provider SDKs and Bedrock's model listing load when asked for",
};

describe("the bundled CLI", () => {
  it("has one bundle per command, ASCII, with what each needs inside and every client tree-shaken", () => {
    expect(readdirSync(path.join(repoRoot, "dist", "app")).filter((f) => f.endsWith(".cjs")).sort()).toEqual(commands.map((c) => `${c}.cjs`).sort());
    // The SDK clients, the LLM SDKs and ora are in there.
    const has = (bundle: string, name: string) => sourcesOf(bundle).some((source) => source.includes(`node_modules/${name}/`));
    for (const name of ["openai", "@anthropic-ai/sdk", "ora"]) expect(has("generate", name), name).toBe(true);
    for (const name of ["@aws-sdk/client-dynamodb", "@aws-sdk/client-api-gateway", "ora"]) expect(has("status", name), name).toBe(true);
    for (const name of commands) {
      // ASCII only: the loader reads it as latin1 (a character decoded otherwise would change a regular expression).
      expect(/[^\x00-\x7f]/.test(readFileSync(bundleOf(name), "latin1")), name).toBe(false);
      // An aggregated client (e.g. client-s3/dist-es/S3.js) means esbuild kept and initialises every
      // command of that service: some module on the way was reached through import() or require().
      const aggregated = sourcesOf(name).filter((source) => /@aws-sdk\/client-[a-z0-9-]+\/dist-es\/[A-Z][A-Za-z0-9]*\.js$/.test(source) && !source.endsWith("Client.js"));
      if (name in LAZY_CLIENTS) continue;
      expect(aggregated, `${name}: an SDK client reached through import() (allowed only for ${Object.keys(LAZY_CLIENTS).join(", ")})`).toEqual([]);
    }
    // The allowance is not stale: each bundle it names does hold such a client.
    for (const name of Object.keys(LAZY_CLIENTS)) {
      expect(sourcesOf(name).some((source) => /@aws-sdk\/client-[a-z0-9-]+\/dist-es\/[A-Z][A-Za-z0-9]*\.js$/.test(source) && !source.endsWith("Client.js")), name).toBe(true);
    }
  });

  it("keeps of each SDK client's schemas the shapes of the operations the command sends, not the service's others", () => {
    // The schema modules' keys are written as literals (scripts/schema-keys.mjs), so esbuild drops
    // the shapes nothing reaches; with their computed keys it kept every one of them.
    const status = readFileSync(bundleOf("status"), "latin1");
    for (const sent of ["GetObjectOutput", "GetStageRequest", "GetFunctionConfigurationRequest", "DescribeAlarmsOutput", "ListTargetsByRuleRequest", "QueryInput"]) {
      expect(status.includes(`"${sent}"`), sent).toBe(true);
    }
    for (const unsent of ["GetObjectAclOutput", "SelectObjectContentRequest", "CreateCodeSigningConfigRequest", "CreateVpcLinkRequest"]) {
      expect(status.includes(`"${unsent}"`), unsent).toBe(false);
    }
  });

  it("every command's bundle evaluates without resolving anything from node_modules but the unbundled few", async () => {
    const log = path.join(dir, "resolved.txt");
    const loader = path.join(dir, "load-all.cjs");
    writeFileSync(
      loader,
      [
        `const Module = require("node:module");`,
        `const { appendFileSync } = require("node:fs");`,
        `const resolveFilename = Module._resolveFilename;`,
        `Module._resolveFilename = function (request, parent, ...rest) { const file = resolveFilename.call(this, request, parent, ...rest); appendFileSync(${JSON.stringify(log)}, (parent?.filename ?? "") + " " + file + "\\n"); return file; };`,
        `for (const file of ${JSON.stringify(commands.map(bundleOf))}) { const app = require(file); if (typeof app.run !== "function" || typeof app.command !== "object") throw new Error(file + " exports no run and command"); }`,
      ].join("\n"),
    );
    const result = await execa(process.execPath, [loader], { reject: false, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    // Each line: the requiring file and the resolved file. What the unbundled packages load
    // themselves (their own dependencies) is their business; what our bundle loads is the point.
    const resolved = readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.split(" ") as [string, string]);
    expect(resolved.some(([, file]) => file === bundleOf("status"))).toBe(true); // the list is real
    const ours = new Set(commands.map(bundleOf));
    const fromOurs = resolved.filter(([parent]) => ours.has(parent)).map(([, file]) => file);
    const packages = new Set(fromOurs.filter((file) => file.includes("/node_modules/")).map((file) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]));
    expect([...packages].filter((name) => !UNBUNDLED.includes(name ?? ""))).toEqual([]);
  });

  it("keeps each command's compiled code in an existing state dir, reuses it, and replaces a broken one", async () => {
    const stateDir = path.join(dir, "cache-state");
    mkdirSync(stateDir);
    const codeDir = path.join(stateDir, "cache", "code");
    const run = (env: Record<string, string>) =>
      execa(process.execPath, [noveliBin, "local", "status", "--json"], { reject: false, env: { NO_COLOR: "1", CI: "true", ...env } });

    const first = await run({ NOVELI_STATE_DIR: stateDir });
    expect(first.exitCode, first.stderr).toBe(0);
    const files = readdirSync(codeDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{16}-[0-9a-f]{12}-local-status\.bin$/);
    const cacheFile = path.join(codeDir, files[0] as string);
    const written = statSync(cacheFile);
    // More than the build's cache of the bundle's top level: what the run compiled besides.
    expect(written.size).toBeGreaterThan(statSync(`${bundleOf("local")}.cache`).size);

    // Accepted by V8: the second run leaves it as it was and answers the same.
    const second = await run({ NOVELI_STATE_DIR: stateDir });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(statSync(cacheFile).mtimeMs).toBe(written.mtimeMs);

    // A broken cache is only a cache: rejected, the command runs, and the cache is written anew.
    writeFileSync(cacheFile, "not V8's code cache");
    const broken = await run({ NOVELI_STATE_DIR: stateDir });
    expect(broken.exitCode, broken.stderr).toBe(0);
    expect(broken.stdout).toBe(first.stdout);
    expect(statSync(cacheFile).size).toBeGreaterThan(statSync(`${bundleOf("local")}.cache`).size);

    // Another command of the same build keeps its own cache beside it: neither removes the other's.
    const other = await execa(process.execPath, [noveliBin, "completion", "bash"], { reject: false, env: { NO_COLOR: "1", CI: "true", NOVELI_STATE_DIR: stateDir } });
    expect(other.exitCode, other.stderr).toBe(0);
    const both = readdirSync(codeDir).sort();
    expect(both).toHaveLength(2);
    expect(both).toContain(files[0]);
    const completionCache = both.find((name) => name !== files[0]) as string;
    expect(completionCache).toMatch(/-completion\.bin$/);
    expect(completionCache.slice(0, 16)).toBe((files[0] as string).slice(0, 16));
    rmSync(path.join(codeDir, completionCache));

    // Another build's cache goes when this build writes its own.
    writeFileSync(path.join(codeDir, "0000000000000000-000000000000-status.bin"), "old build");
    rmSync(cacheFile);
    expect((await run({ NOVELI_STATE_DIR: stateDir })).exitCode).toBe(0);
    expect(readdirSync(codeDir)).toEqual([files[0]]);

    // No state dir yet: the command creates none for its cache.
    const absent = path.join(dir, "no-state-dir-yet");
    expect((await run({ NOVELI_STATE_DIR: absent })).exitCode).toBe(0);
    expect(existsSync(absent)).toBe(false);
  });

  it("starts the CLI part with the code its build compiled, and without it when V8 rejects it", async () => {
    // Which scripts were compiled with a code cache, and whether V8 took it.
    const scripts = path.join(dir, "scripts.cjs");
    writeFileSync(
      scripts,
      [
        `const vm = require("node:vm"); const { basename } = require("node:path"); const Script = vm.Script; const seen = [];`,
        `vm.Script = function (source, options) { const script = new Script(source, options); seen.push(basename(options.filename) + " " + (options.cachedData ? (script.cachedDataRejected ? "rejected" : "accepted") : "none")); return script; };`,
        `if (process.env.BREAK_CLI_CACHE) { const fs = require("node:fs"); const read = fs.readFileSync; fs.readFileSync = function (file, ...rest) { return String(file).endsWith("cli.cjs.cache") ? Buffer.from("not V8's code cache") : read.call(this, file, ...rest); }; }`,
        `process.on("exit", () => require("node:fs").writeFileSync(process.env.SCRIPTS_LOG, seen.join("\\n")));`,
      ].join("\n"),
    );
    const run = async (env: Record<string, string>) => {
      const log = path.join(dir, `scripts-${Object.keys(env).length}.txt`);
      const result = await execa(process.execPath, ["--require", scripts, noveliBin, "--version"], { reject: false, env: { NO_COLOR: "1", CI: "true", SCRIPTS_LOG: log, ...env } });
      return { result, scripts: readFileSync(log, "utf8").split("\n") };
    };
    expect(statSync(path.join(repoRoot, "dist", "cli.cjs.cache")).size).toBeGreaterThan(statSync(path.join(repoRoot, "dist", "cli.cjs")).size);
    const cached = await run({});
    expect(cached.result.exitCode, cached.result.stderr).toBe(0);
    expect(cached.result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(cached.scripts).toEqual(["cli.cjs accepted"]);
    // A cache this Node cannot use is only a cache: the CLI compiles from source and answers the same.
    const broken = await run({ BREAK_CLI_CACHE: "1" });
    expect(broken.result.exitCode, broken.result.stderr).toBe(0);
    expect(broken.result.stdout).toBe(cached.result.stdout);
    expect(broken.scripts).toEqual(["cli.cjs rejected"]);
  });

  it("loads TLS only when an endpoint is https, and reaches one through the bundled SDK", async () => {
    // The SDK's HTTP handler gets src/aws/lazy-https.ts instead of node:https (scripts/build.mjs).
    for (const name of commands) expect(readFileSync(bundleOf(name), "latin1").includes('require("node:https")'), name).toBe(false);

    // An endpoint that refuses every call at once, so the command ends quickly.
    const refused: string[] = [];
    const refuse = (request: IncomingMessage, response: ServerResponse) => {
      refused.push(`${request.socket.constructor.name} ${String(request.headers.authorization ?? "").split(" ")[0]}`);
      request.resume();
      response.writeHead(403, { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": "AccessDeniedException" });
      response.end(JSON.stringify({ __type: "AccessDeniedException", message: "refused by the test" }));
    };
    const key = path.join(dir, "endpoint.key");
    const cert = path.join(dir, "endpoint.pem");
    await execa("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
    const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
    const plain = createHttpServer(refuse);
    const secure = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, refuse);
    const builtins = path.join(dir, "builtins.cjs");
    writeFileSync(builtins, `process.on("exit", () => require("node:fs").writeFileSync(process.env.BUILTINS_LOG, process.moduleLoadList.join("\\n")));\n`);
    try {
      const status = async (url: string) => {
        const log = path.join(dir, `builtins-${refused.length}.txt`);
        const result = await execa(process.execPath, ["--require", builtins, noveliBin, "status", "--endpoint-url", url, "--env", "dev"], {
          reject: false,
          env: { NOVELI_STATE_DIR: path.join(dir, "tls-state"), NO_COLOR: "1", CI: "true", NODE_EXTRA_CA_CERTS: cert, BUILTINS_LOG: log, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        });
        const loaded = readFileSync(log, "utf8").split("\n");
        return { result, loaded, tls: loaded.includes("NativeModule https") || loaded.includes("NativeModule tls") };
      };

      const overHttp = await status(`http://127.0.0.1:${await listen(plain)}`);
      // The first call (STS, for the account) is refused: the command stops there, in one line.
      expect(overHttp.result.exitCode, overHttp.result.stderr).toBe(2);
      expect(overHttp.result.stderr).toContain("STS GetCallerIdentity failed");
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((line) => line === "Socket AWS4-HMAC-SHA256")).toBe(true);
      expect(overHttp.tls).toBe(false);
      // Nor what the SDK's modules import for paths this command never takes (LAZY_SWAPS in
      // scripts/build.mjs): CRC32 checksums, web streams, and readline, which only a question needs.
      // (fs/promises brings readline's internal interface with it: this target's config files are read.)
      const unused = ["NativeModule zlib", "NativeModule internal/webstreams/readablestream", "NativeModule readline", "NativeModule readline/promises"];
      expect(overHttp.loaded.filter((line) => unused.includes(line))).toEqual([]);
      // The SDK still read this endpoint target's shared config files (node:fs/promises, on first use).
      expect(overHttp.loaded).toContain("NativeModule fs/promises");

      const before = refused.length;
      const overHttps = await status(`https://127.0.0.1:${await listen(secure)}`);
      expect(overHttps.result.exitCode, overHttps.result.stderr).toBe(2);
      expect(overHttps.result.stderr).toContain("STS GetCallerIdentity failed");
      // Signed requests arrived over TLS, through the agent the handler made on first use.
      expect(refused.slice(before).length).toBeGreaterThan(0);
      expect(refused.slice(before).every((line) => line === "TLSSocket AWS4-HMAC-SHA256")).toBe(true);
      expect(overHttps.tls).toBe(true);
    } finally {
      plain.close();
      secure.close();
      plain.closeAllConnections();
      secure.closeAllConnections();
    }
  });

  it("with --verbose an unexpected error's stack trace names noveli's source files", async () => {
    // An internal fault no input can cause: writing the result to stdout throws.
    const preload = path.join(dir, "stdout-fails.cjs");
    writeFileSync(preload, `process.stdout.write = () => { throw new Error("stdout is gone"); };\n`);
    const stateDir = path.join(dir, "state");
    const run = (verbose: boolean) =>
      execa(process.execPath, ["--require", preload, noveliBin, "local", "status", ...(verbose ? ["--verbose"] : [])], {
        reject: false,
        env: { NOVELI_STATE_DIR: stateDir, NO_COLOR: "1", CI: "true" },
      });

    const verbose = await run(true);
    expect(verbose.exitCode).toBe(1);
    expect(verbose.stderr).toContain("unexpected error: stdout is gone");
    const frames = verbose.stderr.split("\n").filter((line) => /^\s+at /.test(line));
    // Mapped frames: src/*.ts with line and column, not the minified dist/ chunks.
    expect(frames.some((line) => line.includes(`${path.join(repoRoot, "src", "output", "reporter.ts")}:`))).toBe(true);
    expect(frames.some((line) => line.includes(`${path.join(repoRoot, "src", "commands", "local.ts")}:`))).toBe(true);
    expect(frames.filter((line) => line.includes(`${path.sep}dist${path.sep}`))).toEqual([]);

    // Without --verbose: one line, no stack.
    const quiet = await run(false);
    expect(quiet.exitCode).toBe(1);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
  });
});
