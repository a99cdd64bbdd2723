import { describe, expect, it } from "vitest";
import { chunkQueries, planAiQueries, selectMetrics, summarizeAi, type CwMetric } from "../../src/ops/cost/ai.js";
import { describeRootCause, summarizeAnomalies } from "../../src/ops/cost/anomalies.js";
import { isCredentialsError, unavailableReason } from "../../src/ops/cost/unavailable.js";

const AI = "LiminalTransit/AIProviders";
const STORY = "LiminalTransit/StoryGeneration";
const metric = (namespace: string, name: string, dims: Record<string, string>): CwMetric => ({
  Namespace: namespace,
  MetricName: name,
  Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
});

describe("AI provider metrics", () => {
  const providers = [
    metric(AI, "Cost", { Provider: "bedrock", Environment: "dev" }),
    metric(AI, "Cost", { Provider: "bedrock", Environment: "production" }),
    metric(AI, "Cost", { Provider: "openai", Environment: "production" }),
    metric(AI, "TokenCount", { Provider: "bedrock", Environment: "dev" }),
    metric(AI, "TokenCount", { Provider: "bedrock", Environment: "production" }),
    metric(AI, "TokenCount", { Provider: "openai", Environment: "production" }),
    metric(AI, "TokenCount", { Provider: "anthropic", Environment: "production" }),
    metric(AI, "ResponseTime", { Provider: "bedrock", Environment: "dev" }),
  ];
  const stories = [metric(STORY, "StoriesStarted", { Environment: "dev" }), metric(STORY, "StoriesStarted", { Environment: "production" }), metric(STORY, "TokensGenerated", { Environment: "production" })];

  it("reads one dimension set only, the smallest with what is needed, so nothing is counted twice", () => {
    const both = [...providers, metric(AI, "Cost", { Provider: "bedrock" }), metric(AI, "Cost", { Provider: "bedrock", Model: "m", Environment: "dev" })];
    expect(selectMetrics(both, "Cost", ["Provider"], undefined)).toEqual([metric(AI, "Cost", { Provider: "bedrock" })]);
    // With an environment, the set must carry Environment, and only that environment's values count.
    expect(selectMetrics(both, "Cost", ["Provider"], "production")).toEqual([metric(AI, "Cost", { Provider: "bedrock", Environment: "production" }), metric(AI, "Cost", { Provider: "openai", Environment: "production" })]);
    expect(selectMetrics([metric(AI, "Cost", { Provider: "bedrock" })], "Cost", ["Provider"], "dev")).toEqual([]);
  });

  it("reads a metric once even when the listing repeats it", () => {
    const repeated = [metric(AI, "Cost", { Provider: "bedrock", Environment: "dev" }), metric(AI, "Cost", { Environment: "dev", Provider: "bedrock" })];
    expect(selectMetrics(repeated, "Cost", ["Provider"], undefined)).toHaveLength(1);
  });

  it("plans Sum of Cost and TokenCount per provider, Sum of StoriesStarted, SampleCount of TokensGenerated", () => {
    const queries = planAiQueries({ providers, stories }, "production");
    expect(queries.map((q) => [q.id, q.role, q.provider, q.metricName, q.stat])).toEqual([
      ["q0", "cost", "bedrock", "Cost", "Sum"],
      ["q1", "cost", "openai", "Cost", "Sum"],
      ["q2", "tokens", "bedrock", "TokenCount", "Sum"],
      ["q3", "tokens", "openai", "TokenCount", "Sum"],
      ["q4", "tokens", "anthropic", "TokenCount", "Sum"],
      ["q5", "stories", null, "StoriesStarted", "Sum"],
      ["q6", "beats", null, "TokensGenerated", "SampleCount"],
    ]);
    expect(queries[0]!.dimensions).toEqual([
      { Name: "Provider", Value: "bedrock" },
      { Name: "Environment", Value: "production" },
    ]);
  });

  it("sums per provider across environments, and divides by stories and beats", () => {
    const queries = planAiQueries({ providers, stories }, undefined);
    const byId = (role: string, provider: string) => queries.find((q) => q.role === role && q.provider === provider)!.id;
    const values = new Map<string, number[]>();
    const costBedrock = queries.filter((q) => q.role === "cost" && q.provider === "bedrock").map((q) => q.id);
    values.set(costBedrock[0]!, [0.5, 0.25]);
    values.set(costBedrock[1]!, [1.25]);
    values.set(byId("cost", "openai"), [0.1, 0.2]);
    for (const q of queries.filter((q) => q.role === "tokens")) values.set(q.id, [1000]);
    const storyQueries = queries.filter((q) => q.role === "stories");
    expect(storyQueries).toHaveLength(2); // dev and production
    values.set(storyQueries[0]!.id, [4]);
    values.set(storyQueries[1]!.id, [2, 4]);
    for (const q of queries.filter((q) => q.role === "beats")) values.set(q.id, [23, 17]);
    const ai = summarizeAi(queries, values, { env: undefined, periodStartsBefore14Days: false });
    expect(ai.byProvider).toEqual([
      { provider: "bedrock", costUsd: 2, tokens: 2000 },
      { provider: "openai", costUsd: 0.3, tokens: 1000 },
      // Tokens but no Cost metric (an unpriced model): cost unknown, not 0.
      { provider: "anthropic", costUsd: null, tokens: 1000 },
    ]);
    expect(ai.totalCostUsd).toBe(2.3);
    expect(ai.totalTokens).toBe(4000);
    expect(ai.stories).toMatchObject({ count: 10, costPerStoryUsd: 0.23 });
    expect(ai.beats).toMatchObject({ count: 40, costPerBeatUsd: 0.0575 });
    expect(ai.notes).toEqual([]);
  });

  it("a metric without datapoints in the period is zero; no metric at all is unknown", () => {
    const queries = planAiQueries({ providers: providers.slice(0, 1), stories: [] }, undefined);
    const ai = summarizeAi(queries, new Map(), { env: undefined, periodStartsBefore14Days: true });
    expect(ai.byProvider).toEqual([{ provider: "bedrock", costUsd: 0, tokens: null }]);
    expect(ai.totalCostUsd).toBe(0);
    expect(ai.stories).toMatchObject({ count: null, costPerStoryUsd: null });
    expect(ai.notes.join("\n")).toMatch(/story count unknown/);
    expect(ai.notes.join("\n")).toMatch(/last 14 days/);

    const none = summarizeAi([], new Map(), { env: "dev", periodStartsBefore14Days: false });
    expect(none).toMatchObject({ byProvider: [], totalCostUsd: null, totalTokens: null });
    expect(none.notes[0]).toMatch(/no Cost or TokenCount metric per Provider in LiminalTransit\/AIProviders for environment dev/);
  });

  it("zero stories give no cost per story", () => {
    const queries = planAiQueries({ providers: providers.slice(0, 1), stories: stories.slice(0, 1) }, "dev");
    const values = new Map([[queries[0]!.id, [1]]]);
    expect(summarizeAi(queries, values, { env: "dev", periodStartsBefore14Days: false }).stories).toMatchObject({ count: 0, costPerStoryUsd: null });
  });

  it("chunks GetMetricData queries by 500", () => {
    expect(chunkQueries(Array.from({ length: 1001 }, (_, i) => i)).map((c) => c.length)).toEqual([500, 500, 1]);
  });
});

