import { UsageError } from "../errors.js";

/** Parses an endpoint URL, or throws a one-line usage error naming the problem (never its credentials). */
export function parseEndpointUrl(raw: string, origin: string): string {
  const shown = JSON.stringify(withoutUserInfo(raw));
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${origin} is not a valid URL: ${shown}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${origin} must be an http:// or https:// URL, got ${shown}`);
  }
  if (url.hostname === "") throw new UsageError(`${origin} has no host: ${shown}`);
  if (url.username || url.password) throw new UsageError(`${origin} must not carry credentials: pass them with --profile or the AWS_* variables`);
  const refused = linkLocalReason(url.hostname);
  if (refused) throw new UsageError(`${origin} points at ${url.hostname}, ${refused}: refused, it is never an AWS API endpoint`);
  return url.toString().replace(/\/$/, "");
}

/** Pure: the text with any `user:password@` of a URL in it replaced by `***@`. */
export function withoutUserInfo(text: string): string {
  // Up to the LAST @: a password may hold an unencoded @ or / in a URL that does not parse.
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, (_match, scheme: string | undefined) => `${scheme ?? ""}***@`);
}

/**
 * Pure: why a URL host is refused as an endpoint, or undefined. Link-local addresses (169.254/16,
 * fe80::/10) and the cloud metadata services answer with the machine's own credentials: a
 * request signed with the operator's keys must never go there.
 */
export function linkLocalReason(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (host === "metadata.google.internal" || host === "metadata" || host === "instance-data" || host === "instance-data.ec2.internal") return "an instance metadata service";
  if (host === "fd00:ec2::254") return "the EC2 instance metadata service (IPv6)";
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host) ?? mappedV4(host);
  if (v4 && Number(v4[1]) === 169 && Number(v4[2]) === 254) return "a link-local address (instance metadata lives there)";
  if (/^fe[89ab][0-9a-f]?:/.test(host)) return "a link-local IPv6 address";
  return undefined;
}

/** `::ffff:a9fe:a9fe` (an IPv4-mapped IPv6 address, as the URL parser writes it) as IPv4 parts. */
function mappedV4(host: string): RegExpExecArray | string[] | null {
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!match) return null;
  const high = parseInt(match[1] as string, 16);
  const low = parseInt(match[2] as string, 16);
  return [host, String(high >> 8), String(high & 255), String(low >> 8), String(low & 255)];
}
