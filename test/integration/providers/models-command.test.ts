import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODELS } from "@noveli/providers/catalog";
import { runCli } from "../../helpers/cli.js";
import { DEFAULT_LISTINGS, ISOLATED_PROVIDER_ENV, refusedUrl, startAnthropicServer, startBedrockServer, startOpenAiServer, type ProviderServer } from "../../helpers/provider-servers.js";

/**
 * `noveli models` as a user runs it: the built CLI, the real SDKs, local servers that list models
 * the way each provider does (OpenAI and Anthropic GET /v1/models; Bedrock ListFoundationModels,
 * ListInferenceProfiles and GetFoundationModelAvailability, which moto does not implement).
 */

const ISOLATED = ISOLATED_PROVIDER_ENV;
const KEY = "sk-LEAKCANARY-models-0123456789";

describe("noveli models", () => {
  let openai: ProviderServer;
  let anthropic: ProviderServer;
  let bedrock: ProviderServer;
  /** A Bedrock account where Haiku 5.5's model access was never granted, and one OpenAI key that sees fewer models. */
  let bedrockNoAccess: ProviderServer;
  let openaiNarrow: ProviderServer;

  beforeAll(async () => {
    [openai, anthropic, bedrock, bedrockNoAccess, openaiNarrow] = await Promise.all([
      startOpenAiServer(undefined, { strict: true }),
      startAnthropicServer(undefined, { strict: true }),
      startBedrockServer(undefined, { strict: true }),
      startBedrockServer(undefined, { listing: DEFAULT_LISTINGS.bedrock.map((m) => (m.id === "anthropic.claude-haiku-5-5" ? { ...m, enabled: false } : m)) }),
      startOpenAiServer(undefined, { listing: [{ id: "gpt-6-luna" }] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([openai, anthropic, bedrock, bedrockNoAccess, openaiNarrow].map((s) => s?.stop()));
  });

  const keys = (overrides: Record<string, string> = {}) => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: anthropic.url, ...overrides });
  const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(["models", ...args], { env: { ...ISOLATED, ...env }, timeoutMs: 60_000 });

  it("prints the catalog: every model with its prices, their source and date, thinking, output mode and status", async () => {
    const run = await cli([]);
    expect(run.exitCode).toBe(0);
    for (const model of MODELS) expect(run.stdout).toContain(model.id);
    expect(run.stdout).toMatch(/^PROVIDER +MODEL +IN +OUT +CACHE R +CACHE W +PRICE +THINKING +OUTPUT +STATUS$/m);
    expect(run.stdout).toMatch(/openai +gpt-6-luna \(selected\) +0\.1 +0\.5 +0\.005 +0\.125 +\[\d\] 2026-12-01 +effort none +json schema +active/);
    expect(run.stdout).toMatch(/anthropic +claude-opus-5-5 +4 +20 +0\.2 +5 +\[\d\] 2026-11-25 +always \(\+4096 tokens, effort low\) +json schema +active/);
    expect(run.stdout).toContain("https://developers.openai.com/api/docs/pricing");
    expect(run.stdout).toMatch(/\* bedrock global\.anthropic\.claude-sonnet-5-5 cacheRead unconfirmed \(0\.1 or 0\.2; 0\.2 charged\)/);

    const json = await cli(["--json"]);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: "models", catalogChecked: "2026-12-01" });
    expect(doc.models).toHaveLength(MODELS.length);
    for (const model of doc.models) expect(model.price).toEqual(expect.objectContaining({ source: expect.stringMatching(/^https:\/\//), checked: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }));
  });

  it("lists a configured model the catalog does not know, unpriced", async () => {
    const run = await cli(["--provider", "openai", "--json"], { NOVELI_OPENAI_MODEL: "llama3.2:3b" });
    const doc = JSON.parse(run.stdout);
    expect(doc.models.find((m: { id: string }) => m.id === "llama3.2:3b")).toMatchObject({ provider: "openai", inCatalog: false, selected: true, price: null, status: "not in catalog" });
  });

  it("--check asks each provider's own list and passes when every selected model is usable", async () => {
    for (const server of [openai, anthropic, bedrock]) server.reset();
    const run = await cli(["--check", "--endpoint-url", bedrock.url], keys());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("✓ every selected model is usable (bedrock, anthropic, openai checked)");
    expect(run.stdout).toMatch(/^PROVIDER .* STATUS +CHECK$/m);
    expect(run.stdout).toMatch(/openai +gpt-6-luna \(selected\) .* active +available$/m);
    expect(openai.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models"]);
    expect(anthropic.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models"]);
    expect(anthropic.requests[0]?.headers["anthropic-version"]).toBe("2026-10-21");
    expect(bedrock.requests.map((r) => `${r.method} ${decodeURIComponent(r.path)}`).sort()).toEqual(
      [
        "GET /foundation-models",
        "GET /inference-profiles",
        "GET /foundation-model-availability/anthropic.claude-haiku-5-5",
        "GET /foundation-model-availability/anthropic.claude-sonnet-5-5",
        "GET /foundation-model-availability/anthropic.claude-haiku-4-5-20251001-v1:0",
      ].sort(),
    );
    expect(run.stdout + run.stderr).not.toContain("LEAKCANARY");
  });

  it("--check exits 1 naming each selected model that is retired, unknown, not enabled or needs an inference profile", async () => {
    const run = await cli(["--check", "--endpoint-url", bedrockNoAccess.url], keys({ NOVELI_ANTHROPIC_MODEL: "claude-sonnet-4-5", NOVELI_OPENAI_MODEL: "gpt-9-nova" }));
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/✗ anthropic claude-sonnet-4-5 \(selected\): retired: retired: requests naming it fail/);
    expect(run.stdout).toMatch(/✗ openai gpt-9-nova \(selected\): unknown: not in the models this key may use/);
    expect(run.stdout).toMatch(/✗ bedrock us\.anthropic\.claude-haiku-5-5 \(selected\): not-enabled: model access to anthropic\.claude-haiku-5-5 is not granted/);
    const errorLine = run.stderr.split("\n").find((l) => l.startsWith("error: ")) ?? "";
    expect(errorLine).toMatch(/^error: 3 configured models are not usable: bedrock us\.anthropic\.claude-haiku-5-5 \(not-enabled: .*\); anthropic claude-sonnet-4-5 \(retired: .*\); openai gpt-9-nova \(unknown: .*\)$/);

    const inRegion = await cli(["--check", "--provider", "bedrock", "--endpoint-url", bedrock.url, "--region", "us-west-2", "--json"], { NOVELI_BEDROCK_MODEL: "anthropic.claude-haiku-5-5" });
    expect(inRegion.exitCode).toBe(1);
    const doc = JSON.parse(inRegion.stdout);
    expect(doc.unusable).toEqual([{ provider: "bedrock", id: "anthropic.claude-haiku-5-5", reason: "needs-profile: not callable on demand by its in-region id: use us.anthropic.claude-haiku-5-5" }]);
    expect(doc.models.find((m: { id: string }) => m.id === "anthropic.claude-haiku-5-5")).toMatchObject({ selected: true, inCatalog: false, check: { state: "needs-profile" } });
  });

  it("--check reports catalog ids a key cannot use without failing when the selected model is fine", async () => {
    const run = await cli(["--check", "--provider", "openai", "--json"], { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: openaiNarrow.url });
    expect(run.exitCode).toBe(0);
    const doc = JSON.parse(run.stdout);
    const states = Object.fromEntries(doc.models.map((m: { id: string; check: { state: string } }) => [m.id, m.check.state]));
    expect(states).toEqual({ "gpt-6-luna": "available", "gpt-6.1-terra": "unknown", "gpt-6.2-sol": "unknown", "gpt-6.2-astra": "unknown" });
    expect(doc.unusable).toEqual([]);
  });

  it("--check exits 1 when a provider's list cannot be read, and 2 when no provider is configured", async () => {
    const dead = await refusedUrl("/v1");
    const run = await cli(["--check", "--provider", "openai"], { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: dead.url });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/openai: not checked: could not read openai's model list/);

    const echoing = await startAnthropicServer(undefined, { listingError: { kind: "error", status: 401, echoCredentials: true, message: "invalid x-api-key" } });
    try {
      const denied = await cli(["--check", "--provider", "anthropic", "--json"], { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: echoing.url });
      expect(denied.exitCode).toBe(1);
      expect(JSON.parse(denied.stdout).unusable[0].reason).toMatch(/^could not read anthropic's model list: 401 /);
      expect(JSON.stringify(echoing.requests[0]?.headers)).toContain(KEY);
      expect(denied.stdout + denied.stderr).not.toContain("LEAKCANARY");
    } finally {
      await echoing.stop();
    }

    const none = await cli(["--check"]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("error: no AI provider is configured: nothing to check");
  });
});
