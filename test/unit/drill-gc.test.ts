import { describe, expect, it } from "vitest";
import { gcVerdict, type GcCandidate, type GcScope } from "../../src/ops/drill/gc.js";

const NOW = Date.UTC(2026, 10, 25, 12);
const SOURCE = { tableName: "noveli-dev-story-sessions", tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/noveli-dev-story-sessions" };
const scope: GcScope = { source: SOURCE, minAgeMs: 60 * 60_000, now: NOW };

const candidate = (fields: Partial<GcCandidate>): GcCandidate => ({
  name: "noveli-drill-noveli-dev-story-sessions-20261125T100000Z-0a1b2c3d",
  status: "ACTIVE",
  createdAt: NOW - 2 * 3_600_000,
  restoredFrom: SOURCE.tableArn,
  recordedBy: null,
  ...fields,
});

describe("gcVerdict", () => {
  it("deletes a table this machine's record names, whatever its age", () => {
    expect(gcVerdict(candidate({ recordedBy: "d1", createdAt: NOW - 1000, restoredFrom: null }), scope)).toMatchObject({ action: "delete", reason: expect.stringContaining("d1") });
  });

  it("deletes an old, unrecorded restore of this environment's table", () => {
    expect(gcVerdict(candidate({}), scope).action).toBe("delete");
  });

  it("leaves alone a young unrecorded restore: it may be another machine's running drill", () => {
    expect(gcVerdict(candidate({ createdAt: NOW - 5 * 60_000 }), scope)).toMatchObject({ action: "skip", reason: expect.stringContaining("--min-age 0") });
    expect(gcVerdict(candidate({ createdAt: NOW - 5 * 60_000 }), { ...scope, minAgeMs: 0 }).action).toBe("delete");
  });

  it("never deletes a table that is not a restore, or a restore of another table", () => {
    expect(gcVerdict(candidate({ restoredFrom: null }), scope)).toMatchObject({ action: "skip", reason: expect.stringContaining("not a restore") });
    expect(gcVerdict(candidate({ name: "noveli-drill-other-table-20261125T100000Z-0a1b2c3d", restoredFrom: "arn:aws:dynamodb:us-east-1:123456789012:table/other" }), scope)).toMatchObject({
      action: "skip",
      reason: expect.stringContaining("another table"),
    });
    expect(gcVerdict(candidate({ name: "noveli-dev-story-sessions" }), scope).action).toBe("skip");
  });

  it("takes any drill restore when the environment's table is unknown", () => {
    expect(gcVerdict(candidate({ restoredFrom: "arn:aws:dynamodb:us-east-1:123456789012:table/other" }), { ...scope, source: null }).action).toBe("delete");
  });

  it("skips a table already being deleted", () => {
    expect(gcVerdict(candidate({ status: "DELETING", recordedBy: "d1" }), scope).action).toBe("skip");
  });
});
