import { describe, expect, it } from "vitest";
import { describeRules, disposition, epochMs, type ComparisonRules } from "../../src/ops/drill/rules.js";

const RESTORE_POINT = Date.UTC(2026, 10, 25, 12, 0, 0);
const rules: ComparisonRules = {
  keyAttributes: ["session_id", "timestamp"],
  restorePointMs: RESTORE_POINT,
  writeTimeAttributes: ["written_at", "timestamp"],
  guardMs: 10_000,
  ttlAttribute: "expires_at",
  expiryCutoffMs: RESTORE_POINT + 3_600_000,
};

const item = (fields: Record<string, { S?: string; N?: string }>) => ({ session_id: { S: "s1" }, ...fields });

describe("epochMs", () => {
  it("reads milliseconds and seconds alike", () => {
    expect(epochMs("1764072000000")).toBe(1764072000000);
    expect(epochMs("1764072000")).toBe(1764072000000);
    expect(epochMs("abc")).toBeNaN();
    expect(epochMs(undefined)).toBeNaN();
  });
});

describe("disposition", () => {
  it("compares items written before the restore point", () => {
    expect(disposition(item({ timestamp: { N: String(RESTORE_POINT - 3_600_000) }, written_at: { N: String(RESTORE_POINT - 60_000) } }), rules)).toBe("compare");
  });

  it("uses written_at before timestamp: a late beat of an old session is after the restore point", () => {
    // The story table's timestamp is the session start plus the step, not the write time.
    const lateBeat = item({ timestamp: { N: String(RESTORE_POINT - 86_400_000 + 3) }, written_at: { N: String(RESTORE_POINT + 5_000) } });
    expect(disposition(lateBeat, rules)).toBe("after-restore-point");
  });

  it("falls back to timestamp when there is no written_at, in seconds or milliseconds", () => {
    expect(disposition(item({ timestamp: { N: String(RESTORE_POINT + 1) } }), rules)).toBe("after-restore-point");
    expect(disposition(item({ timestamp: { N: String((RESTORE_POINT + 60_000) / 1000) } }), rules)).toBe("after-restore-point");
    expect(disposition(item({ timestamp: { N: String((RESTORE_POINT - 60_000) / 1000) } }), rules)).toBe("compare");
  });

  it("leaves out items inside the guard before the restore point", () => {
    expect(disposition(item({ written_at: { N: String(RESTORE_POINT - 9_000) } }), rules)).toBe("after-restore-point");
    expect(disposition(item({ written_at: { N: String(RESTORE_POINT - 11_000) } }), rules)).toBe("compare");
  });

  it("leaves out items whose TTL passed or passes before the cutoff (TTL may delete them any time)", () => {
    const old = { written_at: { N: String(RESTORE_POINT - 86_400_000) } };
    expect(disposition(item({ ...old, expires_at: { N: String(RESTORE_POINT / 1000 - 1) } }), rules)).toBe("expiring");
    expect(disposition(item({ ...old, expires_at: { N: String(RESTORE_POINT / 1000 + 1800) } }), rules)).toBe("expiring");
    expect(disposition(item({ ...old, expires_at: { N: String(RESTORE_POINT / 1000 + 7200) } }), rules)).toBe("compare");
    expect(disposition(item({ ...old, expires_at: { S: "never" } }), rules)).toBe("compare");
    expect(disposition(item({ ...old, expires_at: { N: "1" } }), { ...rules, ttlAttribute: null })).toBe("compare");
  });

  it("leaves out sentinels first, whatever their times", () => {
    expect(disposition({ session_id: { S: "noveli-drill-sentinel#x#before" }, timestamp: { N: "1" } }, rules)).toBe("sentinel");
  });

  it("compares everything when the schema has no write time", () => {
    expect(disposition(item({ timestamp: { N: String(RESTORE_POINT + 60_000) } }), { ...rules, writeTimeAttributes: [] })).toBe("compare");
  });
});

describe("describeRules", () => {
  it("explains the rule with the actual instants", () => {
    const text = describeRules(rules).join("\n");
    expect(text).toContain("`written_at`, else `timestamp`");
    expect(text).toContain(new Date(RESTORE_POINT - 10_000).toISOString());
    expect(text).toContain(new Date(RESTORE_POINT + 3_600_000).toISOString());
    expect(text).toContain("append-only");
  });
});
