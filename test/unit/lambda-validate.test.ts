import { describe, expect, it } from "vitest";
import { ApiError } from "../../lambda/story-generator/src/http.js";
import { deploymentIdentity, arnQualifier } from "../../lambda/story-generator/src/identity.js";
import { matchRoute } from "../../lambda/story-generator/src/routes.js";
import { DEFAULT_LIMITS, isSessionId, parseJsonBody, validateChoice, validateStartStory } from "../../lambda/story-generator/src/validate.js";

const limits = DEFAULT_LIMITS;

function rejection(fn: () => unknown): { status: number; code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    return { status: e.status, code: e.code, message: e.message };
  }
  throw new Error("expected a rejection");
}

describe("parseJsonBody", () => {
  it("parses a JSON object, plain or base64", () => {
    expect(parseJsonBody('{"a":1}', false, limits)).toEqual({ a: 1 });
    expect(parseJsonBody(Buffer.from('{"a":"é"}').toString("base64"), true, limits)).toEqual({ a: "é" });
  });

  it.each([
    [null, false, 400, "missing-body"],
    ["", false, 400, "missing-body"],
    ["{", false, 400, "invalid-json"],
    ["[1]", false, 400, "invalid-body"],
    ["null", false, 400, "invalid-body"],
    ['"text"', false, 400, "invalid-body"],
    [Buffer.from([0xc3, 0x28]).toString("base64"), true, 400, "invalid-encoding"],
    ["x".repeat(16 * 1024 + 1), false, 413, "body-too-large"],
    [Buffer.alloc(16 * 1024 + 1, 0x61).toString("base64"), true, 413, "body-too-large"],
  ])("refuses %#", (body, base64, status, code) => {
    expect(rejection(() => parseJsonBody(body as string | null, base64 as boolean, limits))).toMatchObject({ status, code });
  });

  it("counts bytes, not characters, against the cap", () => {
    const emoji = "🐉".repeat(4_100); // 8,200 UTF-16 units, 16,400 bytes
    expect(rejection(() => parseJsonBody(JSON.stringify({ p: emoji }), false, limits)).code).toBe("body-too-large");
  });
});

describe("validateStartStory", () => {
  it("accepts and trims a premise, a user and a genre", () => {
    expect(validateStartStory({ prompt: "  A knock at night ", userId: "user-1", genre: "gothic" }, limits)).toEqual({ prompt: "A knock at night", userId: "user-1", genre: "gothic" });
    expect(validateStartStory({ prompt: "p", userId: "u", genre: null }, limits)).toEqual({ prompt: "p", userId: "u" });
  });

  it("allows multi-line premises but no other control characters", () => {
    expect(validateStartStory({ prompt: "line one\nline two\ttabbed", userId: "u" }, limits).prompt).toContain("\n");
    expect(rejection(() => validateStartStory({ prompt: "bell\u0007", userId: "u" }, limits)).code).toBe("invalid-field");
    expect(rejection(() => validateStartStory({ prompt: "p", userId: "u\n2" }, limits)).code).toBe("invalid-field");
  });

  it("measures the premise in code points, up to the cap", () => {
    expect(validateStartStory({ prompt: "🐉".repeat(2_000), userId: "u" }, limits).prompt).toHaveLength(4_000);
    const over = rejection(() => validateStartStory({ prompt: "🐉".repeat(2_001), userId: "u" }, limits));
    expect(over).toMatchObject({ status: 400, code: "prompt-too-long" });
    expect(over.message).toBe("prompt is 2001 characters; the limit is 2000");
  });

  it.each([
    [{ userId: "u" }, "missing-field"],
    [{ prompt: "p" }, "missing-field"],
    [{ prompt: 1, userId: "u" }, "invalid-field"],
    [{ prompt: ["p"], userId: "u" }, "invalid-field"],
    [{ prompt: "   ", userId: "u" }, "invalid-field"],
    [{ prompt: "p", userId: 7 }, "invalid-field"],
    [{ prompt: "p", userId: "has space" }, "invalid-field"],
    [{ prompt: "p", userId: "u".repeat(129) }, "userid-too-long"],
    [{ prompt: "p", userId: "u", genre: 3 }, "invalid-field"],
    [{ prompt: "p", userId: "u", genre: "g".repeat(65) }, "genre-too-long"],
    [{ prompt: "\ud800 lone", userId: "u" }, "invalid-field"],
    [{ prompt: "p", userId: "u", user_id: "u" }, "unknown-field"],
  ])("refuses %j with %s", (body, code) => {
    expect(rejection(() => validateStartStory(body as Record<string, unknown>, limits))).toMatchObject({ status: 400, code });
  });
});

