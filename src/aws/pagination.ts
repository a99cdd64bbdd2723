import { OperationError } from "../errors.js";

/** A paginated answer that keeps handing back the same token would loop forever. */
export const MAX_PAGES = 1_000;

/**
 * The next page token to follow, or undefined at the last page. A token seen before (or more
 * pages than MAX_PAGES) is an error rather than an endless loop.
 */
export function nextPageToken(seen: Set<string>, token: string | undefined, operation: string): string | undefined {
  if (token === undefined || token === "") return undefined;
  if (seen.has(token) || seen.size >= MAX_PAGES) throw new OperationError("pagination-loop", `${operation} kept returning the same page token`);
  seen.add(token);
  return token;
}
