import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { GenerationResult } from "@noveli/providers/types";
import { xrayDaemonSender } from "../../lambda/story-generator/src/index.js";
import { createLogger, errorFields, logLevelFromEnv, redactLog as redact } from "../../lambda/story-generator/src/logger.js";
import { billedUsageOf, createMetrics, emfDocument, enterInvocationColor, providerUsageOf, withColorSets } from "../../lambda/story-generator/src/metrics.js";
import { createTracer, daemonAddress, parseTraceHeader, subsegmentDatagram } from "../../lambda/story-generator/src/tracing.js";

const result = (overrides: Partial<GenerationResult> = {}): GenerationResult => ({
  beat: { text: "t", choices: ["a", "b"] },
  provider: "openai",
  model: "gpt-x",
  tokens: { input: 100, output: 50, cached: 10 },
  costUsd: 0.002,
  latencyMs: 900,
  timeToFirstTokenMs: null,
  attempts: [{ provider: "openai", model: "gpt-x", ok: true, latencyMs: 900 }],
  ...overrides,
});

describe("EMF documents", () => {
  it("follow the Embedded Metric Format: directive, dimension values, metric values", () => {
    const doc = emfDocument({
      namespace: "LiminalTransit/AIProviders",
      dimensions: { Provider: "anthropic", Environment: "dev" },
      metrics: [
        { name: "ResponseTime", unit: "Milliseconds", value: 812 },
        { name: "Cost", unit: "None", value: 0.0031 },
        { name: "Broken", unit: "Count", value: Number.NaN },
      ],
      timestamp: 1_764_000_000_123.9,
      properties: { Model: "claude", Provider: "shadowed" },
    });
    expect(doc).toEqual({
      _aws: {
        Timestamp: 1_764_000_000_123,
        CloudWatchMetrics: [
          {
            Namespace: "LiminalTransit/AIProviders",
            Dimensions: [["Provider", "Environment"]],
            Metrics: [
              { Name: "ResponseTime", Unit: "Milliseconds" },
              { Name: "Cost", Unit: "None" },
            ],
          },
        ],
      },
      Model: "claude",
      Provider: "anthropic",
      Environment: "dev",
      ResponseTime: 812,
      Cost: 0.0031,
    });
  });

  it("refuses a dimension set naming a dimension without a value, and more than 100 metrics", () => {
    expect(() => emfDocument({ namespace: "n", dimensions: { A: "a" }, dimensionSets: [["A", "B"]], metrics: [], timestamp: 0 })).toThrow(/B has no value/);
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `m${i}`, unit: "Count" as const, value: 1 }));
    expect(() => emfDocument({ namespace: "n", dimensions: {}, metrics: many, timestamp: 0 })).toThrow(/at most 100/);
  });
});

