import { describe, expect, it } from "vitest";
import { parseDrDrillOptions } from "../../src/commands/dr-drill.js";
import { UsageError } from "../../src/errors.js";

const ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/noveli-dev-story-sessions/backup/01795620071883-883068a3";

describe("parseDrDrillOptions", () => {
  it("defaults to a PITR drill with 4 segments and a 10 s guard that deletes its scratch table", () => {
    expect(parseDrDrillOptions({})).toEqual({ kind: "run", method: "pitr", backupArn: null, keep: false, reportFile: null, segments: 4, guardMs: 10_000, verifyTimeoutMs: null });
  });

  it("takes --verify-timeout as a duration from 1s to 24h", () => {
    expect(parseDrDrillOptions({ verifyTimeout: "90s" })).toMatchObject({ verifyTimeoutMs: 90_000 });
    expect(parseDrDrillOptions({ verifyTimeout: "24h" })).toMatchObject({ verifyTimeoutMs: 86_400_000 });
  });

  it("takes --guard in seconds, 0 included", () => {
    expect(parseDrDrillOptions({ guard: "0" })).toMatchObject({ guardMs: 0 });
    expect(parseDrDrillOptions({ guard: "120" })).toMatchObject({ guardMs: 120_000 });
  });

  it("takes a backup ARN as --method backup", () => {
    expect(parseDrDrillOptions({ backupArn: ARN })).toMatchObject({ method: "backup", backupArn: ARN });
    expect(parseDrDrillOptions({ method: "backup" })).toMatchObject({ method: "backup", backupArn: null });
  });

  it("resolves --report to an absolute path", () => {
    expect(parseDrDrillOptions({ report: "drill.md", keep: true, segments: "8" })).toMatchObject({ reportFile: expect.stringMatching(/^\/.*drill\.md$/), keep: true, segments: 8 });
  });

  it.each([
    [{ method: "snapshot" }, /--method must be pitr or backup/],
    [{ method: "pitr", backupArn: ARN }, /--backup-arn needs --method backup/],
    [{ backupArn: "arn:aws:s3:::bucket" }, /not a DynamoDB backup ARN/],
    [{ segments: "0" }, /--segments must be a whole number from 1 to 64/],
    [{ segments: "65" }, /--segments/],
    [{ segments: "2.5" }, /--segments/],
    [{ report: " " }, /--report needs a file name/],
    [{ guard: "-1" }, /--guard must be a whole number from 0 to 3600/],
    [{ guard: "3601" }, /--guard/],
    [{ guard: "1.5" }, /--guard/],
    [{ action: "gc", guard: "5" }, /--guard does not apply to dr-drill gc/],
    [{ minAge: "5" }, /--min-age applies to dr-drill gc only/],
    [{ action: "run-now" }, /unknown dr-drill action/],
    [{ verifyTimeout: "25h" }, /--verify-timeout "25h" is longer than its maximum of 24h/],
    [{ verifyTimeout: "500ms" }, /--verify-timeout 500ms is shorter than 1s/],
    [{ verifyTimeout: "10" }, /--verify-timeout "10" is not a duration/],
    [{ action: "gc", verifyTimeout: "5m" }, /--verify-timeout does not apply to dr-drill gc/],
    [{ action: "gc", keep: true }, /--keep does not apply to dr-drill gc/],
    [{ action: "gc", method: "pitr" }, /--method does not apply/],
    [{ action: "gc", minAge: "-1" }, /--min-age/],
  ])("rejects %j before touching AWS", (options, message) => {
    expect(() => parseDrDrillOptions(options)).toThrow(UsageError);
    expect(() => parseDrDrillOptions(options)).toThrow(message);
  });

  it("parses gc with its minimum age in minutes", () => {
    expect(parseDrDrillOptions({ action: "gc" })).toEqual({ kind: "gc", minAgeMs: 60 * 60_000 });
    expect(parseDrDrillOptions({ action: "gc", minAge: "0" })).toEqual({ kind: "gc", minAgeMs: 0 });
  });
});
