import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock } from "../../src/state/lock.js";
import { LockError } from "../../src/errors.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "noveli-lock-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("acquireLock", () => {
  it("refuses a second holder at once, naming the first", () => {
    const file = path.join(dir, "op.lock");
    const first = acquireLock(file, "deploy dev");
    let error: unknown;
    try {
      acquireLock(file, "switch-traffic dev");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LockError);
    expect((error as LockError).message).toMatch(/switch-traffic dev refused: deploy dev by .+ \(pid \d+\) holds the lock/);
    first.release();
    acquireLock(file, "switch-traffic dev").release();
  });

  it("takes over a lock whose holder died, and breaks any lock with force", () => {
    const file = path.join(dir, "op.lock");
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), user: "x", operation: "deploy dev", since: "then" }));
    acquireLock(file, "deploy dev").release();
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: "other-host", user: "x", operation: "deploy dev", since: "then" }));
    expect(() => acquireLock(file, "deploy dev")).toThrow(LockError);
    acquireLock(file, "deploy dev", { force: true }).release();
  });
});
