import type { Environment } from "../../core/environment.js";
import { addDays } from "../cost/period.js";
import { COST_METRIC } from "../cost/query.js";

/**
 * Pure: sample cost data for an emulator, so a rehearsal's cost report has something to show:
 * daily spend per service (a Cost Explorer GetCostAndUsage answer, queued through moto's own
 * static-results API), the environment's monthly budget with its spend, and the story
 * generator's AI provider metrics. Figures are made up but steady (a function of the day), and
 * everything is labelled sample data wherever the report shows it.
 */

/** Daily base figures per service, in USD. */
const SERVICES: [service: string, base: number][] = [
  ["AWS Lambda", 1.8],
  ["Amazon DynamoDB", 0.9],
  ["Amazon API Gateway", 0.6],
  ["Amazon CloudWatch", 0.35],
  ["AWS Key Management Service", 0.1],
];

const PROVIDERS: [provider: string, costPerDay: number, tokensPerDay: number][] = [
  ["bedrock", 0.42, 61_000],
  ["anthropic", 0.27, 23_500],
  ["openai", 0.11, 9_800],
];

/** A steady wobble per day and service, so the chart has shape; no randomness. */
const wobble = (day: number, salt: number) => 0.75 + 0.5 * Math.abs(Math.sin(day * 1.7 + salt));
const cents = (value: number) => Math.round(value * 100) / 100;

export interface SampleCostData {
  /** One queued GetCostAndUsage answer (daily, grouped by SERVICE) for from..to. */
  costAndUsage: { ResultsByTime: object[]; DimensionValueAttributes: [] };
  total: number;
  budget: { name: string; limitUsd: number; actualUsd: number; forecastUsd: number };
  metrics: { namespace: string; data: { MetricName: string; Dimensions: { Name: string; Value: string }[]; Value: number; Unit: "None" | "Count"; Timestamp: Date }[] }[];
}

export function sampleCostData(input: { from: string; to: string; env: Environment; today: string; monthlyBudgetUsd: number }): SampleCostData {
  const days: string[] = [];
  for (let day = input.from; day <= input.to; day = addDays(day, 1)) days.push(day);
  let total = 0;
  let monthToDate = 0;
  const results = days.map((day, i) => {
    const groups = SERVICES.map(([service, base], s) => {
      const amount = cents(base * wobble(i, s));
      total += amount;
      if (day.slice(0, 7) === input.today.slice(0, 7)) monthToDate += amount;
      return { Keys: [service], Metrics: { [COST_METRIC]: { Amount: amount.toFixed(2), Unit: "USD" } } };
    });
    return { TimePeriod: { Start: day, End: addDays(day, 1) }, Total: {}, Groups: groups, Estimated: day === input.today };
  });
  const daysInMonth = new Date(Date.UTC(Number(input.today.slice(0, 4)), Number(input.today.slice(5, 7)), 0)).getUTCDate();
  const dayOfMonth = Number(input.today.slice(8, 10));
  const provider = (day: number) =>
    PROVIDERS.flatMap(([name, cost, tokens], p) => {
      const dimensions = [
        { Name: "Provider", Value: name },
        { Name: "Environment", Value: input.env },
      ];
      const timestamp = new Date(`${days[day]}T12:00:00Z`);
      return [
        { MetricName: "Cost", Dimensions: dimensions, Value: cents(cost * wobble(day, p + 10)), Unit: "None" as const, Timestamp: timestamp },
        { MetricName: "TokenCount", Dimensions: dimensions, Value: Math.round(tokens * wobble(day, p + 10)), Unit: "Count" as const, Timestamp: timestamp },
      ];
    });
  const story = (day: number) => {
    const dimensions = [{ Name: "Environment", Value: input.env }];
    const timestamp = new Date(`${days[day]}T12:00:00Z`);
    const stories = Math.round(40 * wobble(day, 20));
    return [
      { MetricName: "StoriesStarted", Dimensions: dimensions, Value: stories, Unit: "Count" as const, Timestamp: timestamp },
      // One TokensGenerated sample per beat: a few beats a day keep the request small.
      ...Array.from({ length: 3 }, () => ({ MetricName: "TokensGenerated", Dimensions: dimensions, Value: 420, Unit: "Count" as const, Timestamp: timestamp })),
    ];
  };
  const indexes = days.map((_, i) => i);
  return {
    costAndUsage: { ResultsByTime: results, DimensionValueAttributes: [] },
    total: cents(total),
    budget: {
      name: `noveli-${input.env}-monthly`,
      limitUsd: input.monthlyBudgetUsd,
      actualUsd: cents(monthToDate),
      forecastUsd: cents((monthToDate / Math.max(1, dayOfMonth)) * daysInMonth),
    },
    metrics: [
      { namespace: "LiminalTransit/AIProviders", data: indexes.flatMap(provider) },
      { namespace: "LiminalTransit/StoryGeneration", data: indexes.flatMap(story) },
    ],
  };
}
