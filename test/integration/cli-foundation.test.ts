import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processAlive } from "../../src/system/process.js";
import { noveliBin, repoRoot, runCli } from "../helpers/cli.js";
import { execa } from "execa";

let stateDir: string;
beforeAll(() => {
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-cli-"));
});
afterAll(async () => {
  // Never leave an emulator behind, even when a test failed half-way.
  await runCli(["local", "down"], { env: { NOVELI_STATE_DIR: stateDir } });
  rmSync(stateDir, { recursive: true, force: true });
});

const env = () => ({ NOVELI_STATE_DIR: stateDir });

describe("noveli CLI foundation", () => {
  it("--help lists every command and loads no AWS or LLM SDK, no command module, no child_process", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-hooks-"));
    const log = path.join(dir, "loaded.txt");
    // Every file require() resolves (the CLI part is CommonJS), every URL import() resolves, and
    // at exit the built-in modules Node loaded.
    const hooks = path.join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      `import { appendFileSync } from "node:fs";\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, "import " + result.url + "\\n");\n  return result;\n}\n`,
    );
    const preload = path.join(dir, "preload.cjs");
    writeFileSync(
      preload,
      [
        `const Module = require("node:module"); const { appendFileSync } = require("node:fs");`,
        `const resolve = Module._resolveFilename;`,
        `Module._resolveFilename = function (...args) { const file = resolve.apply(this, args); appendFileSync(${JSON.stringify(log)}, "require " + file + "\\n"); return file; };`,
        `process.on("exit", () => appendFileSync(${JSON.stringify(log)}, process.moduleLoadList.map((m) => "builtin " + m).join("\\n") + "\\n"));`,
      ].join("\n"),
    );
    const register = path.join(dir, "register.mjs");
    writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(`file://${hooks}`)});\n`);

    // Two runs: the CommonJS preload alone (so the builtins list is the CLI's own), then with the
    // ESM hooks too, which would see any import() the help path made.
    const result = await execa(process.execPath, ["--require", preload, noveliBin, "--help"], { reject: false });
    expect(result.exitCode).toBe(0);
    for (const command of ["deploy", "health-check", "switch-traffic", "rollback", "status", "dr-drill", "cost-report", "generate", "models", "validate", "local", "rehearse"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    // The literals src/cli.ts keeps (so it imports nothing at start) match their sources.
    const { ENVIRONMENTS } = await import("../../src/core/environment.js");
    expect(result.stdout.replace(/\s+/g, " ")).toContain(`(choices: ${ENVIRONMENTS.map((e) => `"${e}"`).join(", ")})`);
    const withHooks = await execa(process.execPath, ["--require", preload, "--import", register, noveliBin, "--help"], { reject: false });
    expect(withHooks.exitCode).toBe(0);

    const loaded = readFileSync(log, "utf8").split("\n");
    const required = loaded.filter((l) => l.startsWith("require ")).map((l) => l.slice(8));
    const imported = loaded.filter((l) => l.startsWith("import ")).map((l) => l.slice(7));
    const builtins = new Set(loaded.filter((l) => l.startsWith("builtin ")).map((l) => l.split(" ").pop()));
    // The bin compiles the CLI part (dist/cli.cjs) itself, with its build's code cache (through
    // bin/cached-script.cjs): nothing else of ours is resolved through require(), once per run.
    const cachedScript = path.join(repoRoot, "bin", "cached-script.cjs");
    expect(required.filter((f) => f.includes("/dist/") || f.includes("/bin/"))).toEqual([noveliBin, cachedScript, noveliBin, cachedScript]);
    expect(required.filter((f) => f.includes("node_modules"))).toEqual([]);
    // The entry itself resolves through the hooks when --import is given; nothing else may.
    expect(imported.filter((url) => !url.startsWith("node:") && !url.endsWith("/hooks.mjs") && !url.endsWith("/register.mjs"))).toEqual([`file://${noveliBin}`]);
    expect(builtins.has("fs")).toBe(true); // the list is real
    expect(builtins.has("child_process")).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [["status", "--env", "qa"], /argument 'qa' is invalid/],
    [["local", "status", "--endpoint-url", "nope"], /--endpoint-url is not a valid URL/],
    [["local", "status", "--local", "--endpoint-url", "http://127.0.0.1:1"], /--local and --endpoint-url cannot be used together/],
    [["local", "up", "--port", "80"], /--port must be a number from 1024 to 65535/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["local", "up", "--bogus"], /unknown option '--bogus'/],
  ])("bad input %j: exit 2 and one clear line, no stack trace", async (args, message) => {
    const result = await runCli(args, { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("with --json a usage error is still exactly one JSON document on stdout", async () => {
    const result = await runCli(["local", "status", "--json", "--endpoint-url", "nope"], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ schemaVersion: 1, error: { code: "usage" } });
  });

  it("a missing moto is a configuration error with the install hint", async () => {
    const result = await runCli(["local", "up"], { env: { ...env(), NOVELI_MOTO_SERVER: "/nonexistent/moto_server" } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/NOVELI_MOTO_SERVER=\/nonexistent\/moto_server is not an executable/);
    expect(result.stderr).toMatch(/pip install "moto\[server\]"/);
  });

  it("local up / status / down: starts on loopback, reuses, stops only its own process", async () => {
    const up = await runCli(["local", "up", "--json"], { env: env() });
    expect(up.exitCode).toBe(0);
    const started = JSON.parse(up.stdout) as { url: string; pid: number; reused: boolean; schemaVersion: number };
    expect(started.schemaVersion).toBe(1);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.reused).toBe(false);
    expect(processAlive(started.pid)).toBe(true);
    // It answers, and only on loopback.
    expect((await fetch(`${started.url}/moto-api/config`)).ok).toBe(true);
    const listening = readFileSync("/proc/net/tcp", "utf8");
    const portHex = Number(new URL(started.url).port).toString(16).toUpperCase().padStart(4, "0");
    const sockets = listening.split("\n").filter((line) => line.includes(`:${portHex} `) && / 0A /.test(line));
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) expect(socket.trim().split(/\s+/)[1]).toBe(`0100007F:${portHex}`);

    const again = await runCli(["local", "up", "--json"], { env: env() });
    expect(JSON.parse(again.stdout)).toMatchObject({ reused: true, pid: started.pid });

    // A --local command takes nothing of a profile meant for real accounts (FIPS endpoints would
    // make every call fail against the emulator), reads no ~/.aws file and loads none of what only
    // other paths need (emulatorSdkSettings in src/aws/clients.ts, LAZY_SWAPS in scripts/build.mjs),
    // also when the emulator answers with errors.
    const awsConfig = path.join(stateDir, "aws-config");
    writeFileSync(awsConfig, "[default]\nuse_fips_endpoint = true\n");
    const preload = path.join(stateDir, "builtins.cjs");
    const builtinsLog = path.join(stateDir, "builtins.txt");
    writeFileSync(preload, 'process.on("exit", () => require("node:fs").writeFileSync(process.env.BUILTINS_LOG, process.moduleLoadList.join("\\n")));\n');
    const notDeployed = await runCli(["status", "--local", "--env", "staging"], { env: { ...env(), AWS_CONFIG_FILE: awsConfig, NODE_OPTIONS: `--require ${preload}`, BUILTINS_LOG: builtinsLog } });
    expect(notDeployed.exitCode, notDeployed.stderr).toBe(2);
    expect(notDeployed.stderr).toMatch(/^error: environment staging is not deployed on this target$/m);
    const loaded = readFileSync(builtinsLog, "utf8").split("\n");
    expect(loaded).toContain("NativeModule http");
    // (node:zlib may load: the first command on a new emulator writes an object, with its CRC32.)
    expect(loaded.filter((line) => /^NativeModule (fs\/promises|readline|readline\/promises|internal\/webstreams\/readablestream)$/.test(line))).toEqual([]);

    const status = await runCli(["local", "status", "--json"], { env: env() });
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url: started.url, pid: started.pid });
    const human = await runCli(["local", "status"], { env: env() });
    expect(human.stdout).toMatch(/running at http:\/\/127\.0\.0\.1:\d+/);

    const down = await runCli(["local", "down", "--json"], { env: env() });
    expect(JSON.parse(down.stdout)).toMatchObject({ state: "stopped", stopped: { pid: started.pid } });
    expect(processAlive(started.pid)).toBe(false);
    const after = await runCli(["local", "status", "--json"], { env: env() });
    expect(JSON.parse(after.stdout)).toMatchObject({ running: false, state: "stopped" });
  });

  it("local down never touches a process it did not start", async () => {
    const sleeper = execa("sleep", ["30"]);
    const recordDir = path.join(stateDir, "local");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(recordDir, { recursive: true });
    writeFileSync(path.join(recordDir, "emulator.json"), JSON.stringify({ pid: sleeper.pid, port: 1, url: "http://127.0.0.1:1", instanceId: "x", startedAt: "", logFile: "", executable: "" }));
    const status = await runCli(["local", "status", "--json"], { env: env() });
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false, state: "stale" });
    const down = await runCli(["local", "down", "--json"], { env: env() });
    expect(JSON.parse(down.stdout)).toMatchObject({ stopped: null });
    expect(processAlive(sleeper.pid as number)).toBe(true);
    sleeper.kill();
    await sleeper.catch(() => undefined);
  });

  it("--local on a read-only command never starts an emulator: exit 2, none running, how to start one", async () => {
    const before = await runCli(["local", "status", "--json"], { env: env() });
    expect(JSON.parse(before.stdout)).toMatchObject({ running: false });
    for (const args of [["status", "--local"], ["health-check", "blue", "--local"], ["cost-report", "--local"], ["dr-drill", "--local"], ["rollback", "--local"]]) {
      const result = await runCli(args, { env: env() });
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(/^error: no local emulator is running: --local uses the one noveli local up started$/m);
      expect(result.stderr).toMatch(/^hint: start it with `noveli local up`/m);
      expect(result.stdout).toBe("");
      const after = await runCli(["local", "status", "--json"], { env: env() });
      expect(JSON.parse(after.stdout), `after ${args.join(" ")}`).toMatchObject({ running: false, state: "stopped" });
    }
    const json = await runCli(["status", "--local", "--json"], { env: env() });
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 1, error: { code: "emulator-not-running" } });
  });

  it("a command that creates an environment starts the emulator and says so on stderr; the next --local command uses it", async () => {
    const { createContext } = await import("../../src/context.js");
    const { MemoryReporter } = await import("../../src/output/reporter.js");
    const processEnv = { ...process.env, NOVELI_STATE_DIR: stateDir };
    const reporter = new MemoryReporter();
    const ctx = createContext({ local: true, json: false, yes: false, verbose: false }, reporter, new AbortController().signal, processEnv);
    const target = await ctx.target({ startEmulator: true });
    expect(target).toMatchObject({ kind: "local", region: "us-east-1" });
    expect(ctx.environment()).toBe("dev");
    const started = reporter.messages.filter((m) => m.level === "info").map((m) => m.message);
    expect(started).toEqual([expect.stringMatching(/^started the local AWS emulator at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\);.*noveli local down$/)]);
    const running = await runCli(["local", "status", "--json"], { env: env() });
    expect(JSON.parse(running.stdout)).toMatchObject({ running: true });
    // A read-only command now uses it (and says nothing about starting one).
    const reader = new MemoryReporter();
    const readOnly = createContext({ local: true, json: false, yes: false, verbose: false }, reader, new AbortController().signal, processEnv);
    expect(await readOnly.target()).toEqual(target);
    expect(reader.messages.filter((m) => m.level === "info")).toEqual([]);
    const down = await runCli(["local", "down"], { env: env() });
    expect(down.exitCode).toBe(0);
  });
});
