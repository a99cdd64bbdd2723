import { isRecord, type ApiGatewayProxyEvent } from "./aws-events.js";
import { ApiError } from "./http.js";

/**
 * Who is calling, as API Gateway's Cognito user pool authorizer verified it. The function trusts
 * nothing else: not a header, not a body field. The authorizer puts the verified ID token's claims
 * in `requestContext.authorizer.claims`; the user is its `sub`. A request without them (an
 * invocation that bypassed the authorizer, a route left open by mistake) is refused with 401, so
 * the function stays closed even when the API in front of it is not.
 */

export interface Caller {
  /** The user pool's stable user id (`sub`), the owner of every story the caller starts. */
  sub: string;
}

/** Longest `sub` accepted; Cognito's are 36-character UUIDs. */
const MAX_SUB_CHARS = 128;
const SUB = /^[^\s\u0000-\u001f\u007f]+$/u;

/** Pure: the verified caller of an API event, or undefined when the event carries no usable claims. */
export function verifiedCaller(event: ApiGatewayProxyEvent): Caller | undefined {
  const context = event.requestContext;
  if (!isRecord(context) || !isRecord(context.authorizer)) return undefined;
  const claims = context.authorizer.claims;
  if (!isRecord(claims)) return undefined;
  const sub = claims.sub;
  if (typeof sub !== "string" || sub === "" || sub.length > MAX_SUB_CHARS || !SUB.test(sub)) return undefined;
  return { sub };
}

/** The caller, or the 401 every story route answers without verified claims. */
export function requireCaller(event: ApiGatewayProxyEvent): Caller {
  const caller = verifiedCaller(event);
  if (!caller) {
    throw new ApiError(401, "unauthenticated", "sign in first: this route needs a verified user pool token (Authorization header)", {
      headers: { "www-authenticate": 'Bearer realm="noveli"' },
    });
  }
  return caller;
}
