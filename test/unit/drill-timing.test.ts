import { describe, expect, it } from "vitest";
import { phaseTimings, rpoSeconds, rtoSeconds, sentinelVerdict } from "../../src/ops/drill/timing.js";

describe("RTO", () => {
  it("is the time from the restore call to the verified table, minus the drill's own extras", () => {
    expect(rtoSeconds({ restoreRequestedAt: 1_000, verifiedAt: 611_500, excludedMs: 500 })).toBe(610);
    expect(rtoSeconds({ restoreRequestedAt: 1_000, verifiedAt: 1_234, excludedMs: 0 })).toBe(0.234);
  });

  it("refuses a verification that ends before the restore call", () => {
    expect(() => rtoSeconds({ restoreRequestedAt: 5_000, verifiedAt: 4_000, excludedMs: 0 })).toThrow();
  });
});

describe("RPO", () => {
  it("is the age of the restore point at the restore call", () => {
    expect(rpoSeconds({ restorePointMs: 700_000, restoreRequestedAt: 1_000_000, restoreReturnedAt: 1_000_200 })).toEqual({ seconds: 300, skewMs: 0 });
  });

  it("is 0 when the service stamped the restore point while handling the call", () => {
    expect(rpoSeconds({ restorePointMs: 1_000_100, restoreRequestedAt: 1_000_000, restoreReturnedAt: 1_000_200 })).toEqual({ seconds: 0, skewMs: 0 });
  });

  it("counts a restore point after the response as clock skew, not negative RPO", () => {
    expect(rpoSeconds({ restorePointMs: 1_005_000, restoreRequestedAt: 1_000_000, restoreReturnedAt: 1_000_200 })).toEqual({ seconds: 0, skewMs: 4_800 });
  });
});

describe("sentinels", () => {
  it("expects the before sentinel present and the after sentinel absent", () => {
    expect(sentinelVerdict("before", "k1", 0, true)).toMatchObject({ expected: "present", found: "present", ok: true, writtenAt: "1970-01-01T00:00:00.000Z" });
    expect(sentinelVerdict("before", "k1", 0, false)).toMatchObject({ found: "absent", ok: false });
    expect(sentinelVerdict("after", "k2", 0, false)).toMatchObject({ expected: "absent", found: "absent", ok: true });
    expect(sentinelVerdict("after", "k2", 0, true)).toMatchObject({ found: "present", ok: false });
  });

  it("is not ok when it was never checked", () => {
    expect(sentinelVerdict("after", "k2", null, null)).toMatchObject({ found: null, ok: false, writtenAt: null });
  });
});

describe("phaseTimings", () => {
  it("marks the RTO phases and keeps order, status and reasons", () => {
    const timings = phaseTimings([
      { name: "preflight", startedAt: 0, endedAt: 120, status: "done" },
      { name: "pitr-catch-up", startedAt: 120, endedAt: 120, status: "skipped", reason: "emulator" },
      { name: "restore", startedAt: 120, endedAt: 1_120, status: "done" },
      { name: "wait", startedAt: 1_120, endedAt: 61_120, status: "done" },
      { name: "verify", startedAt: 61_120, endedAt: 70_000, status: "failed", reason: "boom" },
    ]);
    expect(timings.map((t) => [t.name, t.seconds, t.inRto, t.status])).toEqual([
      ["preflight", 0.12, false, "done"],
      ["pitr-catch-up", 0, false, "skipped"],
      ["restore", 1, true, "done"],
      ["wait", 60, true, "done"],
      ["verify", 8.88, true, "failed"],
    ]);
    expect(timings[1]?.reason).toBe("emulator");
  });
});
