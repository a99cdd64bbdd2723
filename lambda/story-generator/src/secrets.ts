import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { isRecord } from "./aws-events.js";
import { awsClientConfig } from "./aws-clients.js";
import type { Tracer } from "./tracing.js";

/**
 * Provider API keys from the Secrets Manager secret named by NOVELI_PROVIDER_SECRET (a JSON object
 * with OPENAI_API_KEY and ANTHROPIC_API_KEY), fetched once and cached across invocations for a
 * short time so a rotated key is picked up without a redeploy. Without NOVELI_PROVIDER_SECRET the
 * function's own environment is used, the same variables `noveli generate` reads.
 *
 * Values never leave this module except into the provider manager's configuration: they are not
 * logged, not put in errors, and not returned by any endpoint.
 */

/** The keys taken from the secret; anything else in it is ignored. */
export const PROVIDER_SECRET_KEYS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"] as const;
export type ProviderSecretKey = (typeof PROVIDER_SECRET_KEYS)[number];
export type ProviderSecrets = Partial<Record<ProviderSecretKey, string>>;

/** Pure: the usable keys of a secret string; throws (without echoing the value) when it is not a JSON object. */
export function parseProviderSecret(secretString: string): ProviderSecrets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new SecretError("the provider secret is not valid JSON (expected an object with OPENAI_API_KEY and ANTHROPIC_API_KEY)");
  }
  if (!isRecord(parsed)) throw new SecretError("the provider secret must be a JSON object with OPENAI_API_KEY and ANTHROPIC_API_KEY");
  const out: ProviderSecrets = {};
  for (const key of PROVIDER_SECRET_KEYS) {
    const value = parsed[key];
    if (typeof value === "string" && value.trim() !== "") out[key] = value.trim();
  }
  return out;
}

/** The secret could not be read or used. The message never contains the secret's value. */
export class SecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SecretError";
  }
}

export interface SecretSource {
  /** The provider environment: the function's env overlaid with the secret's keys. */
  providerEnv(): Promise<{ env: Record<string, string | undefined>; source: "secret" | "environment"; warning?: string }>;
}

export interface SecretSourceOptions {
  env: Record<string, string | undefined>;
  /** Cache lifetime; default 300 s (NOVELI_SECRET_TTL_SECONDS). */
  ttlMs?: number;
  now?: () => number;
  tracer?: () => Tracer | undefined;
  /** Test seam: fetch the secret string (undefined when the secret has no value yet). */
  fetchSecret?: (secretId: string) => Promise<string | undefined>;
}

export function createSecretSource(options: SecretSourceOptions): SecretSource {
  const { env } = options;
  const secretId = env.NOVELI_PROVIDER_SECRET?.trim();
  const now = options.now ?? Date.now;
  const ttlFromEnv = Number(env.NOVELI_SECRET_TTL_SECONDS);
  const ttlMs = options.ttlMs ?? (Number.isFinite(ttlFromEnv) && ttlFromEnv >= 0 ? ttlFromEnv * 1000 : 300_000);
  const fetchSecret = options.fetchSecret ?? secretsManagerFetcher(env, options.tracer);

  let cached: { at: number; secrets: ProviderSecrets; warning?: string } | undefined;
  let inflight: Promise<{ secrets: ProviderSecrets; warning?: string }> | undefined;

  const refresh = () =>
    (inflight ??= (async () => {
      try {
        const value = await fetchSecret(secretId as string);
        const entry =
          value === undefined
            ? { secrets: {}, warning: `the provider secret ${secretId} does not exist or has no value yet; only providers configured otherwise (Bedrock) can answer` }
            : { secrets: parseProviderSecret(value) };
        cached = { at: now(), ...entry };
        return entry;
      } finally {
        inflight = undefined;
      }
    })());

  return {
    async providerEnv() {
      if (!secretId) return { env, source: "environment" };
      let entry: { secrets: ProviderSecrets; warning?: string };
      if (cached && now() - cached.at < ttlMs) {
        entry = cached;
      } else {
        try {
          entry = await refresh();
        } catch (error) {
          // A stale key beats no key while Secrets Manager is briefly unreachable.
          if (!cached) throw error instanceof SecretError ? error : new SecretError(`reading the provider secret failed: ${errorName(error)}`, { cause: error });
          entry = cached;
        }
      }
      return { env: { ...env, ...entry.secrets }, source: "secret", ...(entry.warning ? { warning: entry.warning } : {}) };
    },
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "unknown error";
}

type SecretsSdk = typeof import("@aws-sdk/client-secrets-manager");

function secretsManagerFetcher(env: Record<string, string | undefined>, tracer?: () => Tracer | undefined): (secretId: string) => Promise<string | undefined> {
  let loaded: Promise<{ sdk: SecretsSdk; client: SecretsManagerClient }> | undefined;
  return async (secretId) => {
    loaded ??= import("@aws-sdk/client-secrets-manager").then((sdk) => {
      const client = new sdk.SecretsManagerClient({
        ...awsClientConfig(env, "AWS_ENDPOINT_URL_SECRETS_MANAGER"),
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
      });
      return { sdk, client };
    });
    const { sdk, client } = await loaded;
    const work = async () => {
      try {
        const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
        if (out.SecretString !== undefined) return out.SecretString;
        if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString("utf8");
        return undefined;
      } catch (error) {
        // Terraform creates the secret without a value; until an operator stores the keys,
        // GetSecretValue answers ResourceNotFoundException for the AWSCURRENT stage.
        if (error instanceof sdk.ResourceNotFoundException || (error as { name?: string })?.name === "ResourceNotFoundException") return undefined;
        throw new SecretError(`reading the provider secret failed: ${errorName(error)}`, { cause: error });
      }
    };
    const active = tracer?.();
    return active ? active.span("SecretsManager.GetSecretValue", work, { namespace: "aws" }) : work();
  };
}