describe("validateChoice", () => {
  it("accepts a 0-based choice and an optional step", () => {
    expect(validateChoice({ choice: 0 })).toEqual({ choice: 0 });
    expect(validateChoice({ choice: 3, step: 7 })).toEqual({ choice: 3, step: 7 });
    expect(validateChoice({ choice: 1, step: null })).toEqual({ choice: 1 });
  });

  it.each([[{}], [{ choice: "1" }], [{ choice: -1 }], [{ choice: 0.5 }], [{ choice: 2 ** 60 }], [{ choice: true }], [{ choice: 1, step: -2 }], [{ choice: 1, extra: 1 }]])(
    "refuses %j",
    (body) => {
      expect(rejection(() => validateChoice(body as Record<string, unknown>)).status).toBe(400);
    },
  );
});

describe("isSessionId", () => {
  it("accepts lowercase UUIDs only", () => {
    expect(isSessionId("0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10")).toBe(true);
    expect(isSessionId("0B6A3B0E-8F0C-4C39-9A55-7C1B3F1D2A10")).toBe(false);
    expect(isSessionId("0b6a3b0e8f0c4c399a557c1b3f1d2a10")).toBe(false);
    expect(isSessionId(42)).toBe(false);
  });
});

describe("matchRoute", () => {
  it.each([
    ["GET", "/health", { kind: "route", route: { name: "health" } }],
    ["HEAD", "/health/", { kind: "route", route: { name: "health" } }],
    ["post", "/stories", { kind: "route", route: { name: "start-story" } }],
    ["GET", "/stories/abc", { kind: "route", route: { name: "get-story", sessionId: "abc" } }],
    ["POST", "/stories/abc/choices/", { kind: "route", route: { name: "make-choice", sessionId: "abc" } }],
    ["GET", "/stories", { kind: "method-not-allowed", allow: ["POST"] }],
    ["PUT", "/stories/abc", { kind: "method-not-allowed", allow: ["GET"] }],
    ["GET", "/stories/abc/choices", { kind: "method-not-allowed", allow: ["POST"] }],
    ["GET", "/", { kind: "not-found" }],
    ["GET", "", { kind: "not-found" }],
    ["GET", "//stories", { kind: "not-found" }],
    ["GET", "/stories//choices", { kind: "not-found" }],
    ["GET", "/stories/abc/other", { kind: "not-found" }],
    ["GET", "/Health", { kind: "not-found" }],
  ])("%s %s", (method, path, expected) => {
    expect(matchRoute(method, path)).toEqual(expected);
  });
});

describe("deploymentIdentity", () => {
  const arn = "arn:aws:lambda:eu-west-1:123456789012:function:noveli-story-generator-prod";

  it("takes the color from the alias the function was invoked through", () => {
    expect(arnQualifier(`${arn}:blue`)).toBe("blue");
    expect(arnQualifier(arn)).toBeUndefined();
    expect(arnQualifier("not an arn")).toBeUndefined();
    // A hash of the code in the environment is not part of the identity: the version proves the code.
    expect(deploymentIdentity(`${arn}:green`, { APP_VERSION: "3.1.0", CODE_SHA256: "abc=", NOVELI_ENV: "production", AWS_LAMBDA_FUNCTION_VERSION: "12" })).toEqual({
      color: "green",
      version: "3.1.0",
      functionVersion: "12",
      environment: "production",
    });
  });

  it("falls back to NOVELI_COLOR, then unknown; the version to the published version", () => {
    expect(deploymentIdentity(`${arn}:7`, { NOVELI_COLOR: "blue" })).toEqual({ color: "blue", version: "7", functionVersion: "7", environment: "unknown" });
    expect(deploymentIdentity(`${arn}:$LATEST`, { AWS_LAMBDA_FUNCTION_VERSION: "$LATEST" })).toMatchObject({ color: "unknown", version: "unknown", functionVersion: "$LATEST" });
    expect(deploymentIdentity(undefined, {})).toMatchObject({ color: "unknown", version: "unknown", functionVersion: null });
  });
});