describe("generation metrics", () => {
  it("a success: provider usage, story figures per environment and per provider", () => {
    const lines: string[] = [];
    createMetrics({ environment: "staging", write: (l) => lines.push(l), now: () => 5_000 }).generation({ ok: true, result: result(), elapsedMs: 950, properties: { sessionId: "s" } });
    const docs = lines.map((l) => JSON.parse(l));
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatchObject({ Provider: "openai", Environment: "staging", ResponseTime: 900, TokenCount: 160, Cost: 0.002, Model: "gpt-x", sessionId: "s" });
    expect(docs[0]._aws.CloudWatchMetrics[0].Namespace).toBe("LiminalTransit/AIProviders");
    expect(docs[1]).toMatchObject({ Environment: "staging", Provider: "openai", ResponseTime: 950, TokensGenerated: 50, GenerationCost: 0.002, SuccessRate: 100 });
    expect(docs[1]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "LiminalTransit/StoryGeneration", Dimensions: [["Environment"], ["Environment", "Provider"], ["Environment", "Color"]] });
    expect(docs[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([["Provider", "Environment"], ["Provider", "Environment", "Color"]]);
    expect(docs.every((d) => d.Color === "unknown")).toBe(true);
  });

  it("an unpriced model reports no cost at all, never 0", () => {
    const lines: string[] = [];
    createMetrics({ environment: "dev", write: (l) => lines.push(l) }).generation({ ok: true, result: result({ costUsd: null }), elapsedMs: 1 });
    for (const doc of lines.map((l) => JSON.parse(l))) {
      expect(doc.Cost).toBeUndefined();
      expect(doc.GenerationCost).toBeUndefined();
      expect(doc._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).not.toContain("Cost");
    }
  });

  it("per-attempt usage is charged to each provider; skipped providers are not failures", () => {
    const attempts: GenerationResult["attempts"] = [
      { provider: "bedrock", model: "b", ok: false, error: { class: "not-configured", message: "no creds" }, latencyMs: 0 },
      { provider: "anthropic", model: "a", ok: false, error: { class: "malformed", message: "bad" }, latencyMs: 400, tokens: { input: 10, output: 5, cached: 0 }, costUsd: 0.001 },
      { provider: "openai", model: "o", ok: true, latencyMs: 300, tokens: { input: 20, output: 8, cached: 2, cacheWrite: 1 }, costUsd: null },
    ];
    expect(providerUsageOf(result({ attempts }))).toEqual([
      { provider: "anthropic", model: "a", latencyMs: 400, tokens: 15, costUsd: 0.001 },
      { provider: "openai", model: "o", latencyMs: 300, tokens: 31, costUsd: null },
    ]);
    expect(billedUsageOf(attempts).map((u) => u.provider)).toEqual(["anthropic", "openai"]);
    const lines: string[] = [];
    createMetrics({ environment: "dev", write: (l) => lines.push(l) }).generation({ ok: true, result: result({ attempts }), elapsedMs: 700 });
    const failures = lines.map((l) => JSON.parse(l)).filter((d) => d.Failures === 1);
    expect(failures.map((d) => [d.Provider, d.ErrorClass])).toEqual([["anthropic", "malformed"]]);
  });

  it("a failure: SuccessRate 0 with the error class", () => {
    const lines: string[] = [];
    createMetrics({ environment: "dev", write: (l) => lines.push(l) }).generation({ ok: false, elapsedMs: 30, errorClass: "deadline", attempts: [] });
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ SuccessRate: 0, ResponseTime: 30, ErrorClass: "deadline", Environment: "dev" })]);
  });
});

describe("the Color dimension", () => {
  it("adds one set per color to each document's first set", () => {
    expect(withColorSets([["Environment"], ["Environment", "Provider"]])).toEqual([["Environment"], ["Environment", "Provider"], ["Environment", "Color"]]);
    expect(withColorSets([["Provider", "Environment"]])).toEqual([["Provider", "Environment"], ["Provider", "Environment", "Color"]]);
  });

  it("carries the color of the invocation that emits, also when invocations interleave", async () => {
    const lines: string[] = [];
    const metrics = createMetrics({ environment: "prod", write: (l) => lines.push(l) });
    const invocation = async (color: string, waitMs: number, ok: boolean) => {
      enterInvocationColor(color);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (ok) metrics.generation({ ok: true, result: result(), elapsedMs: 5 });
      else metrics.generation({ ok: false, elapsedMs: 5, errorClass: "timeout", attempts: [] });
    };
    await Promise.all([invocation("blue", 20, true), invocation("green", 5, false), invocation("blue", 1, false)]);
    const story = lines.map((l) => JSON.parse(l)).filter((d) => d.SuccessRate !== undefined);
    expect(story.map((d) => [d.Color, d.SuccessRate])).toEqual([
      ["blue", 0],
      ["green", 0],
      ["blue", 100],
    ]);
    for (const doc of story) expect(doc._aws.CloudWatchMetrics[0].Dimensions).toContainEqual(["Environment", "Color"]);
  });

  it("takes the color from the option when given", () => {
    const lines: string[] = [];
    createMetrics({ environment: "dev", color: () => "green", write: (l) => lines.push(l) }).count("StoriesStarted");
    expect(JSON.parse(lines[0] as string)).toMatchObject({ Environment: "dev", Color: "green", StoriesStarted: 1, _aws: { CloudWatchMetrics: [{ Dimensions: [["Environment"], ["Environment", "Color"]] }] } });
  });
});

