import { describe, expect, it } from "vitest";
import {
  SCRATCH_PREFIX,
  SENTINEL_PREFIX,
  TABLE_NAME_MAX,
  drillIdentity,
  isScratchTable,
  isValidTableName,
  scratchPrefixFor,
  sentinelHashKey,
  utcStamp,
} from "../../src/ops/drill/names.js";

const AT = Date.UTC(2026, 10, 25, 14, 5, 9, 321);

describe("drillIdentity", () => {
  it("names the scratch table noveli-drill-<table>-<utc stamp>-<random>", () => {
    expect(drillIdentity("noveli-dev-story-sessions", AT, "0a1b2c3d")).toEqual({
      drillId: "20261125T140509Z-0a1b2c3d",
      scratchTable: "noveli-drill-noveli-dev-story-sessions-20261125T140509Z-0a1b2c3d",
    });
  });

  it("is a pure function of its inputs, and the random part keeps same-second drills apart", () => {
    expect(drillIdentity("t_1", AT, "deadbeef")).toEqual(drillIdentity("t_1", AT, "deadbeef"));
    expect(drillIdentity("t_1", AT, "deadbeef").scratchTable).not.toBe(drillIdentity("t_1", AT, "deadbeee").scratchTable);
  });

  it("stays a valid DynamoDB table name of at most 255 characters for the longest source names", () => {
    const longest = "a".repeat(TABLE_NAME_MAX);
    const { scratchTable } = drillIdentity(longest, AT, "01234567");
    expect(scratchTable.length).toBe(TABLE_NAME_MAX);
    expect(isValidTableName(scratchTable)).toBe(true);
    expect(scratchTable.startsWith(SCRATCH_PREFIX)).toBe(true);
    expect(scratchTable.endsWith("-20261125T140509Z-01234567")).toBe(true);
    expect(scratchTable.startsWith(scratchPrefixFor(longest))).toBe(true);
  });

  it("replaces characters a table name cannot hold", () => {
    const { scratchTable } = drillIdentity("story sessions/π", AT, "01234567");
    expect(isValidTableName(scratchTable)).toBe(true);
    expect(scratchTable).toBe("noveli-drill-story-sessions---20261125T140509Z-01234567");
  });

  it("insists on 8 lowercase hex characters of randomness", () => {
    expect(() => drillIdentity("t_1", AT, "xyz")).toThrow(/8 lowercase hex/);
    expect(() => drillIdentity("t_1", AT, "ABCDEF01")).toThrow(/8 lowercase hex/);
  });
});

describe("helpers", () => {
  it("stamps UTC compactly", () => {
    expect(utcStamp(AT)).toBe("20261125T140509Z");
  });

  it("tells scratch tables from sentinels and other tables", () => {
    expect(isScratchTable("noveli-drill-x-20261125T140509Z-01234567")).toBe(true);
    expect(isScratchTable("noveli-dev-story-sessions")).toBe(false);
    expect(isScratchTable(`${SENTINEL_PREFIX}x`)).toBe(false);
  });

  it("builds sentinel hash keys under the reserved prefix", () => {
    expect(sentinelHashKey("20261125T140509Z-01234567", "before")).toBe("noveli-drill-sentinel#20261125T140509Z-01234567#before");
    expect(sentinelHashKey("id", "after").startsWith(SENTINEL_PREFIX)).toBe(true);
  });

  it("checks DynamoDB's table-name rules", () => {
    expect(isValidTableName("ab")).toBe(false);
    expect(isValidTableName("a".repeat(256))).toBe(false);
    expect(isValidTableName("a.b_c-D9")).toBe(true);
    expect(isValidTableName("a b c")).toBe(false);
  });
});
