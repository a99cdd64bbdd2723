import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { processAlive } from "../../src/system/process.js";

/**
 * Corrupt local files written before the built CLI runs (issue #14, item 6). What the user owns
 * (noveli.config.json) and a state dir that cannot work are one line naming the file and what to
 * do, exit 2, never a stack or "unexpected error"; what noveli can rebuild (the emulator record,
 * the emulator's start lock, the sample-cost marks) never blocks a command. Each run is bounded.
 */
let scratch: string;
let closedPort: number;
const started: string[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), "noveli-corrupt-"));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  // Any emulator a test started is stopped by noveli itself.
  for (const stateDir of started) await runCli(["local", "down"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 60_000 });
  rmSync(scratch, { recursive: true, force: true });
});

let count = 0;
const freshDir = (name: string) => {
  const dir = path.join(scratch, `${++count}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const unreachable = () => ["--env", "dev", "--endpoint-url", `http://127.0.0.1:${closedPort}`];

/** One error line and, at most, its hint: nothing else on stderr, no stack, no "unexpected error". */
function expectOneLineError(stderr: string, message: RegExp): void {
  const lines = stderr.split("\n").filter((line) => line.trim() !== "");
  expect(lines.filter((line) => line.startsWith("error: ")), stderr).toHaveLength(1);
  expect(lines.find((line) => line.startsWith("error: ")), stderr).toMatch(message);
  expect(stderr).not.toMatch(/unexpected error|\n\s+at |TypeError|SyntaxError:/);
  expect(lines.every((line) => line.startsWith("error: ") || line.startsWith("hint: ")), stderr).toBe(true);
}

describe("corrupt local files, the built CLI", () => {
  it.each([
    ["truncated", '{"environments": {"dev": {"switch-traffic": {"watch": "5'],
    ["garbled", "environments: dev"],
  ])("a %s noveli.config.json: exit 2, one line naming the file, with what to do", async (_kind, content) => {
    const cwd = freshDir("config");
    writeFileSync(path.join(cwd, "noveli.config.json"), content);
    const run = await runCli(["status", ...unreachable()], { cwd, env: { NOVELI_STATE_DIR: path.join(cwd, ".noveli") }, timeoutMs: 60_000 });
    expect(run.exitCode, run.stderr).toBe(2);
    expectOneLineError(run.stderr, new RegExp(`^error: ${path.join(cwd, "noveli.config.json").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: not valid JSON \\(`));
    expect(run.stderr).toMatch(/^hint: fix the file .*or name another one with --config$/m);
  });

  it.each(["null", '"hello"', "[1, 2]"])("a noveli.config.json holding %s: exit 2, one line naming the file", async (content) => {
    const cwd = freshDir("config-shape");
    writeFileSync(path.join(cwd, "noveli.config.json"), content);
    const run = await runCli(["status", ...unreachable()], { cwd, env: { NOVELI_STATE_DIR: path.join(cwd, ".noveli") }, timeoutMs: 60_000 });
    expect(run.exitCode, run.stderr).toBe(2);
    expectOneLineError(run.stderr, /noveli\.config\.json/);
  });

  it("NOVELI_STATE_DIR pointing at a file: exit 2, one line naming it", async () => {
    const file = path.join(freshDir("state-file"), "state");
    writeFileSync(file, "not a folder");
    const run = await runCli(["status", ...unreachable()], { env: { NOVELI_STATE_DIR: file }, timeoutMs: 60_000 });
    expect(run.exitCode, run.stderr).toBe(2);
    expectOneLineError(run.stderr, new RegExp(`^error: NOVELI_STATE_DIR \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\) is a file, not a folder`));
    expect(readFileSync(file, "utf8")).toBe("not a folder");
  });

  it("a state dir that cannot be created because a part of its path is a file (unwritable even for root): exit 2 naming that file", async () => {
    const file = path.join(freshDir("state-under-file"), "blocker");
    writeFileSync(file, "");
    const stateDir = path.join(file, "nested", ".noveli");
    for (const args of [["status", ...unreachable()], ["local", "up"], ["dr-drill", ...unreachable()]]) {
      const run = await runCli(args, { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 60_000 });
      expect(run.exitCode, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expectOneLineError(run.stderr, new RegExp(`cannot be created: ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is a file, not a folder`));
    }
  });

  it("a state dir on a file system that creates no folders (/proc): exit 2 at once, where Node's recursive mkdir would spin for ever", async () => {
    const run = await runCli(["local", "up"], { env: { NOVELI_STATE_DIR: "/proc/noveli-state" }, timeoutMs: 60_000 });
    expect(run.exitCode, run.stderr).toBe(2);
    expectOneLineError(run.stderr, /^error: NOVELI_STATE_DIR \(\/proc\/noveli-state\) cannot hold noveli's records: \/proc is not a file system folders can be created in/);
  });

  it.each(["garbage{", "null", '"hello"'])("an emulator record holding %s: local status and local down go on (exit 0), nothing crashes", async (content) => {
    const stateDir = freshDir("record");
    mkdirSync(path.join(stateDir, "local"), { recursive: true });
    writeFileSync(path.join(stateDir, "local", "emulator.json"), content);
    const status = await runCli(["local", "status"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 60_000 });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/not running/);
    const down = await runCli(["local", "down"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 60_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(`${status.stderr}${down.stderr}`).not.toMatch(/unexpected error|\n\s+at /);
  });

  it("a broken start lock, a garbled record, account cache and sample-cost marks block nothing: local up starts the emulator, cost-report reads it, local down stops it", { timeout: 180_000 }, async () => {
    const stateDir = freshDir("lock");
    mkdirSync(path.join(stateDir, "local"), { recursive: true });
    // Written just now, so not "old": only its content says it is broken (no write of noveli's is `null`).
    writeFileSync(path.join(stateDir, "local", "start.lock"), "null");
    writeFileSync(path.join(stateDir, "local", "emulator.json"), '"hello"');
    writeFileSync(path.join(stateDir, "sample-costs.json"), "{\"http://127.0.0.1:1\": ");
    mkdirSync(path.join(stateDir, "cache"), { recursive: true });
    writeFileSync(path.join(stateDir, "cache", "accounts.json"), '{"version": 1, "entries": {"x": null}');
    started.push(stateDir);
    const up = await runCli(["local", "up", "--json"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 120_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const record = JSON.parse(readFileSync(path.join(stateDir, "local", "emulator.json"), "utf8")) as { pid: number; url: string };
    expect(processAlive(record.pid)).toBe(true);
    expect(existsSync(path.join(stateDir, "local", "start.lock"))).toBe(false); // released, not left behind
    const cost = await runCli(["cost-report", "--local", "--json"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 120_000 });
    expect(cost.exitCode, cost.stderr).toBe(0);
    expect(cost.stderr).not.toMatch(/unexpected error|\n\s+at /);
    const down = await runCli(["local", "down"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 60_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(processAlive(record.pid)).toBe(false);
    started.pop();
  });

  it("a lock file that may be mid-write (empty, fresh) refuses at once with one line; old, it is taken over", { timeout: 180_000 }, async () => {
    const stateDir = freshDir("lock-young");
    const lock = path.join(stateDir, "local", "start.lock");
    mkdirSync(path.dirname(lock), { recursive: true });
    writeFileSync(lock, "");
    const refused = await runCli(["local", "up"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 60_000 });
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/^error: noveli local up refused: another noveli process is taking the lock /m);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    started.push(stateDir);
    const up = await runCli(["local", "up"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 120_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const down = await runCli(["local", "down"], { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 60_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    started.pop();
  });
});
