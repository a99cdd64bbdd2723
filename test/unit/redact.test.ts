import { describe, expect, it } from "vitest";
import { redact } from "../../src/output/redact.js";

describe("redact", () => {
  it("hides the values of secret environment variables", () => {
    const env = { OPENAI_API_KEY: "not-shaped-like-a-key-1234567890" };
    expect(redact("failed with key not-shaped-like-a-key-1234567890 here", env)).toBe("failed with key *** here");
  });

  it("hides key-shaped strings and auth headers", () => {
    const text = "sk-ant-api03-abcdefghijklmnop AKIAABCDEFGHIJKLMNOP Authorization: Bearer abc.def x-api-key: zzz";
    const out = redact(text, {});
    expect(out).not.toMatch(/abcdefghijklmnop|AKIAABCDEFGHIJKLMNOP|abc\.def|zzz/);
    expect(out).toContain("Authorization: Bearer ***");
  });

  it("leaves ordinary text alone", () => {
    expect(redact("deployed dev to green (version 3)", {})).toBe("deployed dev to green (version 3)");
  });
});
