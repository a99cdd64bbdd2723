import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { markSampleCosts, sampleCostsMark } from "../../src/ops/cost/sample-data.js";
import { mergePages, summarizeSpend } from "../../src/ops/cost/spend.js";
import { sampleCostData } from "../../src/ops/rehearse/sample-costs.js";

describe("sampleCostData", () => {
  const data = sampleCostData({ from: "2026-11-18", to: "2026-12-01", env: "dev", today: "2026-12-01", monthlyBudgetUsd: 50 });

  it("is a daily Cost Explorer answer per service that the report reads like real spend", () => {
    expect(data.costAndUsage.ResultsByTime).toHaveLength(14);
    const spend = summarizeSpend(mergePages([data.costAndUsage], "UnblendedCost"), "service", "UnblendedCost");
    expect(spend.groups.map((g) => g.label)).toEqual(["AWS Lambda", "Amazon DynamoDB", "Amazon API Gateway", "Amazon CloudWatch", "AWS Key Management Service"]);
    expect(spend.total).toBeCloseTo(data.total, 2);
    expect(spend.days.map((d) => d.estimated)).toEqual([...Array(13).fill(false), true]); // today is open
    expect(new Set(spend.days.map((d) => d.amount)).size).toBeGreaterThan(5); // the chart has shape
  });

  it("is the same every time for the same days (no randomness)", () => {
    expect(sampleCostData({ from: "2026-11-18", to: "2026-12-01", env: "dev", today: "2026-12-01", monthlyBudgetUsd: 50 })).toEqual(data);
  });

  it("has the environment's budget and AI metrics in the namespaces the report reads", () => {
    expect(data.budget).toMatchObject({ name: "noveli-dev-monthly", limitUsd: 50 });
    expect(data.budget.actualUsd).toBeGreaterThan(0);
    expect(data.metrics.map((m) => m.namespace)).toEqual(["LiminalTransit/AIProviders", "LiminalTransit/StoryGeneration"]);
    const providers = new Set(data.metrics[0]?.data.map((d) => d.Dimensions.find((x) => x.Name === "Provider")?.Value));
    expect([...providers]).toEqual(["bedrock", "anthropic", "openai"]);
    expect(data.metrics.flatMap((m) => m.data).every((d) => d.Dimensions.some((x) => x.Name === "Environment" && x.Value === "dev"))).toBe(true);
  });
});

describe("sample data marks", () => {
  it("label an endpoint's reports; a restarted embedded emulator has none", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-sample-"));
    try {
      expect(sampleCostsMark(dir, "http://127.0.0.1:5000", "a")).toBeUndefined();
      markSampleCosts(dir, "http://127.0.0.1:5000", { seededBy: "noveli rehearse", seededAt: "2026-12-01T00:00:00.000Z", instanceId: "a" });
      markSampleCosts(dir, "http://127.0.0.1:6000", { seededBy: "noveli rehearse", seededAt: "2026-12-01T00:00:00.000Z", instanceId: null });
      expect(sampleCostsMark(dir, "http://127.0.0.1:5000", "a")).toMatchObject({ seededBy: "noveli rehearse" });
      expect(sampleCostsMark(dir, "http://127.0.0.1:5000", "b")).toBeUndefined();
      expect(sampleCostsMark(dir, "http://127.0.0.1:6000", null)).toBeDefined();
      expect(sampleCostsMark(dir, "http://127.0.0.1:7000", null)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
