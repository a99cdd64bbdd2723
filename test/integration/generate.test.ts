import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { noveliBin, repoRoot, runCli } from "../helpers/cli.js";
import { DEFAULT_BEAT, ISOLATED_PROVIDER_ENV, refusedUrl, startAnthropicServer, startBedrockServer, startOpenAiServer, type ProviderServer } from "../helpers/provider-servers.js";
import { parseCodeCache } from "../../src/startup/app-loader.js";

/** `noveli generate` as a user runs it: the built CLI, real SDKs, local provider servers. */

const OPENAI_KEY = "sk-proj-CLITESTKEY-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-LEAKCANARY-0123456789abcdef";

/** Nothing from this machine's AWS or provider setup may leak into a test. */
const ISOLATED: Record<string, string | undefined> = { ...ISOLATED_PROVIDER_ENV, NOVELI_ATTEMPT_TIMEOUT_MS: "3000" };

describe("noveli generate", () => {
  let openai: ProviderServer;
  let anthropic: ProviderServer;
  let bedrock: ProviderServer;

  beforeAll(async () => {
    // Strict: each server refuses what the real API refuses (unknown fields, sampling parameters on Anthropic...).
    [openai, anthropic, bedrock] = await Promise.all([startOpenAiServer(undefined, { strict: true }), startAnthropicServer(undefined, { strict: true }), startBedrockServer(undefined, { strict: true })]);
  });
  afterAll(async () => {
    await Promise.all([openai?.stop(), anthropic?.stop(), bedrock?.stop()]);
  });
  beforeEach(() => {
    for (const server of [openai, anthropic, bedrock]) {
      server.reset();
      server.setScript({ kind: "ok" });
    }
  });

  const keys = () => ({ OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: ANTHROPIC_KEY, ANTHROPIC_BASE_URL: anthropic.url });
  const cli = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
    runCli(["generate", ...args], { env: { ...ISOLATED, ...env }, ...(input !== undefined ? { input } : {}), timeoutMs: 60_000 });

  it("exits 2 with how to configure each provider when none is configured", async () => {
    const run = await cli(["a lighthouse"]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error: no AI provider is configured");
    expect(run.stderr).toMatch(/bedrock: AWS credentials from the standard chain/);
    expect(run.stderr).toMatch(/anthropic: set ANTHROPIC_API_KEY/);
    expect(run.stderr).toMatch(/openai: set OPENAI_API_KEY; OPENAI_BASE_URL points it at any OpenAI-compatible server/);

    const json = await cli(["a lighthouse", "--json"]);
    expect(json.exitCode).toBe(2);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, error: { code: "no-provider", hint: expect.stringContaining("ANTHROPIC_API_KEY") } });
    expect(doc.error.details.providers.map((p: { name: string; configured: boolean }) => [p.name, p.configured])).toEqual([
      ["bedrock", false],
      ["anthropic", false],
      ["openai", false],
    ]);
  });

  it("tells one beat: text, numbered choices and a footer with provider, model, tokens, cost and latency", async () => {
    const run = await cli(["a lighthouse", "--provider", "openai"], keys());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`${DEFAULT_BEAT.text}\n\n  1. Climb the spiral stairs\n  2. Row out toward the light\n  3. Wake the village\n`);
    expect(run.stdout).toMatch(/openai · gpt-6-luna · 120 in \/ 48 out tokens · \$0\.000036 · \d+ ms/);
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it("prints the --json document, with every attempt of a failover", async () => {
    const dead = await refusedUrl();
    anthropic.setScript({ kind: "error", status: 401 });
    const run = await cli(["a lighthouse", "--json", "--endpoint-url", dead.url, "--genre", "gothic"], keys());
    expect(run.exitCode).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(Object.keys(doc)).toEqual(["schemaVersion", "text", "choices", "provider", "model", "tokens", "costUsd", "latencyMs", "timeToFirstTokenMs", "attempts"]);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      text: DEFAULT_BEAT.text,
      choices: DEFAULT_BEAT.choices,
      provider: "openai",
      model: "gpt-6-luna",
      tokens: { input: 120, output: 48, cached: 0 },
      costUsd: 0.000036,
      timeToFirstTokenMs: null,
    });
    expect(doc.latencyMs).toEqual(expect.any(Number));
    expect(doc.attempts.map((a: { provider: string; ok: boolean; error: { class: string } | null }) => [a.provider, a.ok, a.error?.class ?? null])).toEqual([
      ["bedrock", false, "provider"],
      ["anthropic", false, "provider"],
      ["openai", true, null],
    ]);
    for (const attempt of doc.attempts) expect(attempt).toEqual(expect.objectContaining({ provider: expect.any(String), ok: expect.any(Boolean), latencyMs: expect.any(Number) }));
    expect(JSON.stringify(openai.requests[0]?.body.messages)).toContain("Genre: gothic");
  });

  it("keeps in its code cache the SDK of a provider that a later run is the first to call", async () => {
    // The first run calls OpenAI only; a failover run then compiles Anthropic's SDK too. Without
    // the rewrite, every failover would compile that SDK again (about 25 ms of each).
    const stateDir = mkdtempSync(path.join(tmpdir(), "noveli-generate-cache-"));
    try {
      const dead = await refusedUrl();
      const env = { ...keys(), ANTHROPIC_BASE_URL: dead.url, NOVELI_STATE_DIR: stateDir };
      const cacheOf = () => {
        const files = readdirSync(path.join(stateDir, "cache", "code")).filter((name) => name.endsWith("-generate.bin"));
        expect(files).toHaveLength(1);
        const file = path.join(stateDir, "cache", "code", files[0] as string);
        const parsed = parseCodeCache(readFileSync(file));
        expect(parsed).toBeDefined();
        return { parts: parsed?.parts, size: statSync(file).size, mtimeMs: statSync(file).mtimeMs };
      };

      expect((await cli(["a lighthouse", "--provider", "openai"], env)).exitCode).toBe(0);
      const direct = cacheOf();
      expect(direct.parts).toEqual(["provider-openai"]);

      const failover = await cli(["a lighthouse", "--provider", "anthropic,openai", "--json"], env);
      expect(failover.exitCode, failover.stderr).toBe(0);
      expect(JSON.parse(failover.stdout).attempts.map((a: { provider: string; ok: boolean }) => [a.provider, a.ok])).toEqual([
        ["anthropic", false],
        ["openai", true],
      ]);
      const widened = cacheOf();
      expect(widened.parts).toEqual(["provider-anthropic", "provider-openai"]);
      expect(widened.size).toBeGreaterThan(direct.size);

      // Covered now: neither a failover nor a direct call writes it again (V8 took it, or it would be).
      expect((await cli(["a lighthouse", "--provider", "anthropic,openai"], env)).exitCode).toBe(0);
      expect((await cli(["a lighthouse", "--provider", "openai"], env)).exitCode).toBe(0);
      expect(cacheOf()).toEqual(widened);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("exits 1 listing each provider's reason when all fail", async () => {
    const dead = await refusedUrl();
    anthropic.setScript({ kind: "error", status: 404, message: "model: claude-haiku-5-5 not found" });
    openai.setScript({ kind: "error", status: 503 });
    const run = await cli(["a lighthouse", "--endpoint-url", dead.url], keys());
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    const errorLine = run.stderr.split("\n").find((line) => line.startsWith("error: ")) ?? "";
    expect(errorLine).toMatch(/^error: every AI provider failed: bedrock: unreachable \(ECONNREFUSED\); anthropic: model or endpoint not found: model: claude-haiku-5-5 not found; openai: scripted 503; 3 attempts, retries exhausted$/);
    expect(openai.requests).toHaveLength(3);

    const json = await cli(["a lighthouse", "--json", "--endpoint-url", dead.url], keys());
    expect(json.exitCode).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.error.code).toBe("all-providers-failed");
    expect(doc.error.details.attempts).toHaveLength(5);
  });

  it("never shows an API key, even when the provider echoes it back", async () => {
    anthropic.setScript({ kind: "error", status: 401, echoCredentials: true, message: "invalid x-api-key" });
    openai.setScript({ kind: "error", status: 401, echoCredentials: true, message: `Incorrect API key provided: ${OPENAI_KEY}` });
    for (const extra of [[], ["--json"], ["--verbose"]]) {
      const run = await cli(["a lighthouse", "--provider", "anthropic,openai", ...extra], keys());
      expect(run.exitCode).toBe(1);
      const output = run.stdout + run.stderr;
      expect(output).toContain("authentication failed");
      expect(output).not.toContain(ANTHROPIC_KEY);
      expect(output).not.toContain(OPENAI_KEY);
      expect(output).not.toContain("LEAKCANARY");
      expect(output).not.toContain("CLITESTKEY");
    }
    // The keys really were sent (and echoed back): the absence above is redaction, not luck.
    expect(JSON.stringify(anthropic.requests[0]?.headers)).toContain(ANTHROPIC_KEY);
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it("plays a branching story from piped stdin, continuing the same story", async () => {
    const run = await cli(["a lighthouse", "--provider", "anthropic", "--interactive"], keys(), "2\nseven\n1\nq\n");
    expect(run.exitCode).toBe(0);
    expect(anthropic.requests).toHaveLength(3);
    const second = anthropic.requests[1]?.body.messages;
    expect(second.at(-2)).toEqual({ role: "assistant", content: `${DEFAULT_BEAT.text}\n\n1. Climb the spiral stairs\n2. Row out toward the light\n3. Wake the village` });
    expect(second.at(-1)).toEqual({ role: "user", content: "I choose 2: Row out toward the light\nTell the next beat." });
    expect(anthropic.requests[2]?.body.messages).toHaveLength(5);
    expect(run.stderr).toContain('warning: "seven" is not a choice: type a number from 1 to 3, or q');
    expect(run.stdout.split(DEFAULT_BEAT.text)).toHaveLength(4);
    expect(run.stdout).toMatch(/story ended \(q\) after 3 beats · 360 in \/ 144 out \/ 0 cached tokens/);
  });

  it("ends an interactive story at the end of input, and reports it as one JSON document", async () => {
    const run = await cli(["a lighthouse", "--provider", "openai", "--interactive", "--json"], keys(), "3\n");
    expect(run.exitCode).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: "generate", interactive: true, ended: "end-of-input", totals: { tokens: { input: 240, output: 96, cached: 0 }, costUsd: 0.000072 } });
    expect(doc.beats.map((b: { chosen: number | null; provider: string }) => [b.provider, b.chosen])).toEqual([
      ["openai", 3],
      ["openai", null],
    ]);
  });

  it("uses Bedrock through --endpoint-url, and reports an unpriced model as unpriced", async () => {
    const run = await cli(["a lighthouse", "--provider", "bedrock", "--endpoint-url", bedrock.url, "--json"]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ provider: "bedrock", model: "us.anthropic.claude-haiku-5-5", costUsd: 0.0000396 });
    expect(bedrock.requests[0]?.path).toBe("/model/us.anthropic.claude-haiku-5-5/converse");

    const unpriced = await cli(["a lighthouse", "--provider", "openai", "--model", "llama3.2:3b"], { OPENAI_BASE_URL: openai.url });
    expect(unpriced.exitCode).toBe(0);
    expect(unpriced.stdout).toMatch(/openai · llama3\.2:3b · 120 in \/ 48 out tokens · unpriced · /);
  });

  it.each([
    ["anthropic", "claude-sonnet-4-6", false],
    ["anthropic", "claude-haiku-5-5", false],
    ["openai", "gpt-6-luna", true],
    ["openai", "gpt-6.2-sol", false],
    ["bedrock", "us.anthropic.claude-haiku-5-5", false],
    ["bedrock", "us.anthropic.claude-haiku-4-5-20251001-v1:0", true],
  ] as const)("--temperature on %s %s: applied where accepted, else reported once as not applied", async (provider, model, applied) => {
    const run = await cli(["a lighthouse", "--provider", provider, "--model", model, "--temperature", "0.7", "--endpoint-url", bedrock.url], keys());
    expect(run.exitCode).toBe(0);
    const server = { openai, anthropic, bedrock }[provider];
    expect(server.requests.map((r) => r.refused ?? "accepted")).toEqual(["accepted"]);
    const body = server.requests[0]?.body;
    const sent = provider === "bedrock" ? body.inferenceConfig.temperature : body.temperature;
    const warning = `warning: temperature 0.7 not applied: ${model} (${provider}) does not accept a sampling temperature`;
    if (applied) {
      expect(sent).toBe(0.7);
      expect(run.stderr).not.toContain("not applied");
    } else {
      expect(sent).toBeUndefined();
      expect(run.stderr.split(warning)).toHaveLength(2);
    }
  });

  it("exits 1 after one request when the key is refused inside an OpenAI stream", async () => {
    openai.setScript({ kind: "stream-error", afterChunks: 0, type: "invalid_request_error", code: "invalid_api_key" });
    const run = await onTerminal(["a lighthouse", "--provider", "openai"], keys());
    expect(run.exitCode).toBe(1);
    expect(openai.requests).toHaveLength(1);
    expect(run.output).toMatch(/error: every AI provider failed: openai: authentication failed: error in stream \(invalid_api_key\)/);
  });

  it("exits 1 on a refusal, without trying the next provider, and says how to let it fail over", async () => {
    anthropic.setScript({ kind: "refusal", explanation: "Not this one." });
    const run = await cli(["a lighthouse", "--provider", "anthropic,openai"], keys());
    expect(run.exitCode).toBe(1);
    expect([anthropic.requests.length, openai.requests.length]).toEqual([1, 0]);
    expect(run.stderr).toContain("error: anthropic (claude-haiku-5-5) refused to tell this story: general_harms: Not this one.");
    expect(run.stderr).toContain("NOVELI_FAILOVER_ON_REFUSAL=1");
  });

  it("says the beat did not fit the token limit, and how to raise it", async () => {
    openai.setScript({ kind: "ok", cut: "max-tokens" });
    const run = await cli(["a lighthouse", "--provider", "openai", "--max-tokens", "64"], keys());
    expect(run.exitCode).toBe(1);
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]?.body.max_completion_tokens).toBe(64);
    expect(run.stderr).toContain("openai: the reply was cut off at the 64-token output limit before the beat was complete");
    expect(run.stderr).toContain("raise it with --max-tokens");
  });

  it("turns an in-region Bedrock id into a configuration error naming the inference profile (exit 2)", async () => {
    const run = await cli(["a lighthouse", "--provider", "bedrock", "--model", "anthropic.claude-haiku-5-5", "--endpoint-url", bedrock.url, "--region", "us-west-2"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("use an inference profile instead, e.g. --model bedrock=us.anthropic.claude-haiku-5-5");
  });

  it("says 'tokens not reported' when the server reported none, and null in --json", async () => {
    openai.setScript({ kind: "ok", noUsage: true });
    const run = await cli(["a lighthouse", "--provider", "openai", "--model", "llama3.2:3b"], { OPENAI_BASE_URL: openai.url });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/openai · llama3\.2:3b · tokens not reported · unpriced · /);
    expect(run.stdout).not.toContain("0 in / 0 out");
    const json = await cli(["a lighthouse", "--provider", "openai", "--model", "llama3.2:3b", "--json"], { OPENAI_BASE_URL: openai.url });
    expect(JSON.parse(json.stdout)).toMatchObject({ tokens: null, costUsd: null });
  });

  it("hints at /v1 when an OpenAI-compatible base URL without it answers 404", async () => {
    const origin = openai.url.replace(/\/v1$/, "");
    const run = await cli(["a lighthouse", "--provider", "openai", "--model", "llama3.2:3b"], { OPENAI_BASE_URL: origin });
    expect(run.exitCode).toBe(1);
    expect(openai.requests[0]?.path).toBe("/chat/completions");
    expect(run.stderr).toContain(`OPENAI_BASE_URL (${origin}) has no /v1: OpenAI-compatible servers serve the API under it, e.g. ${origin}/v1`);
  });

  /** Runs the CLI on a pseudo-terminal (util-linux `script`), so stdout is a TTY; output is stdout and stderr mixed. */
  async function onTerminal(args: string[], env: Record<string, string | undefined>, columns = 80) {
    const command = `stty cols ${columns} rows 40; ${[process.execPath, noveliBin, "generate", ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(" ")}`;
    const result = await execa("script", ["-qec", command, "/dev/null"], {
      env: { ...ISOLATED, OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined, AWS_ENDPOINT_URL: undefined, NOVELI_ENV: undefined, CI: "true", NO_COLOR: "1", ...env },
      cwd: repoRoot,
      reject: false,
      timeout: 60_000,
      input: "",
    });
    return { exitCode: result.exitCode, output: String(result.stdout).replace(/\r\n/g, "\n") };
  }

  it("streams the text on a terminal, once, and times the first text", async () => {
    openai.setScript({ kind: "ok", chunkSize: 7, chunkDelayMs: 5 });
    const run = await onTerminal(["a lighthouse", "--provider", "openai"], keys());
    expect(run.exitCode).toBe(0);
    expect(openai.requests[0]?.stream).toBe(true);
    expect(run.output.split(DEFAULT_BEAT.text)).toHaveLength(2);
    expect(run.output).toMatch(/  3\. Wake the village\n\nopenai · gpt-6-luna · 120 in \/ 48 out tokens · \$0\.000036 · \d+ ms \(first text \d+ ms\)/);
  });

  it("on a terminal, wraps the streamed text to the terminal's width without splitting a word", async () => {
    const text = "You stand behind the lighthouse door while the sea knocks twice, then a third time, slower, as if it knows your name.";
    openai.setScript({ kind: "ok", beat: { text, choices: ["Open the door and face whatever waits outside", "Climb"] }, chunkSize: 5 });
    const run = await onTerminal(["a lighthouse", "--provider", "openai"], keys(), 40);
    expect(run.exitCode).toBe(0);
    const lines = run.output.split("\n");
    const story = lines.slice(0, lines.findIndex((l) => l.trim() === ""));
    expect(story.length).toBeGreaterThan(2);
    for (const line of story) expect(line.length).toBeLessThanOrEqual(40);
    expect(story.join(" ")).toBe(text);
    expect(run.output).toContain("  1. Open the door and face whatever\n     waits outside");
  });

  it("on a terminal, reports a stream cut after the first text clearly and exits 1, without retrying", async () => {
    openai.setScript([{ kind: "disconnect-mid-stream", afterChunks: 4, chunkSize: 12 }, { kind: "ok" }]);
    const run = await onTerminal(["a lighthouse", "--provider", "openai"], keys());
    expect(run.exitCode).toBe(1);
    expect(openai.requests).toHaveLength(1);
    expect(run.output).toMatch(/error: the story stream from openai broke after \d+ characters of text: .*the text shown is incomplete and was not retried/);
    expect(run.output).not.toContain(DEFAULT_BEAT.text);
    expect(run.output).toContain(DEFAULT_BEAT.text.slice(0, 20));
  });

  it.each([
    [[], /give a story premise/],
    [["p", "--temperature", "3"], /--temperature must be a number from 0 to 1/],
    [["p", "--max-tokens", "ten"], /--max-tokens must be a whole number from 64 to 32000/],
    [["p", "--provider", "gemini"], /--provider: unknown provider "gemini"/],
    [["p", "--model", "mystery-9"], /--model "mystery-9" is ambiguous with 3 providers/],
  ])("rejects bad input %j with exit 2 before calling anyone", async (args, message) => {
    const run = await cli(args, keys());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(openai.requests.length + anthropic.requests.length).toBe(0);
  });
});
