import type { AdminSignIn } from "../../aws/cognito.js";
import { OperationError, errorMessage } from "../../errors.js";

/**
 * The synthetic user of `noveli health-check --synthetic`: Terraform creates it in the
 * environment's user pool and keeps its sign-in in Secrets Manager (`synthetic_user_secret_name`).
 * The check signs in as it through the synthetic app client (admin password flow) and starts a
 * real story with its ID token. On real AWS the token goes to API Gateway, whose Cognito
 * authorizer verifies it; emulators run no authorizer, so the local runner hands the function the
 * claims that authorizer would pass, after the checks it makes (issuer, audience, token use,
 * expiry; the emulator's signing key is not checked).
 */

/** What the synthetic request carries: the ID token (real AWS) and its claims as the authorizer passes them (emulators). */
export interface SyntheticIdentity {
  username: string;
  idToken: string;
  claims: Record<string, string>;
}

/** Where the synthetic user lives, from the Terraform outputs. */
export interface SyntheticUserRef {
  region: string;
  userPoolId: string;
  clientId: string;
  secretName: string;
}

/** Pure: the sign-in kept in the secret (JSON `{ username, password }`). Never echoes the value. */
export function parseSyntheticSecret(secretName: string, text: string): { username: string; password: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OperationError("synthetic-secret-malformed", `the secret ${secretName} is not JSON`);
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== "string" || username === "" || typeof password !== "string" || password === "") {
    throw new OperationError("synthetic-secret-malformed", `the secret ${secretName} lacks a username or a password`);
  }
  return { username, password };
}

/** Pure: the payload of a JWT (no signature check). */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (part === undefined) throw new OperationError("synthetic-token-malformed", "the ID token is not a JWT");
  try {
    const payload: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new Error("not an object");
    return payload as Record<string, unknown>;
  } catch {
    throw new OperationError("synthetic-token-malformed", "the ID token's payload is not a JSON object");
  }
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** Pure: an epoch-seconds claim the way the REST API's Cognito authorizer renders it ("Mon Dec 01 20:00:00 UTC 2026"). */
export function authorizerDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/**
 * Pure: the claims a COGNITO_USER_POOLS authorizer passes for this ID token, after the checks it
 * makes: issued by this pool, for this client, an ID token, not expired. Every value a string.
 */
export function authorizerClaims(payload: Record<string, unknown>, expected: { region: string; userPoolId: string; clientId: string; nowMs: number }): Record<string, string> {
  const issuer = `https://cognito-idp.${expected.region}.amazonaws.com/${expected.userPoolId}`;
  const refuse = (why: string) => new OperationError("synthetic-token-refused", `the synthetic user's ID token would be refused by the authorizer: ${why}`);
  if (payload.iss !== issuer) throw refuse(`issuer ${JSON.stringify(payload.iss)} is not ${issuer}`);
  if (payload.aud !== expected.clientId) throw refuse(`audience ${JSON.stringify(payload.aud)} is not the synthetic client ${expected.clientId}`);
  if (payload.token_use !== "id") throw refuse(`token_use ${JSON.stringify(payload.token_use)} is not "id"`);
  if (typeof payload.exp !== "number" || payload.exp * 1000 <= expected.nowMs) throw refuse("it has expired");
  if (typeof payload.sub !== "string" || payload.sub === "") throw refuse("it has no sub");
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if ((name === "exp" || name === "iat") && typeof value === "number") claims[name] = authorizerDate(value);
    else if (typeof value === "string") claims[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") claims[name] = String(value);
    else if (Array.isArray(value)) claims[name] = `[${value.map(String).join(" ")}]`;
  }
  return claims;
}

export interface SyntheticSignInDeps {
  readSecret(secretName: string): Promise<string>;
  signIn(signIn: AdminSignIn): Promise<{ idToken: string }>;
  now?: () => number;
}

/** Reads the synthetic user's secret, signs it in, and derives the authorizer's claims from its ID token. */
export async function signInSyntheticUser(ref: SyntheticUserRef, deps: SyntheticSignInDeps): Promise<SyntheticIdentity> {
  let secret: string;
  try {
    secret = await deps.readSecret(ref.secretName);
  } catch (error) {
    throw new OperationError("synthetic-secret-unavailable", `cannot read the synthetic user's secret ${ref.secretName}: ${errorMessage(error)}`);
  }
  const { username, password } = parseSyntheticSecret(ref.secretName, secret);
  let idToken: string;
  try {
    ({ idToken } = await deps.signIn({ userPoolId: ref.userPoolId, clientId: ref.clientId, username, password }));
  } catch (error) {
    throw new OperationError("synthetic-sign-in-failed", `the synthetic user ${username} could not sign in to ${ref.userPoolId}: ${errorMessage(error)}`);
  }
  const claims = authorizerClaims(jwtPayload(idToken), { region: ref.region, userPoolId: ref.userPoolId, clientId: ref.clientId, nowMs: (deps.now ?? Date.now)() });
  return { username, idToken, claims };
}
