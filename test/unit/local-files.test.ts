import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Target } from "../../src/core/target.js";
import { ConfigError } from "../../src/errors.js";
import { isEmulatorRecord, proveOurs, type EmulatorRecord } from "../../src/local/emulator.js";
import { MemoryReporter } from "../../src/output/reporter.js";
import { processStartTicks } from "../../src/system/process.js";
import { inspectOutputs } from "../../src/terraform/outputs.js";
import { createContext } from "../../src/context.js";
import { fileSystemError } from "../../src/errors.js";
import { acquireLock, readLockHolder } from "../../src/state/lock.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const target: Target = { kind: "endpoint", endpointUrl: "http://127.0.0.1:1", region: "us-east-1", source: "flag" };

const FULL: Record<string, { value: unknown }> = {
  environment: { value: "dev" },
  region: { value: "us-east-1" },
  api_id: { value: "abc" },
  live_stage_name: { value: "live" },
  color_stage_names: { value: { blue: "blue", green: "green" } },
  stage_invoke_urls: { value: { live: "http://x/live", blue: "http://x/blue", green: "http://x/green" } },
  function_name: { value: "fn" },
  alias_names: { value: { blue: "blue", green: "green" } },
  alias_versions: { value: { blue: "1", green: "1" } },
  provider_secret_name: { value: "s" },
  table_name: { value: "t" },
  table_arn: { value: "arn:t" },
  kms_key_arn: { value: "arn:k" },
  alarm_names: { value: [] },
  sns_topic_arn: { value: "arn:s" },
  dashboard_name: { value: "d" },
};

describe("an environment deployed in part", () => {
  it("inspectOutputs tells complete from partial, naming what is missing", () => {
    expect(inspectOutputs(FULL).kind).toBe("complete");
    const partial = { ...FULL };
    delete partial.stage_invoke_urls;
    delete partial.alias_versions;
    const inspected = inspectOutputs(partial);
    expect(inspected).toMatchObject({ kind: "partial", missing: ["stage_invoke_urls", "alias_versions"], present: 14, required: 16 });
  });
});

describe("the emulator record", () => {
  const record = (overrides: Partial<EmulatorRecord> = {}): EmulatorRecord => ({
    pid: process.pid,
    port: 4566,
    url: "http://127.0.0.1:4566",
    instanceId: "i",
    startedAt: "2026-12-01T00:00:00Z",
    logFile: "/tmp/moto.log",
    executable: "moto_server",
    token: "t",
    startTicks: processStartTicks(process.pid) ?? null,
    ...overrides,
  });

  it("is checked field by field: garbled or inconsistent records read as none", () => {
    expect(isEmulatorRecord(record())).toBe(true);
    for (const bad of [null, "hello", 42, [], { ...record(), pid: "1" }, { ...record(), pid: 1 }, { ...record(), url: "http://169.254.169.254:4566" }, { ...record(), port: 70000 }, { ...record(), token: 3 }]) {
      expect(isEmulatorRecord(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it("a live pid is not proof: the start time, the token in its environment and the port must match", () => {
    expect(proveOurs(record({ startTicks: "1" }))).toEqual({ ours: false, reason: `pid ${process.pid} now belongs to another process (started at another time)` });
    expect(proveOurs(record())).toEqual({ ours: false, reason: `process ${process.pid} is not the emulator noveli started (its token differs)` });
    expect(proveOurs(record({ token: "" }))).toMatchObject({ ours: false });
    expect(proveOurs(record({ pid: 2 ** 22 + 7 }))).toEqual({ ours: false, reason: `process ${2 ** 22 + 7} is gone` });
  });
});

describe("corrupt lock and history files", () => {
  const scratch = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-local-files-"));
    dirs.push(dir);
    return dir;
  };

  it.each(["null", '"hello"', "42", '{"pid":"x"}', "[]", "garbage"])("a lock file holding %s is broken, never a crash, and taken over at once (no write of noveli's looks like it)", (content) => {
    const lockPath = path.join(scratch(), "operation.lock");
    writeFileSync(lockPath, content);
    expect(readLockHolder(lockPath)).toBeUndefined();
    const lock = acquireLock(lockPath, "deploy dev");
    expect(readLockHolder(lockPath)).toMatchObject({ pid: process.pid, operation: "deploy dev" });
    lock.release();
  });

  it.each(["", '{"pid": 12, "ho'])("a lock file holding %j may be mid-write: refused while young, taken over once old", (content) => {
    const lockPath = path.join(scratch(), "operation.lock");
    writeFileSync(lockPath, content);
    expect(readLockHolder(lockPath)).toBeUndefined();
    expect(() => acquireLock(lockPath, "deploy dev")).toThrow(/another noveli process is taking the lock/); // young: maybe mid-write
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    const lock = acquireLock(lockPath, "deploy dev");
    expect(readLockHolder(lockPath)).toMatchObject({ pid: process.pid, operation: "deploy dev" });
    lock.release();
  });

  it("--force-unlock breaks a garbled lock at once", () => {
    const lockPath = path.join(scratch(), "operation.lock");
    writeFileSync(lockPath, "null");
    acquireLock(lockPath, "deploy dev", { force: true }).release();
  });
});

describe("the state dir", () => {
  it("NOVELI_STATE_DIR naming a file is one line (exit 2)", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "noveli-local-files-")), "not-a-dir");
    dirs.push(path.dirname(file));
    writeFileSync(file, "");
    expect(() => createContext({ local: false, json: false, yes: false, verbose: false }, new MemoryReporter(), new AbortController().signal, { NOVELI_STATE_DIR: file })).toThrow(
      `NOVELI_STATE_DIR (${file}) is a file, not a folder: noveli keeps its local records in that folder`,
    );
  });

  it("a read-only or blocked path becomes a one-line ConfigError naming it", () => {
    const error = Object.assign(new Error("EROFS: read-only file system, mkdir '/ro/.noveli'"), { code: "EROFS", syscall: "mkdir", path: "/ro/.noveli" });
    expect(fileSystemError(error)).toMatchObject({ exitCode: 2, message: "cannot mkdir /ro/.noveli: the file system is read-only (EROFS)" });
    expect(fileSystemError(new Error("x"))).toBeUndefined();
  });
});

describe("a dead holder", () => {
  const holder = { pid: 4242, host: "runner-1", user: "ci", operation: "switch-traffic dev → green", since: "2026-12-01T10:00:00Z" };

  it("a takeover names what it replaced, and warns that the last change went unwatched", async () => {
    const { hostname } = await import("node:os");
    const { warnTakeover } = await import("../../src/state/lock.js");
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-local-files-"));
    dirs.push(dir);
    const lockPath = path.join(dir, "operation.lock");
    const dead = { ...holder, host: hostname(), pid: 2 ** 22 + 11 };
    writeFileSync(lockPath, JSON.stringify(dead));
    const lock = acquireLock(lockPath, "deploy dev");
    expect(lock.tookOverFrom).toEqual(dead);
    const reporter = new MemoryReporter();
    warnTakeover(reporter, dead);
    expect(reporter.messages).toEqual([
      { level: "warn", message: `took over the lock of switch-traffic dev → green by ci@${hostname()} (pid ${dead.pid}, since 2026-12-01T10:00:00Z): it never finished, so what it changed went unwatched; check noveli status` },
    ]);
    lock.release();
    expect(acquireLock(lockPath, "deploy dev").tookOverFrom).toBeUndefined();
  });
});
