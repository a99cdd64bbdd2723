import { packageVersion } from "../state/paths.js";
import { EMULATOR_REGION, type Target } from "./target.js";

/**
 * The one place SDK v3 clients are built. Commands pass the client class (imported lazily by the
 * command itself, so `noveli --help` loads no SDK) and get a client configured for the target.
 */

/** Credentials for emulator targets: moto accepts any; these are not secrets. */
export const EMULATOR_CREDENTIALS = Object.freeze({ accessKeyId: "testing", secretAccessKey: "testing" });

export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  profile?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  retryMode: "adaptive";
  maxAttempts: number;
  customUserAgent: string;
}

/** Pure: the SDK client configuration for a target. */
export function awsClientConfig(target: Target, version: string, overrides: { region?: string } = {}): AwsClientConfig {
  const base = { retryMode: "adaptive" as const, maxAttempts: 5, customUserAgent: `noveli/${version}` };
  switch (target.kind) {
    case "aws":
      return { ...base, region: overrides.region ?? target.region, ...(target.profile ? { profile: target.profile } : {}) };
    case "endpoint": {
      // An endpoint may check credentials (LocalStack Pro, a proxy); use the caller's when given.
      const hasOwn = target.profile !== undefined || (process.env.AWS_ACCESS_KEY_ID ?? "") !== "";
      return {
        ...base,
        region: overrides.region ?? target.region,
        endpoint: target.endpointUrl,
        ...(target.profile ? { profile: target.profile } : {}),
        ...(hasOwn ? {} : { credentials: { ...EMULATOR_CREDENTIALS } }),
      };
    }
    case "local":
      return { ...base, region: overrides.region ?? target.region ?? EMULATOR_REGION, endpoint: target.endpointUrl, credentials: { ...EMULATOR_CREDENTIALS } };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ClientClass<C> = new (config: any) => C;

export function createClient<C>(Client: ClientClass<C>, target: Target, overrides: { region?: string } = {}): C {
  return new Client(awsClientConfig(target, packageVersion(), overrides));
}

/**
 * Environment for child processes (terraform, the AWS CLI) that must reach the same target.
 * Emulator targets get the endpoint and test credentials; real AWS keeps the caller's chain.
 */
export function awsProcessEnv(target: Target): Record<string, string> {
  switch (target.kind) {
    case "aws":
      return {
        ...(target.region ? { AWS_REGION: target.region, AWS_DEFAULT_REGION: target.region } : {}),
        ...(target.profile ? { AWS_PROFILE: target.profile } : {}),
      };
    case "endpoint":
    case "local": {
      const config = awsClientConfig(target, "");
      return {
        AWS_ENDPOINT_URL: target.endpointUrl,
        AWS_REGION: config.region ?? EMULATOR_REGION,
        AWS_DEFAULT_REGION: config.region ?? EMULATOR_REGION,
        ...(config.credentials
          ? { AWS_ACCESS_KEY_ID: config.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: config.credentials.secretAccessKey }
          : {}),
        ...(target.kind === "endpoint" && target.profile ? { AWS_PROFILE: target.profile } : {}),
      };
    }
  }
}
