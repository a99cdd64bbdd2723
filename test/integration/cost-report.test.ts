import { BudgetsClient, CreateBudgetCommand } from "@aws-sdk/client-budgets";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli, type CliRun } from "../helpers/cli.js";
import { resetMoto, startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";

/**
 * `noveli cost-report` against a moto server of its own. moto answers GetCostAndUsage from a
 * queue seeded through its API (each request body takes the next queued result, so the pages of
 * one paginated query are queued in order: page 2 is asked with page 1's NextPageToken, which
 * makes a new body). moto 5.2.1 does not implement GetCostForecast or GetAnomalies (HTTP 500
 * with an HTML page), which the report must list under `unavailable` while the rest prints.
 */

const ACCOUNT = "123456789012";
/** The SDK's maxAttempts (src/aws/clients.ts): moto's HTTP 500 is retried that many times. */
const SDK_ATTEMPTS = 5;

let moto: PrivateMoto;
let stateDir: string;

const day = (offset: number) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};
// A closed period of three days, all before today.
const D1 = day(-3);
const D2 = day(-2);
const D3 = day(-1);

const usd = (amount: string) => ({ UnblendedCost: { Amount: amount, Unit: "USD" } });
const group = (key: string, amount: string) => ({ Keys: [key], Metrics: usd(amount) });
const result = (start: string, end: string, groups: ReturnType<typeof group>[], estimated: boolean) => ({ TimePeriod: { Start: start, End: end }, Total: {}, Groups: groups, Estimated: estimated });

/** Three pages: D2's groups are split over pages 1 and 2; D3 is estimated (open billing period). */
const THREE_PAGES = [
  {
    ResultsByTime: [result(D1, D2, [group("AWS Lambda", "1.2500000000"), group("Amazon DynamoDB", "0.5000000000")], false), result(D2, D3, [group("AWS Lambda", "2.0000000000")], false)],
    NextPageToken: "page-2",
    DimensionValueAttributes: [],
  },
  {
    ResultsByTime: [result(D2, D3, [group("Amazon DynamoDB", "0.2500000000"), group("Amazon API Gateway", "0.1000000000")], false)],
    NextPageToken: "page-3",
    DimensionValueAttributes: [],
  },
  {
    ResultsByTime: [result(D3, day(0), [group("AWS Lambda", "3.0000000000"), group("Amazon DynamoDB", "0.4000000000")], true)],
    DimensionValueAttributes: [],
  },
];

async function seedCostAndUsage(results: object[]): Promise<void> {
  const response = await fetch(`${moto.url}/moto-api/static/ce/cost-and-usage-results`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ results }),
  });
  expect(response.status).toBe(201);
}

function sdkConfig() {
  return { region: "us-east-1", endpoint: moto.url, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
}

async function seedBudgets(): Promise<void> {
  const budgets = new BudgetsClient(sdkConfig());
  const create = (name: string, limit: string, actual: string, forecast: string) =>
    budgets.send(
      new CreateBudgetCommand({
        AccountId: ACCOUNT,
        Budget: {
          BudgetName: name,
          BudgetType: "COST",
          TimeUnit: "MONTHLY",
          BudgetLimit: { Amount: limit, Unit: "USD" },
          CalculatedSpend: { ActualSpend: { Amount: actual, Unit: "USD" }, ForecastedSpend: { Amount: forecast, Unit: "USD" } },
        },
      }),
    );
  try {
    await create("noveli-dev-monthly", "100", "85", "120");
    await create("noveli-production-monthly", "500", "100", "300");
    await create("other-team-monthly", "10", "50", "50");
  } finally {
    budgets.destroy();
  }
}

/** What the story-generator Lambda's EMF lines become in CloudWatch, on D2 at noon. */
async function seedAiMetrics(): Promise<void> {
  const cloudwatch = new CloudWatchClient(sdkConfig());
  const at = new Date(`${D2}T12:00:00Z`);
  const provider = (name: string, env: string, cost: number, tokens: number) => [
    { MetricName: "Cost", Dimensions: [{ Name: "Provider", Value: name }, { Name: "Environment", Value: env }], Value: cost, Unit: "None" as const, Timestamp: at },
    { MetricName: "TokenCount", Dimensions: [{ Name: "Provider", Value: name }, { Name: "Environment", Value: env }], Value: tokens, Unit: "Count" as const, Timestamp: at },
  ];
  try {
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "LiminalTransit/AIProviders",
        MetricData: [...provider("bedrock", "dev", 0.3, 1200), ...provider("bedrock", "dev", 0.2, 800), ...provider("openai", "dev", 0.1, 500), ...provider("openai", "production", 9, 90000)],
      }),
    );
    const story = (name: string, env: string, value: number) => ({ MetricName: name, Dimensions: [{ Name: "Environment", Value: env }], Value: value, Unit: "Count" as const, Timestamp: at });
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "LiminalTransit/StoryGeneration",
        MetricData: [story("StoriesStarted", "dev", 1), story("StoriesStarted", "dev", 1), story("StoriesStarted", "production", 1), story("TokensGenerated", "dev", 300), story("TokensGenerated", "dev", 200), story("TokensGenerated", "dev", 100)],
      }),
    );
  } finally {
    cloudwatch.destroy();
  }
}

