import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ConfigError } from "../errors.js";
import { packageVersion } from "../core/version.js";
import { EMULATOR_REGION, type Target } from "../core/target.js";

/**
 * The one place SDK v3 clients are built. Commands pass the client class (imported lazily by the
 * command itself, so `noveli --help` loads no SDK) and get a client configured for the target.
 */

/** Credentials for emulator targets: moto accepts any; these are not secrets. */
export const EMULATOR_CREDENTIALS = Object.freeze({ accessKeyId: "testing", secretAccessKey: "testing" });

/**
 * Every AWS call is bounded: a connection that does not open, or a request that gets no whole
 * answer, fails after these limits (and is retried, at most `maxAttempts` times in all), so a
 * frozen endpoint can never hold a command, or the lock it owns, forever.
 */
export interface AwsTimeouts {
  /** TCP (and TLS) connection setup, ms. Default 5s; NOVELI_AWS_CONNECT_TIMEOUT. */
  connectMs: number;
  /** From sending the request to the end of the response, ms. Default 20s; NOVELI_AWS_REQUEST_TIMEOUT. */
  requestMs: number;
}

export const DEFAULT_AWS_TIMEOUTS: AwsTimeouts = Object.freeze({ connectMs: 5_000, requestMs: 20_000 });
/** The largest value either variable accepts: beyond it a frozen endpoint would look like a hang again. */
export const MAX_AWS_TIMEOUT_MS = 10 * 60_000;
/** Attempts per call, the first included: a timed-out call is retried, so the worst case is this times the timeout. */
export const AWS_MAX_ATTEMPTS = 5;

/** Pure: the timeouts from the environment, each a duration like 1500ms, 10s or 2m. */
export function awsTimeouts(env: NodeJS.ProcessEnv = process.env): AwsTimeouts {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw.trim());
    const ms = match ? Math.round(Number(match[1]) * { ms: 1, s: 1_000, m: 60_000 }[match[2] as "ms" | "s" | "m"]) : Number.NaN;
    if (!(ms >= 100 && ms <= MAX_AWS_TIMEOUT_MS)) {
      throw new ConfigError("aws-timeout", `${name}=${JSON.stringify(raw)} is not a duration from 100ms to 10m (like 1500ms, 10s or 2m)`);
    }
    return ms;
  };
  return { connectMs: read("NOVELI_AWS_CONNECT_TIMEOUT", DEFAULT_AWS_TIMEOUTS.connectMs), requestMs: read("NOVELI_AWS_REQUEST_TIMEOUT", DEFAULT_AWS_TIMEOUTS.requestMs) };
}

export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  profile?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  retryMode: "adaptive";
  maxAttempts: number;
  customUserAgent: string;
  timeouts: AwsTimeouts;
}

/** Pure: the SDK client configuration for a target. */
export function awsClientConfig(target: Target, version: string, overrides: { region?: string } = {}, timeouts: AwsTimeouts = DEFAULT_AWS_TIMEOUTS): AwsClientConfig {
  const base = { retryMode: "adaptive" as const, maxAttempts: AWS_MAX_ATTEMPTS, customUserAgent: `noveli/${version}`, timeouts };
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
      return {
        ...base,
        ...emulatorSdkSettings(),
        region: overrides.region ?? target.region ?? EMULATOR_REGION,
        endpoint: target.endpointUrl,
        credentials: { ...EMULATOR_CREDENTIALS },
      };
  }
}

/**
 * The embedded emulator is noveli's own, so what the SDK otherwise looks up in the caller's
 * environment and ~/.aws files for each client (FIPS and dual-stack endpoints, the app id, the auth
 * scheme preference, clock-skew correction, S3's checksum, ARN-region and S3 Express settings,
 * CloudWatch's request compression, DynamoDB's endpoint discovery and account-id endpoints, the
 * defaults mode) is fixed at the SDK's own defaults: a profile written for a real account
 * (`use_fips_endpoint = true`, say) cannot change how noveli talks to its emulator, and no client
 * reads ~/.aws on its first request. A client ignores the settings it does not have. An
 * --endpoint-url target keeps the caller's settings: that endpoint may stand for a real one.
 */
function emulatorSdkSettings() {
  const unset = async (): Promise<undefined> => undefined;
  return {
    defaultsMode: "legacy",
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    userAgentAppId: unset,
    authSchemePreference: [],
    accountIdEndpointMode: "preferred",
    endpointDiscoveryEnabledProvider: unset,
    requestChecksumCalculation: "WHEN_SUPPORTED",
    responseChecksumValidation: "WHEN_SUPPORTED",
    useArnRegion: unset,
    disableS3ExpressSessionAuth: false,
    sigv4aSigningRegionSet: unset,
    disableRequestCompression: false,
    requestMinCompressionSizeBytes: 10_240,
    disableClockSkewCorrection: false,
  } as const;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ClientClass<C> = new (config: any) => C;

/** `forcePathStyle`: S3 on an emulator answers on one host, not one per bucket. */
export function createClient<C>(Client: ClientClass<C>, target: Target, overrides: { region?: string; forcePathStyle?: boolean } = {}): C {
  const { forcePathStyle, ...rest } = overrides;
  const { timeouts, ...config } = awsClientConfig(target, packageVersion(), rest, awsTimeouts());
  return new Client({ ...config, requestHandler: timedRequestHandler(timeouts), ...(forcePathStyle ? { forcePathStyle } : {}) });
}

/**
 * The HTTP handler of every client. `throwOnRequestTimeout` makes a request that outlives
 * `requestTimeout` fail (without it the SDK only logs a warning and keeps waiting); the socket
 * timeout also ends a connection that goes silent mid-response.
 */
export function timedRequestHandler(timeouts: AwsTimeouts): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: timeouts.connectMs,
    requestTimeout: timeouts.requestMs,
    throwOnRequestTimeout: true,
    socketTimeout: timeouts.requestMs,
  });
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