describe("logs", () => {
  it("one JSON object per line with the bound fields; levels filter", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "INFO", write: (l) => lines.push(l), now: () => 0 }).child({ requestId: "r-1" });
    logger.debug("hidden");
    logger.info("shown", { step: 2 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ timestamp: "1970-01-01T00:00:00.000Z", level: "INFO", service: "story-generator", message: "shown", requestId: "r-1", step: 2 }]);
    expect(logLevelFromEnv({ LOG_LEVEL: "debug" })).toBe("DEBUG");
    expect(logLevelFromEnv({ AWS_LAMBDA_LOG_LEVEL: "WARNING" })).toBe("WARN");
    expect(logLevelFromEnv({})).toBe("INFO");
  });

  it("scrubs anything shaped like a credential", () => {
    expect(redact("key sk-proj-abcdefghijklmnop and sk-ant-api03-XYZXYZXYZXYZ")).toBe("key [redacted] and [redacted]");
    expect(redact("AKIAABCDEFGHIJKLMNOP")).toBe("[redacted]");
    expect(redact('{"authorization": "Bearer abc.def-123"}')).not.toContain("abc.def");
    expect(redact("api_key=supersecretvalue next")).toBe("api_key=[redacted] next");
    expect(errorFields(new Error("bad key sk-abcdefghijkl123"))).toEqual({ errorName: "Error", errorMessage: "bad key [redacted]" });
  });
});

describe("X-Ray hooks", () => {
  it("parses the trace header Lambda sets", () => {
    expect(parseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")).toEqual({
      root: "1-5759e988-bd862e3fe1be46a994272793",
      parent: "53995c3f42cd8ad8",
      sampled: true,
    });
    expect(parseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0;Lineage=a:1")).toEqual({ root: "1-5759e988-bd862e3fe1be46a994272793", sampled: false });
    expect(parseTraceHeader("Root=bogus")).toBeUndefined();
    expect(parseTraceHeader(undefined)).toBeUndefined();
    expect(daemonAddress("169.254.79.129:2000")).toEqual({ host: "169.254.79.129", port: 2000 });
    expect(daemonAddress("tcp:127.0.0.1:2000 udp:127.0.0.2:2001")).toEqual({ host: "127.0.0.2", port: 2001 });
    expect(daemonAddress("nonsense")).toBeUndefined();
  });

  it("sends each span as a subsegment datagram to the daemon when the trace is sampled", async () => {
    const daemon = createSocket("udp4");
    const received: string[] = [];
    await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
    daemon.on("message", (message) => received.push(message.toString("utf8")));
    try {
      const port = (daemon.address() as AddressInfo).port;
      const send = xrayDaemonSender(`127.0.0.1:${port}`)!;
      let clock = 1_000_000;
      const tracer = createTracer({ header: parseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"), send, now: () => (clock += 250) });
      await expect(tracer.span("DynamoDB.PutItem", async () => "ok", { namespace: "aws", annotations: { table: "t" } })).resolves.toBe("ok");
      await expect(tracer.span("ProviderManager.generateBeat", async () => Promise.reject(new Error("x")), { classify: () => "error" })).rejects.toThrow("x");
      for (let i = 0; i < 50 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const [header, body] = received[0]!.split("\n");
      expect(JSON.parse(header!)).toEqual({ format: "json", version: 1 });
      expect(JSON.parse(body!)).toMatchObject({
        name: "DynamoDB.PutItem",
        trace_id: "1-5759e988-bd862e3fe1be46a994272793",
        parent_id: "53995c3f42cd8ad8",
        type: "subsegment",
        namespace: "aws",
        start_time: 1_000.25,
        end_time: 1_000.5,
        annotations: { table: "t" },
      });
      expect(JSON.parse(received[1]!.split("\n")[1]!)).toMatchObject({ name: "ProviderManager.generateBeat", error: true });
    } finally {
      daemon.close();
    }
  });

  it("sends nothing when the trace is not sampled or there is no daemon", async () => {
    const sent: string[] = [];
    const unsampled = createTracer({ header: parseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"), send: (d) => sent.push(d) });
    await unsampled.span("x", async () => 1);
    await createTracer({ header: undefined, send: (d) => sent.push(d) }).span("y", async () => 1);
    expect(sent).toEqual([]);
    expect(xrayDaemonSender(undefined)).toBeUndefined();
    expect(subsegmentDatagram({ name: "n", id: "0123456789abcdef", trace_id: "t", parent_id: "p", start_time: 1, end_time: 2, type: "subsegment" })).toMatch(/^\{"format":"json","version":1\}\n\{/);
  });
});