function costReport(args: string[]): Promise<CliRun> {
  return runCli(["cost-report", "--endpoint-url", moto.url, ...args], { env: { NOVELI_STATE_DIR: stateDir } });
}

function json(run: CliRun): Record<string, any> {
  return JSON.parse(run.stdout) as Record<string, any>;
}

beforeAll(async () => {
  moto = await startPrivateMoto();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-cost-"));
});

afterAll(async () => {
  await moto?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await resetMoto(moto.url);
});

describe("noveli cost-report on the local emulator", () => {
  it("follows every NextPageToken and prints the table, with unavailable sections listed", async () => {
    await seedCostAndUsage(THREE_PAGES);
    await seedBudgets();
    await seedAiMetrics();
    const run = await costReport(["--env", "dev", "--from", D1, "--to", D3]);
    expect(run.stderr).not.toMatch(/unexpected error|at .*\.js:\d+/);
    expect(run.exitCode).toBe(0);
    const out = run.stdout;
    expect(out).toContain(`noveli cost report · ${D1} → ${D3}`);
    expect(out).toContain("tags Project=noveli, Environment=dev");
    // Totals from all three pages: Lambda 1.25 + 2 + 3, DynamoDB 0.5 + 0.25 + 0.4, API Gateway 0.1; 7.50 in all.
    expect(out).toMatch(/AWS Lambda\s+\$6\.25\s+83\.3%\s+█{28} ~/);
    expect(out).toMatch(/Amazon DynamoDB\s+\$1\.15\s+15\.3%\s+█{5}▏ ~/);
    expect(out).toMatch(/Amazon API Gateway\s+\$0\.10\s+1\.3%\s+▌$/m);
    expect(out).toMatch(/Total\s+\$7\.50\s+~ estimated/);
    // The day chart, labelled by each period's start date, stacked by service (█ Lambda, ▓ DynamoDB,
    // ▒ API Gateway, whose $0.10 is under half a column); the open day is flagged.
    expect(out).toContain("Daily  █ AWS Lambda  ▓ Amazon DynamoDB  ▒ Amazon API Gateway");
    expect(out).toMatch(new RegExp(`${D1}\\s+\\$1\\.75\\s+█{10}▓{4}$`, "m"));
    expect(out).toMatch(new RegExp(`${D2}\\s+\\$2\\.35\\s+█{16}▓{3}$`, "m"));
    expect(out).toMatch(new RegExp(`${D3}\\s+\\$3\\.40\\s+█{25}▓{3} ~`));
    // Budgets of this environment only, against the 80% / 100% thresholds.
    expect(out).toContain("noveli-dev-monthly  limit $100.00/monthly  actual $85.00 (85.0%, over 80%)  forecast $120.00 (120.0%, over budget)");
    expect(out).not.toContain("noveli-production-monthly");
    expect(out).not.toContain("other-team");
    // AI spend of dev only; 2 stories and 3 beats in dev.
    expect(out).toMatch(/bedrock\s+\$0\.50\s+2,000 tokens/);
    expect(out).toMatch(/openai\s+\$0\.10\s+500 tokens/);
    expect(out).toMatch(/total\s+\$0\.60\s+2,500 tokens/);
    expect(out).toContain("stories: 2 · cost per story: $0.30");
    expect(out).toContain("beats: 3 · cost per beat: $0.20");
    // moto has no anomalies API; the closed period needs no forecast.
    // ...which is shown neutrally, as what the emulator lacks, not as a failure.
    expect(out).toContain("  not available on the emulator (ce:GetAnomalies is not implemented there)");
    expect(run.stderr).toContain("– Reading cost anomalies: not available on the emulator (");
    expect(run.stderr).not.toContain("✗ Reading cost anomalies");
    expect(out).toContain("n/a: the period ends before today");
    // dev is not deployed on this emulator: no configured budget, so no gate.
    expect(out).toMatch(/budget-gate: no --budget given and environment dev's configured budget is unknown: environment dev is not deployed/);
    // An emulator bills nothing: the request count, no fee.
    expect(out).toContain(`Cost Explorer requests: ${3 + SDK_ATTEMPTS} (free on the emulator)`);
  });

  it("prints the documented --json document", async () => {
    await seedCostAndUsage(THREE_PAGES);
    await seedBudgets();
    await seedAiMetrics();
    const run = await costReport(["--env", "dev", "--from", D1, "--to", D3, "--json"]);
    expect(run.exitCode).toBe(0);
    const doc = json(run);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      command: "cost-report",
      period: { from: D1, to: D3 },
      granularity: "daily",
      groupBy: "service",
      filter: { tags: { Project: "noveli", Environment: "dev" } },
      currency: "USD",
      total: 7.5,
      estimated: true,
      byEnvironment: null,
      forecast: null,
      anomalies: [],
      budgetGate: null,
      requests: { costExplorer: 3 + SDK_ATTEMPTS, estimatedCostUsd: 0, billed: false },
    });
    expect(doc.byService).toEqual([
      { service: "AWS Lambda", amount: 6.25, estimated: true },
      { service: "Amazon DynamoDB", amount: 1.15, estimated: true },
      { service: "Amazon API Gateway", amount: 0.1, estimated: false },
    ]);
    expect(doc.daily).toEqual([
      { date: D1, amount: 1.75, estimated: false },
      { date: D2, amount: 2.35, estimated: false },
      { date: D3, amount: 3.4, estimated: true },
    ]);
    expect(doc.budgets).toEqual([
      expect.objectContaining({ name: "noveli-dev-monthly", limit: 100, actual: 85, forecast: 120, percent: 85, forecastPercent: 120, status: "warning", forecastStatus: "over" }),
    ]);
    expect(doc.ai.byProvider).toEqual([
      { provider: "bedrock", costUsd: 0.5, tokens: 2000 },
      { provider: "openai", costUsd: 0.1, tokens: 500 },
    ]);
    expect(doc.ai).toMatchObject({ totalCostUsd: 0.6, stories: { count: 2, costPerStoryUsd: 0.3 }, beats: { count: 3, costPerBeatUsd: 0.2 } });
    expect(doc.unavailable.map((u: { section: string }) => u.section).sort()).toEqual(["anomalies", "budget-gate", "forecast"]);
    for (const entry of doc.unavailable) expect(entry.reason).not.toContain("\n");
    // Only the JSON document on stdout; progress went to stderr.
    expect(run.stderr).toContain("Reading spend from Cost Explorer");
  });

  it("reads the whole project without --env: every environment's AI spend and noveli budget", async () => {
    await seedCostAndUsage(THREE_PAGES);
    await seedBudgets();
    await seedAiMetrics();
    const doc = json(await costReport(["--from", D1, "--to", D3, "--json"]));
    expect(doc.filter).toEqual({ tags: { Project: "noveli" } });
    expect(doc.budgets.map((b: { name: string }) => b.name)).toEqual(["noveli-dev-monthly", "noveli-production-monthly"]);
    expect(doc.ai.byProvider).toEqual([
      { provider: "openai", costUsd: 9.1, tokens: 90500 },
      { provider: "bedrock", costUsd: 0.5, tokens: 2000 },
    ]);
    expect(doc.ai.stories.count).toBe(3);
    // Without --env there is no configured budget to look up.
    expect(doc.unavailable.map((u: { section: string }) => u.section).sort()).toEqual(["anomalies", "forecast"]);
  });

  it("writes CSV and Markdown", async () => {
    await seedCostAndUsage(THREE_PAGES);
    const csv = await costReport(["--from", D1, "--to", D3, "--format", "csv"]);
    expect(csv.exitCode).toBe(0);
    const rows = csv.stdout.trimEnd().split("\n");
    expect(rows[0]).toBe("section,name,date,amount,currency,estimated,note");
    expect(rows).toContain("service,AWS Lambda,,6.25,USD,true,");
    expect(rows).toContain(`day,,${D3},3.4,USD,true,`);
    expect(rows).toContain("total,,,7.5,USD,true,");
    expect(rows).toContain(`requests,cost-explorer,,${3 + SDK_ATTEMPTS},,,free on the emulator`);
    expect(rows.some((r) => r.startsWith("unavailable,anomalies,,,,,not available on the emulator"))).toBe(true);

    // The same query again: moto answers a repeated request body with the same result.
    const md = await costReport(["--from", D1, "--to", D3, "--format", "markdown"]);
    expect(md.exitCode).toBe(0);
    expect(md.stdout).toContain(`## noveli cost report: ${D1} to ${D3}`);
    expect(md.stdout).toContain("| AWS Lambda | $6.25 ~ | 83.3% |");
    expect(md.stdout).toContain(`| ${D2} | $2.35 |  |`);
    expect(md.stdout).toContain("- **anomalies**: not available on the emulator");

    const asJson = await costReport(["--from", D1, "--to", D3, "--format", "json"]);
    expect(json(asJson)).toMatchObject({ schemaVersion: 1, total: 7.5 });
  });

  it("reports an empty period as zero spend, not as an error", async () => {
    await seedCostAndUsage([{ ResultsByTime: [], DimensionValueAttributes: [] }]);
    const run = await costReport(["--from", D1, "--to", D3]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("no spend recorded for Project=noveli in this period");
    const doc = json(await costReport(["--from", D1, "--to", D3, "--json"]));
    expect(doc).toMatchObject({ total: 0, estimated: false, byService: [], daily: [] });
    expect(doc.unavailable.map((u: { section: string }) => u.section)).not.toContain("spend");
    // Nothing published: the AI figures are unknown, not zero.
    expect(doc.ai).toMatchObject({ byProvider: [], totalCostUsd: null, stories: { count: null } });
  });

  it("month to date by default: the forecast is listed as unavailable on moto, the rest prints", async () => {
    const today = day(0);
    const first = `${today.slice(0, 7)}-01`;
    await seedCostAndUsage([{ ResultsByTime: [result(first, day(1), [group("AWS Lambda", "2.5")], true)], DimensionValueAttributes: [] }]);
    const run = await costReport(["--json"]);
    expect(run.exitCode).toBe(0);
    const doc = json(run);
    expect(doc.period).toEqual({ from: first, to: today });
    expect(doc.total).toBe(2.5);
    expect(doc.forecast).toBeNull();
    const reasons = Object.fromEntries(doc.unavailable.map((u: { section: string; reason: string }) => [u.section, u.reason]));
    expect(reasons.forecast).toBe("not available on the emulator (ce:GetCostForecast is not implemented there)");
    expect(reasons.anomalies).toBe("not available on the emulator (ce:GetAnomalies is not implemented there)");
    expect(doc.unavailable.filter((u: { emulatorGap?: boolean }) => u.emulatorGap).map((u: { section: string }) => u.section).sort()).toEqual(["anomalies", "forecast"]);
    expect(doc.requests.costExplorer).toBe(1 + SDK_ATTEMPTS + SDK_ATTEMPTS);
  });

  it("groups by the Environment tag with untagged spend on its own line", async () => {
    await seedCostAndUsage([
      { ResultsByTime: [result(D1, D2, [group("Environment$dev", "3"), group("Environment$production", "10"), group("Environment$", "1.5")], false)], DimensionValueAttributes: [] },
    ]);
    const run = await costReport(["--from", D1, "--to", D1, "--group-by", "env", "--json"]);
    expect(run.exitCode).toBe(0);
    const doc = json(run);
    expect(doc.byService).toBeNull();
    expect(doc.byEnvironment).toEqual([
      { environment: "production", label: "production", amount: 10, estimated: false, untagged: false },
      { environment: "dev", label: "dev", amount: 3, estimated: false, untagged: false },
      { environment: null, label: "(untagged)", amount: 1.5, estimated: false, untagged: true },
    ]);
    expect(doc.total).toBe(14.5);
  });

  describe("budget gate", () => {
    beforeEach(async () => {
      await seedCostAndUsage([{ ResultsByTime: [result(D1, D2, [group("AWS Lambda", "80")], false), result(D2, D3, [group("AWS Lambda", "40")], false)], DimensionValueAttributes: [] }]);
    });

    it("exits 1 when the actual spend is over the budget, after printing the whole report", async () => {
      const run = await costReport(["--from", D1, "--to", D2, "--budget", "100", "--json"]);
      expect(run.exitCode).toBe(1);
      const doc = json(run);
      expect(doc.total).toBe(120);
      expect(doc.budgetGate).toMatchObject({ limit: 100, source: "--budget", actual: 120, actualPercent: 120, verdict: "over" });
      expect(run.stderr).toContain("error: over budget: actual spend $120.00 is 120.0% of $100.00");
    });

    it("exits 0 under the budget", async () => {
      const run = await costReport(["--from", D1, "--to", D2, "--budget", "150"]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain("✓ Budget gate $150.00 (--budget): within budget: actual 80.0%, no forecast available, gated on actual spend only");
    });
  });

  describe("budget gate on the environment's configured budget", () => {
    /** Terraform state of a deployed dev environment on this endpoint: its outputs name the budget. */
    async function writeDeployedState(): Promise<void> {
      // The state object in the emulator's state bucket, where deploy keeps it on every target.
      const bootstrapped = await runCli(["bootstrap", "--endpoint-url", moto.url], { env: { NOVELI_STATE_DIR: stateDir } });
      expect(bootstrapped.exitCode, bootstrapped.stderr).toBe(0);
      const out = (value: unknown) => ({ value, type: "string" });
      const colors = { blue: "blue", green: "green" };
      const s3 = new S3Client({ endpoint: moto.url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
      await s3.send(new PutObjectCommand({
        Bucket: "noveli-tfstate-123456789012-us-east-1",
        Key: "noveli/dev/terraform.tfstate",
        Body: JSON.stringify({
          version: 4,
          outputs: {
            environment: out("dev"),
            region: out("us-east-1"),
            api_id: out("abc123"),
            live_stage_name: out("live"),
            color_stage_names: out(colors),
            stage_invoke_urls: out({ live: "http://x/live", blue: "http://x/blue", green: "http://x/green" }),
            function_name: out("noveli-dev-story-generator"),
            alias_names: out(colors),
            alias_versions: out({ blue: "1", green: "2" }),
            provider_secret_name: out("noveli-dev-providers"),
            table_name: out("noveli-dev-story-sessions"),
            table_arn: out("arn:aws:dynamodb:us-east-1:123456789012:table/noveli-dev-story-sessions"),
            kms_key_arn: out("arn:aws:kms:us-east-1:123456789012:key/k"),
            alarm_names: out([]),
            sns_topic_arn: out("arn:aws:sns:us-east-1:123456789012:noveli-dev-alarms"),
            dashboard_name: out("noveli-dev"),
            backup_table_name: out(null),
            backup_region: out(null),
            budget_name: out("noveli-dev-monthly"),
            monthly_budget_usd: out(100),
          },
        }),
      }));
      s3.destroy();
    }

    beforeEach(async () => {
      // Actual spend 50 of the configured 100: within; the gate then turns on the forecast.
      await seedCostAndUsage([{ ResultsByTime: [result(D1, D2, [group("AWS Lambda", "50")], false)], DimensionValueAttributes: [] }]);
      await writeDeployedState();
    });

    it("exits 1 when only the forecast is over (from the configured AWS budget, as moto cannot forecast)", async () => {
      await seedBudgets(); // noveli-dev-monthly: forecast 120 of 100
      const run = await costReport(["--env", "dev", "--from", D1, "--to", D1, "--json"]);
      expect(run.exitCode).toBe(1);
      const doc = json(run);
      expect(doc.budgetGate).toMatchObject({
        limit: 100,
        source: "terraform output monthly_budget_usd of dev",
        actual: 50,
        actualPercent: 50,
        forecast: 120,
        forecastPercent: 120,
        forecastSource: "AWS Budgets noveli-dev-monthly forecasted spend",
        verdict: "over",
      });
      expect(doc.budgets[0]).toMatchObject({ name: "noveli-dev-monthly", configured: true });
      expect(doc.unavailable.map((u: { section: string }) => u.section)).not.toContain("budget-gate");
      expect(run.stderr).toContain("error: over budget: forecast $120.00 is 120.0% of $100.00");
    });

    it("exits 0 when actual and forecast are both within the configured budget", async () => {
      const budgets = new BudgetsClient(sdkConfig());
      try {
        await budgets.send(
          new CreateBudgetCommand({
            AccountId: ACCOUNT,
            Budget: {
              BudgetName: "noveli-dev-monthly",
              BudgetType: "COST",
              TimeUnit: "MONTHLY",
              BudgetLimit: { Amount: "100", Unit: "USD" },
              CalculatedSpend: { ActualSpend: { Amount: "50", Unit: "USD" }, ForecastedSpend: { Amount: "95", Unit: "USD" } },
            },
          }),
        );
      } finally {
        budgets.destroy();
      }
      const run = await costReport(["--env", "dev", "--from", D1, "--to", D1]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain("✓ Budget gate $100.00 (terraform output monthly_budget_usd of dev): within budget: actual 50.0%, forecast 95.0%");
    });

    it("--budget wins over the configured budget", async () => {
      await seedBudgets();
      const run = await costReport(["--env", "dev", "--from", D1, "--to", D1, "--budget", "40", "--json"]);
      expect(run.exitCode).toBe(1);
      expect(json(run).budgetGate).toMatchObject({ limit: 40, source: "--budget", actual: 50, verdict: "over" });
    });
  });

  it("refuses bad flags with a one-line usage error and exit 2, before any request", async () => {
    const cases: [string[], RegExp][] = [
      [["--from", "2026-13-01"], /--from "2026-13-01" is not a calendar date/],
      [["--from", D3, "--to", D1], new RegExp(`--from ${D3} is after --to ${D1}`)],
      // Choices declared with commander: its message names the flag and the allowed values.
      [["--granularity", "hourly"], /--granularity <granularity>' argument 'hourly' is invalid. Allowed choices are daily, monthly/],
      [["--group-by", "region"], /--group-by <group>' argument 'region' is invalid. Allowed choices are service, env/],
      [["--format", "xml"], /--format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv, markdown/],
      [["--json", "--format", "csv"], /--json prints JSON/],
      [["--budget", "lots"], /--budget must be a positive amount in USD/],
    ];
    for (const [args, message] of cases) {
      const run = await costReport(args);
      expect(run.exitCode, args.join(" ")).toBe(2);
      const errorLines = run.stderr.split("\n").filter((l) => l.startsWith("error:"));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(message);
      expect(run.stderr).not.toContain("Reading spend");
    }
  });
});
