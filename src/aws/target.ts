import { UsageError } from "../errors.js";

export const ENVIRONMENTS = ["dev", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

/** Where AWS calls go. Emulator targets (endpoint, local) keep state locally and use test credentials. */
export type Target =
  | { kind: "aws"; region?: string; profile?: string }
  | { kind: "endpoint"; endpointUrl: string; region: string; profile?: string; source: "flag" | "env" }
  | { kind: "local"; endpointUrl: string; region: string };

export type EmulatorTarget = Exclude<Target, { kind: "aws" }>;

export function isEmulatorTarget(target: Target): target is EmulatorTarget {
  return target.kind !== "aws";
}

/** Default region for emulator targets when none is given. */
export const EMULATOR_REGION = "us-east-1";

/** Parses an endpoint URL, or throws a one-line usage error naming the problem. */
export function parseEndpointUrl(raw: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${origin} is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${origin} must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  if (url.hostname === "") throw new UsageError(`${origin} has no host: ${JSON.stringify(raw)}`);
  if (url.username || url.password) throw new UsageError(`${origin} must not carry credentials`);
  return url.toString().replace(/\/$/, "");
}

export function describeTarget(target: Target): string {
  switch (target.kind) {
    case "aws":
      return `AWS${target.region ? ` ${target.region}` : ""}${target.profile ? ` (profile ${target.profile})` : ""}`;
    case "endpoint":
      return `endpoint ${target.endpointUrl} (${target.region})`;
    case "local":
      return `local emulator ${target.endpointUrl} (${target.region})`;
  }
}
