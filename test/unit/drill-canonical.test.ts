import { describe, expect, it } from "vitest";
import { canonicalNumber, displayKey, encodeItem, encodeKey, encodeValue, fnv1a32, type ItemLike } from "../../src/ops/drill/canonical.js";

describe("canonicalNumber", () => {
  it.each([
    ["1", "1e0"],
    ["1.0", "1e0"],
    ["1.50", "15e-1"],
    ["001.500", "15e-1"],
    ["15e-1", "15e-1"],
    ["0.15E1", "15e-1"],
    ["+1.5", "15e-1"],
    ["-1.5", "-15e-1"],
    ["100", "1e2"],
    ["1e2", "1e2"],
    ["0", "0"],
    ["-0", "0"],
    ["0.000", "0"],
    [".5", "5e-1"],
    ["5.", "5e0"],
    ["12345678901234567890123456789012345678", "12345678901234567890123456789012345678e0"],
    ["1E-130", "1e-130"],
  ])("%s → %s", (input, expected) => {
    expect(canonicalNumber(input)).toBe(expected);
  });

  it("keeps 38 significant digits exactly (never goes through a float)", () => {
    expect(canonicalNumber("0.12345678901234567890123456789012345678")).not.toBe(canonicalNumber("0.12345678901234567890123456789012345679"));
  });

  it.each(["", ".", "abc", "1..2", "1e", "--1", "0x10"])("rejects %j", (input) => {
    expect(() => canonicalNumber(input)).toThrow(/not a DynamoDB number/);
  });
});

describe("encodeItem", () => {
  const item: ItemLike = {
    session_id: { S: "abc" },
    timestamp: { N: "1700000000000" },
    choices: { L: [{ S: "left" }, { S: "right" }] },
    tags: { SS: ["b", "a", "c"] },
    scores: { NS: ["3", "1.0", "2"] },
    blobs: { BS: [new Uint8Array([2]), new Uint8Array([1])] },
    meta: { M: { z: { BOOL: true }, a: { NULL: true }, m: { N: "1.50" } } },
    raw: { B: new Uint8Array([1, 2, 3]) },
  };

  it("does not depend on attribute order, map key order, set order or number spelling", () => {
    const reordered: ItemLike = {
      raw: { B: "AQID" }, // the same bytes as base64 text (AWS CLI / lib-dynamodb form)
      meta: { M: { m: { N: "15e-1" }, z: { BOOL: true }, a: { NULL: true } } },
      blobs: { BS: ["AQ==", "Ag=="] },
      scores: { NS: ["2", "3.00", "1"] },
      tags: { SS: ["c", "a", "b"] },
      choices: { L: [{ S: "left" }, { S: "right" }] },
      timestamp: { N: "1.7e12" },
      session_id: { S: "abc" },
    };
    expect(encodeItem(reordered)).toBe(encodeItem(item));
  });

  it("keeps list order: a list is not a set", () => {
    expect(encodeItem({ ...item, choices: { L: [{ S: "right" }, { S: "left" }] } })).not.toBe(encodeItem(item));
  });

  it.each([
    ["a changed string", { session_id: { S: "abd" } }],
    ["a changed number", { timestamp: { N: "1700000000001" } }],
    ["a string instead of a number", { timestamp: { S: "1700000000000" } }],
    ["a string set instead of a list", { choices: { SS: ["left", "right"] } }],
    ["an extra attribute", { extra: { NULL: true } }],
    ["false instead of true", { meta: { M: { z: { BOOL: false }, a: { NULL: true }, m: { N: "1.5" } } } }],
    ["different bytes", { raw: { B: new Uint8Array([1, 2, 4]) } }],
  ])("tells %s apart", (_label, change) => {
    expect(encodeItem({ ...item, ...(change as ItemLike) })).not.toBe(encodeItem(item));
  });

  it("is unambiguous where plain concatenation would not be", () => {
    expect(encodeItem({ a: { S: "b" }, c: { S: "" } })).not.toBe(encodeItem({ a: { S: "bc" } }));
    expect(encodeValue({ SS: ["ab", "c"] })).not.toBe(encodeValue({ SS: ["a", "bc"] }));
    expect(encodeValue({ L: [{ L: [] }, { S: "x" }] })).not.toBe(encodeValue({ L: [{ L: [{ S: "x" }] }] }));
  });

  it("rejects a value of no known type", () => {
    expect(() => encodeValue({} as never)).toThrow(/unsupported DynamoDB attribute value/);
  });
});

describe("keys", () => {
  it("encodes the key attributes in key-schema order only", () => {
    const a: ItemLike = { timestamp: { N: "1.0" }, session_id: { S: "s" }, text: { S: "x" } };
    const b: ItemLike = { session_id: { S: "s" }, timestamp: { N: "1" }, text: { S: "y" } };
    expect(encodeKey(a, ["session_id", "timestamp"])).toBe(encodeKey(b, ["session_id", "timestamp"]));
    expect(() => encodeKey({ session_id: { S: "s" } }, ["session_id", "timestamp"])).toThrow(/no key attribute timestamp/);
  });

  it("shows keys as plain JSON", () => {
    expect(displayKey({ session_id: { S: "s1" }, timestamp: { N: "42" }, text: { S: "x" } }, ["session_id", "timestamp"])).toBe('{"session_id":"s1","timestamp":"42"}');
  });

  it("hashes keys to stable 32-bit buckets", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("hello")).toBe(fnv1a32("hello"));
  });
});
