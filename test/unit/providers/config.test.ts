import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_MODELS } from "@noveli/providers/catalog";
import { parseProviderList, providerConfigFromEnv, Secret } from "@noveli/providers/config";
import { GenerationError } from "@noveli/providers/errors";
import { DEFAULT_POLICY } from "@noveli/providers/policy";

describe("providerConfigFromEnv", () => {
  it("defaults to bedrock, anthropic, openai with current models, and skips providers without credentials", () => {
    const config = providerConfigFromEnv({});
    expect(config.order).toEqual(["bedrock", "anthropic", "openai"]);
    expect(config.orderSource).toBe("default");
    expect(config.providers.openai).toMatchObject({ configured: false, reason: "OPENAI_API_KEY is not set", model: DEFAULT_MODELS.openai, modelSource: "default" });
    expect(config.providers.anthropic).toMatchObject({ configured: false, reason: "ANTHROPIC_API_KEY is not set" });
    expect(config.providers.bedrock).toMatchObject({ configured: false, reason: expect.stringMatching(/^no AWS credentials/) });
    expect(config.policy).toEqual(DEFAULT_POLICY);
  });

  it("reads keys, base URLs and per-provider models from the standard variables", () => {
    const config = providerConfigFromEnv({
      OPENAI_API_KEY: "sk-openai-123456",
      OPENAI_BASE_URL: "http://localhost:11434/v1",
      ANTHROPIC_API_KEY: "sk-ant-123456",
      ANTHROPIC_BASE_URL: "http://proxy:8080",
      NOVELI_OPENAI_MODEL: "llama3.2",
    });
    expect(config.providers.openai).toMatchObject({ configured: true, baseURL: "http://localhost:11434/v1", model: "llama3.2", modelSource: "env" });
    expect(config.providers.openai.apiKey?.reveal()).toBe("sk-openai-123456");
    expect(config.providers.anthropic).toMatchObject({ configured: true, baseURL: "http://proxy:8080" });
    expect(config.secrets.map((s) => s.reveal()).sort()).toEqual(["sk-ant-123456", "sk-openai-123456"]);
  });

  it("counts an OpenAI-compatible base URL without a key as configured (local servers need none)", () => {
    const config = providerConfigFromEnv({ OPENAI_BASE_URL: "http://127.0.0.1:8080/v1" });
    expect(config.providers.openai.configured).toBe(true);
    expect(config.providers.openai.apiKey).toBeUndefined();
  });

  it("orders providers from NOVELI_PROVIDERS, and an explicit override wins", () => {
    expect(providerConfigFromEnv({ NOVELI_PROVIDERS: " Anthropic , openai" }).order).toEqual(["anthropic", "openai"]);
    const config = providerConfigFromEnv({ NOVELI_PROVIDERS: "anthropic,openai" }, { providers: ["openai"] });
    expect(config.order).toEqual(["openai"]);
    expect(config.orderSource).toBe("override");
  });

  it("routes a bare --model to the single provider, or to the one whose catalog lists it", () => {
    expect(providerConfigFromEnv({}, { providers: ["openai"], model: "qwen3:8b" }).providers.openai).toMatchObject({ model: "qwen3:8b", modelSource: "override" });
    expect(providerConfigFromEnv({}, { model: "claude-haiku-4-5" }).providers.anthropic.model).toBe("claude-haiku-4-5");
    expect(providerConfigFromEnv({}, { model: { bedrock: "global.anthropic.claude-sonnet-5-5" } }).providers.bedrock.model).toBe("global.anthropic.claude-sonnet-5-5");
  });

  it("refuses an ambiguous bare --model with several providers", () => {
    expect(() => providerConfigFromEnv({}, { model: "mystery-model" })).toThrowError(/--model "mystery-model" is ambiguous with 3 providers/);
  });

  it("finds Bedrock credentials in the environment without touching the credential chain", () => {
    expect(providerConfigFromEnv({ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret-value-123", AWS_REGION: "eu-west-1" }).providers.bedrock).toMatchObject({
      configured: true,
      credentialSource: "environment keys",
      region: "eu-west-1",
    });
    expect(providerConfigFromEnv({ AWS_PROFILE: "story" }).providers.bedrock).toMatchObject({ configured: true, profile: "story" });
    expect(providerConfigFromEnv({}, { profile: "ops" }).providers.bedrock.credentialSource).toBe("profile ops");
    expect(providerConfigFromEnv({ AWS_BEARER_TOKEN_BEDROCK: "ABSKxyz" }).providers.bedrock.configured).toBe(true);
    expect(providerConfigFromEnv({}, { awsSharedDefaultProfile: true }).providers.bedrock.credentialSource).toBe("default profile");
  });

  it("uses test credentials and a default region for an emulator endpoint without credentials", () => {
    const bedrock = providerConfigFromEnv({}, { endpointUrl: "http://127.0.0.1:4566" }).providers.bedrock;
    expect(bedrock).toMatchObject({ configured: true, endpoint: "http://127.0.0.1:4566", region: "us-east-1", testCredentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    const withKeys = providerConfigFromEnv({ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" }, { endpointUrl: "http://127.0.0.1:4566" }).providers.bedrock;
    expect(withKeys.testCredentials).toBeUndefined();
  });

  it("reads the policy knobs and rejects bad values", () => {
    const policy = providerConfigFromEnv({ NOVELI_ATTEMPT_TIMEOUT_MS: "200", NOVELI_DEADLINE_MS: "5000", NOVELI_MAX_ATTEMPTS: "2" }).policy;
    expect(policy).toMatchObject({ attemptTimeoutMs: 200, totalTimeoutMs: 5000, maxAttemptsPerProvider: 2, minAttemptMs: 200 });
    expect(() => providerConfigFromEnv({ NOVELI_MAX_ATTEMPTS: "0" })).toThrowError(GenerationError);
    expect(providerConfigFromEnv({}, { policy: { circuit: { cooldownMs: 5 } } }).policy.circuit).toEqual({ failureThreshold: 3, cooldownMs: 5 });
  });
});

describe("parseProviderList", () => {
  it("rejects unknown, repeated and empty lists", () => {
    expect(() => parseProviderList("openai,gemini", "--provider")).toThrowError('--provider: unknown provider "gemini"; use any of bedrock, anthropic, openai');
    expect(() => parseProviderList("openai,openai", "--provider")).toThrowError("--provider names openai twice");
    expect(() => parseProviderList(" , ", "--provider")).toThrowError(/names no provider/);
  });
});

describe("Secret", () => {
  it("never prints its value", () => {
    const secret = new Secret("sk-very-secret-value");
    expect(String(secret)).toBe("***");
    expect(JSON.stringify({ secret })).toBe('{"secret":"***"}');
    expect(inspect({ secret })).not.toContain("very-secret");
    expect(JSON.stringify(providerConfigFromEnv({ OPENAI_API_KEY: "sk-very-secret-value" }))).not.toContain("very-secret");
    expect(inspect(providerConfigFromEnv({ OPENAI_API_KEY: "sk-very-secret-value" }), { depth: 10 })).not.toContain("very-secret");
    expect(secret.reveal()).toBe("sk-very-secret-value");
  });
});
