import { describe, expect, it } from "vitest";
import { OperationError } from "../../src/errors.js";
import { httpProbe } from "../../src/ops/health/http-probe.js";
import { proxyEvent } from "../../src/ops/health/local-probe.js";
import { authorizerClaims, authorizerDate, jwtPayload, parseSyntheticSecret, signInSyntheticUser } from "../../src/ops/health/synthetic.js";

const POOL = "us-east-1_AbCdEf123";
const CLIENT = "synthetic-client-id";
const NOW = Date.UTC(2026, 11, 1, 20, 0, 0);

/** An unsigned JWT with this payload (the authorizer's signature check is not what these tests are about). */
const jwt = (payload: Record<string, unknown>) =>
  [{ alg: "RS256", kid: "k" }, payload].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".c2lnbmF0dXJl";

const idPayload = {
  iss: `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`,
  sub: "7d3c9a1e-0b8f-4f5e-9a41-2b6c8d0e1f23",
  aud: CLIENT,
  token_use: "id",
  "cognito:username": "noveli-synthetic-check",
  auth_time: NOW / 1000,
  iat: NOW / 1000,
  exp: NOW / 1000 + 900,
  "cognito:groups": ["checks", "ops"],
  email_verified: true,
};
const expected = { region: "us-east-1", userPoolId: POOL, clientId: CLIENT, nowMs: NOW };

describe("the synthetic user's claims", () => {
  it("are the ID token's claims as the REST API's Cognito authorizer passes them: every value a string", () => {
    expect(authorizerClaims(jwtPayload(jwt(idPayload)), expected)).toEqual({
      iss: idPayload.iss,
      sub: idPayload.sub,
      aud: CLIENT,
      token_use: "id",
      "cognito:username": "noveli-synthetic-check",
      auth_time: String(NOW / 1000),
      iat: "Tue Dec 01 20:00:00 UTC 2026",
      exp: "Tue Dec 01 20:15:00 UTC 2026",
      "cognito:groups": "[checks ops]",
      email_verified: "true",
    });
    expect(authorizerDate(0)).toBe("Thu Jan 01 00:00:00 UTC 1970");
  });

  it.each([
    ["another pool's token", { iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" }, /issuer/],
    ["another client's token", { aud: "web-client" }, /audience/],
    ["an access token", { token_use: "access" }, /token_use/],
    ["an expired token", { exp: NOW / 1000 - 1 }, /expired/],
    ["no sub", { sub: "" }, /no sub/],
  ])("are refused for %s, as the authorizer would refuse it", (_label, change, why) => {
    expect(() => authorizerClaims({ ...idPayload, ...change }, expected)).toThrow(why);
  });

  it("need a JWT", () => {
    expect(() => jwtPayload("not-a-token")).toThrow(OperationError);
    expect(() => jwtPayload("a.bm90IGpzb24.c")).toThrow(/not a JSON object/);
  });
});

describe("the synthetic user's secret", () => {
  it("holds a username and a password; a malformed one is named, its value never echoed", () => {
    expect(parseSyntheticSecret("s", '{"username":"u","password":"p4ss-W0rd!"}')).toEqual({ username: "u", password: "p4ss-W0rd!" });
    for (const text of ["p4ss-W0rd!", '{"username":"u"}', '{"password":"p4ss-W0rd!"}', "null"]) {
      let message = "";
      try {
        parseSyntheticSecret("noveli-dev-synthetic-user", text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/noveli-dev-synthetic-user/);
      expect(message).not.toContain("p4ss-W0rd!");
    }
  });
});

describe("signing in the synthetic user", () => {
  const ref = { region: "us-east-1", userPoolId: POOL, clientId: CLIENT, secretName: "noveli-dev-synthetic-user" };

  it("reads the secret, signs in through the synthetic client, and derives the claims", async () => {
    const calls: unknown[] = [];
    const identity = await signInSyntheticUser(ref, {
      readSecret: async (name) => (calls.push(name), JSON.stringify({ username: "noveli-synthetic-check", password: "pw-1234567890-Aa!" })),
      signIn: async (signIn) => (calls.push(signIn), { idToken: jwt(idPayload) }),
      now: () => NOW,
    });
    expect(calls).toEqual(["noveli-dev-synthetic-user", { userPoolId: POOL, clientId: CLIENT, username: "noveli-synthetic-check", password: "pw-1234567890-Aa!" }]);
    expect(identity).toMatchObject({ username: "noveli-synthetic-check", idToken: jwt(idPayload), claims: { sub: idPayload.sub } });
  });

  it("says which step failed, without the password", async () => {
    const secret = async () => JSON.stringify({ username: "noveli-synthetic-check", password: "pw-1234567890-Aa!" });
    await expect(signInSyntheticUser(ref, { readSecret: async () => Promise.reject(new Error("AccessDenied")), signIn: async () => ({ idToken: "" }) })).rejects.toMatchObject({
      code: "synthetic-secret-unavailable",
    });
    const failed = await signInSyntheticUser(ref, { readSecret: secret, signIn: async () => Promise.reject(new Error("Incorrect username or password.")) }).catch((e: Error) => e);
    expect(failed).toMatchObject({ code: "synthetic-sign-in-failed" });
    expect((failed as Error).message).not.toContain("pw-1234567890");
  });
});

describe("a signed-in probe request", () => {
  const stage = { apiId: "a1b2c3", region: "us-east-1", stageName: "green", deployment: "green", accountId: "123456789012" };
  const user = { idToken: jwt(idPayload), claims: { sub: idPayload.sub, token_use: "id" } };

  it("on emulators carries the claims where the stage's Cognito authorizer puts them", () => {
    const event = proxyEvent({ method: "POST", path: "/stories", body: {}, timeoutMs: 1000, user }, stage, "req-1", NOW) as { requestContext: Record<string, unknown> };
    expect(event.requestContext.authorizer).toEqual({ claims: user.claims });
    const anonymous = proxyEvent({ method: "GET", path: "/health", timeoutMs: 1000 }, stage, "req-2", NOW) as { requestContext: Record<string, unknown> };
    expect(anonymous.requestContext.authorizer).toBeUndefined();
  });

  it("on real AWS sends the ID token as the Authorization header", async () => {
    const seen: Array<Record<string, string>> = [];
    const fetchImpl = (async (_url: URL, init: RequestInit) => {
      seen.push(init.headers as Record<string, string>);
      return new Response("{}", { status: 201 });
    }) as unknown as typeof fetch;
    const probe = httpProbe("https://a1b2c3.execute-api.us-east-1.amazonaws.com/green", fetchImpl);
    await probe.send({ method: "POST", path: "/stories", body: {}, timeoutMs: 1000, user });
    await probe.send({ method: "GET", path: "/health", timeoutMs: 1000 });
    expect(seen[0]?.authorization).toBe(user.idToken);
    expect(seen[1]?.authorization).toBeUndefined();
  });
});