describe("summarizeAnomalies", () => {
  it("orders by impact and keeps the root causes", () => {
    const anomalies = summarizeAnomalies([
      { AnomalyId: "a1", AnomalyStartDate: "2026-11-02T00:00:00Z", AnomalyEndDate: "2026-11-03T00:00:00Z", DimensionValue: "AWS Lambda", Impact: { MaxImpact: 4, TotalImpact: 6 }, RootCauses: [] },
      {
        AnomalyId: "a2",
        AnomalyStartDate: "2026-11-10",
        AnomalyEndDate: "2026-11-12",
        DimensionValue: "Amazon DynamoDB",
        Impact: { MaxImpact: 9, TotalImpact: 20.123456789, TotalImpactPercentage: 150, TotalActualSpend: 33.5, TotalExpectedSpend: 13.4 },
        RootCauses: [{ Service: "Amazon DynamoDB", Region: "us-east-1", UsageType: "ReadRequestUnits", LinkedAccount: "123456789012", Impact: { Contribution: 18 } }],
        MonitorArn: "arn:aws:ce::123456789012:anomalymonitor/x",
      },
    ]);
    expect(anomalies.map((a) => a.id)).toEqual(["a2", "a1"]);
    expect(anomalies[0]).toMatchObject({ start: "2026-11-10", end: "2026-11-12", totalImpact: 20.12345679, impactPercent: 150 });
    expect(anomalies[1]).toMatchObject({ start: "2026-11-02", end: "2026-11-03", impactPercent: null, feedback: null });
    expect(describeRootCause(anomalies[0]!.rootCauses[0]!)).toBe("Amazon DynamoDB · us-east-1 · ReadRequestUnits · account 123456789012 ($18.00)");
  });
});

describe("unavailableReason", () => {
  const awsError = (name: string, message: string, status: number, attempts = 1) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts } });

  it("names Cost Explorer not being enabled", () => {
    expect(unavailableReason(awsError("AccessDeniedException", "User not enabled for cost explorer access", 400), "ce:GetCostAndUsage", false)).toMatch(/Cost Explorer is not enabled/);
  });

  it("names the IAM action on access denied", () => {
    expect(unavailableReason(awsError("AccessDeniedException", "User: arn:aws:iam::1:user/x is not authorized", 400), "ce:GetAnomalies", false)).toBe("access denied: the caller needs ce:GetAnomalies");
  });

  it("recognises an emulator that does not implement the operation", () => {
    const html = Object.assign(new SyntaxError("Unexpected token '<', \"<!doctype \"... is not valid JSON\n  Deserialization error: ..."), { $metadata: { httpStatusCode: 500, attempts: 5 } });
    expect(unavailableReason(html, "ce:GetCostForecast", true)).toBe("not implemented by the endpoint: ce:GetCostForecast answered HTTP 500 without an AWS error");
    // On real AWS a 5xx is a 5xx.
    expect(unavailableReason(html, "ce:GetCostForecast", false)).toBe("AWS answered HTTP 500 after 5 attempts: an unreadable error page");
  });

  it("passes on the cause of other errors on one line", () => {
    expect(unavailableReason(awsError("DataUnavailableException", "Insufficient amount of historical data\nto generate forecast", 400), "ce:GetCostForecast", false)).toBe(
      "no data: Insufficient amount of historical data",
    );
    expect(unavailableReason(awsError("LimitExceededException", "Rate exceeded", 400), "ce:GetCostAndUsage", false)).toBe("throttled by AWS after retries: Rate exceeded");
    expect(unavailableReason(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "ce:GetCostAndUsage", false)).toBe("endpoint unreachable (ECONNREFUSED)");
  });

  it("tells missing credentials apart", () => {
    expect(isCredentialsError(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }))).toBe(true);
    expect(isCredentialsError(awsError("AccessDeniedException", "no", 400))).toBe(false);
  });
});
