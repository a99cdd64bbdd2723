/** Where AWS calls go. Emulator targets (endpoint, local) bootstrap themselves and use test credentials. */
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

/** Pure: a folder name for a target; emulator records never mix with real ones. */
export function targetKey(target: Target): string {
  switch (target.kind) {
    case "local":
      return "local";
    case "endpoint": {
      const url = new URL(target.endpointUrl);
      return `endpoint-${url.hostname}-${url.port || (url.protocol === "https:" ? "443" : "80")}`.replace(/[^A-Za-z0-9._-]/g, "_");
    }
    case "aws":
      return `aws-${target.region ?? "default-region"}-${target.profile ?? "default-profile"}`.replace(/[^A-Za-z0-9._-]/g, "_");
  }
}
