import type { BackupSummary, TableDescription } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { storyTableDescription } from "../helpers/story-table.js";
import { CLOCK_SKEW_ALLOWANCE_MS, SENTINEL_TTL_SECONDS, chooseBackup, keyAttributes, keyShape, pitrCovers, pitrRestorePoint, sentinelItem } from "../../src/ops/drill/plan.js";

const table: TableDescription = storyTableDescription({ TableName: "t" });

describe("keyShape", () => {
  it("reads hash and range keys with their types", () => {
    const shape = keyShape(table);
    expect(shape).toEqual({ hash: { name: "session_id", type: "S" }, range: { name: "timestamp", type: "N" } });
    expect(keyAttributes(shape as never)).toEqual(["session_id", "timestamp"]);
  });

  it("refuses keys the sentinels cannot use", () => {
    expect(keyShape({ ...table, AttributeDefinitions: [{ AttributeName: "session_id", AttributeType: "N" }] })).toHaveProperty("error");
    expect(keyShape({ ...table, KeySchema: [] })).toHaveProperty("error");
  });
});

describe("chooseBackup", () => {
  const backup = (arn: string, iso: string, status = "AVAILABLE"): BackupSummary => ({
    BackupArn: arn,
    BackupName: arn.slice(-2),
    BackupCreationDateTime: new Date(iso),
    BackupStatus: status as BackupSummary["BackupStatus"],
  });
  const list = [backup("arn:b1", "2026-11-20T00:00:00Z"), backup("arn:b2", "2026-11-24T00:00:00Z"), backup("arn:b3", "2026-11-25T00:00:00Z", "CREATING")];

  it("takes the newest available backup", () => {
    expect(chooseBackup(list, null)).toEqual({ arn: "arn:b2", createdAt: Date.parse("2026-11-24T00:00:00Z"), name: "b2" });
  });

  it("takes the requested one when it belongs to the table and is available", () => {
    expect(chooseBackup(list, "arn:b1")).toMatchObject({ arn: "arn:b1" });
    expect(chooseBackup(list, "arn:b3")).toBe("backup arn:b3 is CREATING");
    expect(chooseBackup(list, "arn:other")).toBe("backup arn:other is not a backup of the source table");
  });

  it("says so when there is none", () => {
    expect(chooseBackup([], null)).toMatch(/no available backup/);
  });
});

describe("sentinelItem", () => {
  it("keys the sentinel by the reserved hash key and its write time, with a TTL safety net", () => {
    const plan = sentinelItem({ hash: { name: "session_id", type: "S" }, range: { name: "timestamp", type: "N" } }, "noveli-drill-sentinel#d#before", 1_764_072_000_123, "d", "expires_at");
    expect(plan.key).toEqual({ session_id: { S: "noveli-drill-sentinel#d#before" }, timestamp: { N: "1764072000123" } });
    expect(plan.recorded).toEqual(plan.key);
    expect(plan.item).toMatchObject({ ...plan.key, written_at: { N: "1764072000123" }, expires_at: { N: String(1_764_072_000 + SENTINEL_TTL_SECONDS) } });
  });

  it("uses an ISO string range key when the range key is a string, and no TTL when the table has none", () => {
    const plan = sentinelItem({ hash: { name: "pk", type: "S" }, range: { name: "sk", type: "S" } }, "h", 0, "d", null);
    expect(plan.key).toEqual({ pk: { S: "h" }, sk: { S: "1970-01-01T00:00:00.000Z" } });
    expect(plan.item).not.toHaveProperty("expires_at");
  });
});

describe("pitrRestorePoint", () => {
  it("prefers the restore time DynamoDB states, then LatestRestorableDateTime, then the call", () => {
    const stated = new Date("2026-11-25T12:00:00Z");
    expect(pitrRestorePoint({ RestoreSummary: { RestoreDateTime: stated, RestoreInProgress: true } }, new Date(0), 5)).toEqual({ ms: stated.getTime(), basis: "RestoreSummary.RestoreDateTime of the restored table" });
    expect(pitrRestorePoint({}, new Date(1000), 5)).toMatchObject({ ms: 1000, basis: expect.stringContaining("LatestRestorableDateTime") });
    expect(pitrRestorePoint(undefined, null, 5)).toMatchObject({ ms: 5, basis: expect.stringContaining("restore call") });
  });
});

describe("pitrCovers", () => {
  it("waits until LatestRestorableDateTime passes the confirmed sentinel plus the clock-skew allowance", () => {
    const confirmedAt = Date.parse("2026-11-25T12:00:00Z");
    expect(pitrCovers(null, confirmedAt)).toBe(false);
    expect(pitrCovers(new Date(confirmedAt), confirmedAt)).toBe(false);
    expect(pitrCovers(new Date(confirmedAt + CLOCK_SKEW_ALLOWANCE_MS - 1), confirmedAt)).toBe(false);
    expect(pitrCovers(new Date(confirmedAt + CLOCK_SKEW_ALLOWANCE_MS), confirmedAt)).toBe(true);
    expect(pitrCovers(new Date(confirmedAt + 1), confirmedAt, 0)).toBe(true);
  });
});
