import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isLiveNames, readCachedLiveNames, sameLiveNames, writeCachedLiveNames, type LiveNames } from "../../src/ops/traffic/live-reads.js";

const names: LiveNames = {
  region: "us-east-1",
  apiId: "abc123",
  liveStageName: "live",
  functionName: "noveli-dev-story-generator",
  aliasNames: { blue: "blue", green: "green" },
  alarmNames: ["noveli-dev-api-5xx", "noveli-dev-lambda-errors"],
  eventRuleName: "noveli-dev-story-events",
  eventTargetId: "StoryGenerator",
};

describe("the live names a status reads with", () => {
  it("are the same when only the alarms' order differs, and differ on any name the reads use", () => {
    expect(sameLiveNames(names, { ...names, alarmNames: [...names.alarmNames].reverse() })).toBe(true);
    for (const other of [
      { ...names, region: "eu-west-1" },
      { ...names, apiId: "other1" },
      { ...names, liveStageName: "prod" },
      { ...names, functionName: "noveli-dev-other" },
      { ...names, aliasNames: { blue: "green", green: "blue" } },
      { ...names, alarmNames: ["noveli-dev-api-5xx"] },
      { ...names, eventRuleName: null },
      { ...names, eventTargetId: "Other" },
    ]) {
      expect(sameLiveNames(names, other), JSON.stringify(other)).toBe(false);
    }
  });

  it("are recognised only in their whole shape", () => {
    expect(isLiveNames(names)).toBe(true);
    expect(isLiveNames({ ...names, eventRuleName: null, eventTargetId: null })).toBe(true);
    for (const broken of [null, {}, { ...names, apiId: "" }, { ...names, aliasNames: { blue: "blue" } }, { ...names, alarmNames: "x" }, { ...names, alarmNames: [1] }, { ...names, eventRuleName: 3 }]) {
      expect(isLiveNames(broken), JSON.stringify(broken)).toBe(false);
    }
  });
});

describe("the live-names cache", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "noveli-live-names-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("gives back what was written under its key, and nothing under another", () => {
    writeCachedLiveNames(dir, "a|dev", names);
    expect(readCachedLiveNames(dir, "a|dev")).toEqual(names);
    expect(readCachedLiveNames(dir, "a|staging")).toBeUndefined();
  });

  it("treats a broken file or entry as a miss and keeps the newest entries only", () => {
    const file = path.join(dir, "cache", "live-names.json");
    writeCachedLiveNames(dir, "a|dev", names);
    writeFileSync(file, "{ not json");
    expect(readCachedLiveNames(dir, "a|dev")).toBeUndefined();
    writeFileSync(file, JSON.stringify({ version: 1, entries: { "a|dev": { names: { ...names, apiId: 7 }, savedAt: "2026-12-01T00:00:00Z" } } }));
    expect(readCachedLiveNames(dir, "a|dev")).toBeUndefined();
    writeFileSync(file, JSON.stringify({ version: 2, entries: { "a|dev": { names, savedAt: "2026-12-01T00:00:00Z" } } }));
    expect(readCachedLiveNames(dir, "a|dev")).toBeUndefined();

    for (let i = 0; i < 20; i++) writeCachedLiveNames(dir, `k${i}|dev`, names, new Date(Date.UTC(2026, 11, 1, 0, i)));
    const kept = Object.keys((JSON.parse(readFileSync(file, "utf8")) as { entries: object }).entries);
    expect(kept).toHaveLength(16);
    expect(kept).not.toContain("k0|dev");
    expect(kept).toContain("k19|dev");
  });

  it("never fails a command when it cannot be written", () => {
    const notADir = path.join(dir, "file");
    writeFileSync(notADir, "");
    expect(() => writeCachedLiveNames(notADir, "a|dev", names)).not.toThrow();
    expect(readCachedLiveNames(notADir, "a|dev")).toBeUndefined();
  });
});
