import { ENVIRONMENTS, isEnvironment, type Environment } from "./core/environment.js";
import { parseEndpointUrl } from "./aws/target.js";
import { UsageError } from "./errors.js";

/** Options every command accepts, as commander hands them over. */
export interface RawGlobalOptions {
  env?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  local?: boolean;
  json?: boolean;
  yes?: boolean;
  verbose?: boolean;
  config?: string;
  /** false with --no-color. */
  color?: boolean;
}

/** Global options after validation; nothing here has touched the network or the filesystem. */
export interface GlobalOptions {
  /** Target environment; `--env` or NOVELI_ENV. Defaults to dev on emulator targets only. */
  env?: Environment;
  /** Where env came from: the --env flag or NOVELI_ENV. */
  envSource?: "flag" | "env";
  /** AWS region; `--region`, else AWS_REGION / AWS_DEFAULT_REGION, else the profile's. */
  region?: string;
  /** Named AWS profile (real AWS, or an endpoint that checks credentials). */
  profile?: string;
  /** Any AWS-compatible endpoint: `--endpoint-url`, else AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  endpointSource?: "flag" | "env";
  /** Use (and start if needed) the embedded moto emulator. */
  local: boolean;
  /** One JSON document on stdout. */
  json: boolean;
  /** Answer yes to confirmations (required for production outside a terminal). */
  yes: boolean;
  /** Show debug lines and external tools' own output. */
  verbose: boolean;
  /** `--config <file>`: the config file to read instead of searching for noveli.config.json. */
  configFile?: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function parseGlobalOptions(raw: RawGlobalOptions, env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  const envName = raw.env ?? (env.NOVELI_ENV && env.NOVELI_ENV !== "" ? env.NOVELI_ENV : undefined);
  if (envName !== undefined && !isEnvironment(envName)) {
    const origin = raw.env !== undefined ? "--env" : "NOVELI_ENV";
    throw new UsageError(`unknown environment ${JSON.stringify(envName)} in ${origin}: use one of ${ENVIRONMENTS.join(", ")}`);
  }
  const regionFlag = raw.region;
  if (regionFlag !== undefined && !REGION.test(regionFlag)) {
    throw new UsageError(`--region ${JSON.stringify(regionFlag)} is not an AWS region name (like us-east-1)`);
  }
  const region = regionFlag ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (raw.local && raw.endpointUrl !== undefined) {
    throw new UsageError("--local and --endpoint-url cannot be used together: --local runs its own emulator");
  }
  if (raw.profile !== undefined && raw.profile.trim() === "") throw new UsageError("--profile needs a profile name");

  let endpointUrl: string | undefined;
  let endpointSource: "flag" | "env" | undefined;
  if (raw.endpointUrl !== undefined) {
    endpointUrl = parseEndpointUrl(raw.endpointUrl, "--endpoint-url");
    endpointSource = "flag";
  } else if (!raw.local && nonEmpty(env.AWS_ENDPOINT_URL)) {
    endpointUrl = parseEndpointUrl(env.AWS_ENDPOINT_URL as string, "AWS_ENDPOINT_URL");
    endpointSource = "env";
  }

  return {
    env: envName as Environment | undefined,
    ...(envName !== undefined ? { envSource: raw.env !== undefined ? ("flag" as const) : ("env" as const) } : {}),
    region,
    profile: raw.profile,
    endpointUrl,
    endpointSource,
    local: raw.local === true,
    json: raw.json === true,
    yes: raw.yes === true,
    verbose: raw.verbose === true,
    ...(raw.config !== undefined ? { configFile: raw.config } : {}),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}
