import { describe, expect, it } from "vitest";
import { codeCacheContents, parseCodeCache } from "../../src/startup/app-loader.js";

/** A command's code cache file: the parts its run loaded, then V8's data (src/startup/app-loader.ts). */
describe("the code cache file", () => {
  it("gives back the parts and V8's data it was written with", () => {
    const data = Buffer.from([0, 1, 2, 250, 255]);
    const parsed = parseCodeCache(codeCacheContents(["provider-anthropic", "provider-openai"], data));
    expect(parsed?.parts).toEqual(["provider-anthropic", "provider-openai"]);
    expect(parsed?.data.equals(data)).toBe(true);
    expect(parseCodeCache(codeCacheContents([], Buffer.alloc(0)))).toEqual({ parts: [], data: Buffer.alloc(0) });
    // V8's data starts at a multiple of 8 bytes, whatever the names' length.
    for (const parts of [[], ["a"], ["provider-openai"], ["provider-anthropic", "provider-openai"]]) {
      const contents = codeCacheContents(parts, data);
      expect((contents.length - data.length) % 8, JSON.stringify(parts)).toBe(0);
      expect(parseCodeCache(contents)?.parts).toEqual(parts);
    }
  });

  it("takes anything else for no cache, so that it is written anew", () => {
    const good = codeCacheContents(["provider-openai"], Buffer.from("v8"));
    expect(parseCodeCache(Buffer.from("not V8's code cache"))).toBeUndefined();
    expect(parseCodeCache(Buffer.alloc(0))).toBeUndefined();
    // Cut inside the header, or a header that is not a list of names.
    expect(parseCodeCache(good.subarray(0, 12))).toBeUndefined();
    const notNames = Buffer.from(good);
    notNames.write('[1,"provider-o"]', 8, "utf8");
    expect(parseCodeCache(notNames)).toBeUndefined();
    const notJson = Buffer.from(good);
    notJson.write("{", 8, "utf8");
    expect(parseCodeCache(notJson)).toBeUndefined();
  });
});
