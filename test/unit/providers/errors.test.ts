import { describe, expect, it } from "vitest";
import { classifyNetwork, classifyStatus, classifyStreamError, networkCode, retryAfterMs } from "@noveli/providers/errors";
import { redact } from "@noveli/providers/redact";

describe("classifyStatus", () => {
  it.each([
    [429, "rate limited", "transient"],
    [500, "boom", "transient"],
    [503, "unavailable", "transient"],
    [529, "overloaded", "transient"],
    [408, "timeout", "transient"],
    [401, "bad key", "provider"],
    [403, "forbidden", "provider"],
    [402, "billing", "provider"],
    [404, "no such model", "provider"],
    [400, "messages: at least one message is required", "request"],
    [422, "invalid parameter", "request"],
    [413, "request too large", "request"],
    [400, "temperature is not supported with this model", "provider"],
    [400, "The provided model identifier is invalid.", "provider"],
    [400, "`tool_choice` forcing a tool is not supported when thinking is enabled", "provider"],
  ])("%i %s is %s", (status, message, expected) => {
    expect(classifyStatus(status, message).errorClass).toBe(expected);
  });

  it("treats an exhausted quota as provider-level even on 429", () => {
    const error = classifyStatus(429, "You exceeded your current quota", { code: "insufficient_quota" });
    expect(error.errorClass).toBe("provider");
    expect(error.message).toMatch(/^quota exhausted/);
    expect(classifyStatus(429, "slow down", { code: "rate_limit_exceeded" }).errorClass).toBe("transient");
  });

  it("keeps the status and the Retry-After", () => {
    const error = classifyStatus(429, "slow down", { retryAfterMs: 1500 });
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(1500);
  });
});

describe("network failures", () => {
  const refused = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
  const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });

  it("finds the system error code in the cause chain (also in AggregateError)", () => {
    expect(networkCode(refused)).toBe("ECONNREFUSED");
    expect(networkCode(new AggregateError([reset]))).toBe("ECONNRESET");
    expect(networkCode(new Error("plain"))).toBeUndefined();
  });

  it("fails over at once when nothing listens, and retries a reset connection", () => {
    expect(classifyNetwork(refused, "x").errorClass).toBe("provider");
    expect(classifyNetwork(Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }), "x").errorClass).toBe("provider");
    expect(classifyNetwork(reset, "x").errorClass).toBe("transient");
    expect(classifyNetwork(new Error("mystery"), "mystery").message).toBe("mystery");
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  const headers = (h: Record<string, string>) => (name: string) => h[name];

  it("reads retry-after-ms, seconds and HTTP dates", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(retryAfterMs(headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(retryAfterMs(headers({ "retry-after": "Wed, 25 Nov 2026 12:00:03 GMT" }), now)).toBe(3000);
    expect(retryAfterMs(headers({ "retry-after": "Wed, 25 Nov 2026 11:00:00 GMT" }), now)).toBe(0);
  });

  it("ignores absent or unreadable values", () => {
    expect(retryAfterMs(headers({}), now)).toBeUndefined();
    expect(retryAfterMs(headers({ "retry-after": "soon" }), now)).toBeUndefined();
  });
});

describe("redact, as the manager scrubs provider messages", () => {
  it("removes known secret values wherever they appear", () => {
    expect(redact("key abcdef123456 was rejected (abcdef123456)", { secrets: ["abcdef123456"], env: {} })).toBe("key *** was rejected (***)");
  });

  it("masks key-shaped strings and credential headers even when the value is not known", () => {
    const text = "Incorrect API key provided: sk-proj-AbCdEf0123456789. x-api-key: hunter2hunter2 Authorization: Bearer eyJabcdefghijkl AKIAABCDEFGHIJKLMNOP";
    const scrubbed = redact(text, { env: {} });
    expect(scrubbed).not.toMatch(/AbCdEf0123456789|hunter2hunter2|eyJabcdefghijkl|AKIAABCDEFGHIJKLMNOP/);
    expect(scrubbed).toContain("Incorrect API key provided: ***");
  });
});

describe("classifyStreamError", () => {
  it.each([
    ["invalid_api_key", "invalid_request_error", "provider", /^authentication failed: error in stream \(invalid_api_key\): bad key$/],
    ["insufficient_quota", undefined, "provider", /^quota exhausted/],
    ["rate_limit_exceeded", "requests", "transient", /^error in stream \(rate_limit_exceeded\)/],
    [undefined, "authentication_error", "provider", /^authentication failed/],
    [undefined, "overloaded_error", "transient", /^error in stream \(overloaded_error\)/],
    [undefined, "invalid_request_error", "request", /^error in stream \(invalid_request_error\)/],
    ["model_not_found", undefined, "provider", /^model or endpoint not found/],
    [undefined, undefined, "transient", /^error in stream: bad key$/],
    ["something_new", undefined, "transient", /^error in stream \(something_new\): bad key$/],
  ])("classifies code %s / type %s as %s, as the same error in an HTTP status would be", (code, type, errorClass, message) => {
    const error = classifyStreamError(code, type, "bad key");
    expect(error.errorClass).toBe(errorClass);
    expect(error.message).toMatch(message);
    expect(error.status).toBeUndefined();
  });
});
