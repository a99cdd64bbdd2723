import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processAlive } from "../../src/system/process.js";
import { runCli } from "../helpers/cli.js";

/**
 * The README's main job: `noveli rehearse --local` from an empty state, on the embedded emulator
 * that noveli starts itself (in a private state folder), then stopped by `noveli local down`.
 */
let stateDir: string;
beforeAll(() => {
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-rehearse-"));
});
afterAll(async () => {
  await runCli(["local", "down"], { env: { NOVELI_STATE_DIR: stateDir } });
  rmSync(stateDir, { recursive: true, force: true });
});

interface RehearsalDoc {
  schemaVersion: number;
  env: string;
  target: string;
  passed: boolean;
  steps: { name: string; ok: boolean; seconds: number; detail: string }[];
  notRun: string[];
}

describe("noveli rehearse --local", { timeout: 900_000 }, () => {
  it("runs the whole runbook from nothing and leaves the emulator running", async () => {
    const result = await runCli(["rehearse", "--local", "--json"], { env: { NOVELI_STATE_DIR: stateDir } });
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as RehearsalDoc;
    expect(doc).toMatchObject({ schemaVersion: 1, env: "dev", passed: true, notRun: [] });
    expect(doc.target).toMatch(/^local emulator http:\/\/127\.0\.0\.1:\d+/);
    expect(doc.steps.map((s) => s.name)).toEqual(["deploy", "seed sample stories", "health-check idle", "switch-traffic", "health-check live", "dr-drill", "cost-report"]);
    for (const step of doc.steps) {
      expect(step.ok, `${step.name}: ${step.detail}`).toBe(true);
      expect(step.seconds).toBeGreaterThanOrEqual(0);
    }
    expect(doc.steps[0]?.detail).toMatch(/^applied to blue/);
    expect(doc.steps[1]?.detail).toMatch(/^600 sample beats written/);
    expect(doc.steps[2]?.detail).toMatch(/^healthy blue/);
    expect(doc.steps[3]?.detail).toMatch(/^unchanged: blue → blue/);
    // The drill verifies every seeded beat (the rehearsal's drill runs with no guard window, see
    // rehearse.ts) and excludes its own sentinels.
    expect(doc.steps[5]?.detail).toMatch(/^passed: 600\/600 items matched, RTO/);
    // The emulator has no spend: the rehearsal seeds two weeks of sample costs through moto's own
    // APIs, and the report shows them, labelled as sample data, free of request fees.
    expect(doc.steps[6]?.detail).toMatch(/^\d+\.\d{2} USD of sample data/);
    const report = result.stderr;
    expect(report).toMatch(/seeded sample cost data for \d{4}-\d{2}-\d{2} → \d{4}-\d{2}-\d{2}: spend, budget noveli-dev-monthly/);
    expect(report).toMatch(/SAMPLE DATA: figures seeded into this emulator by noveli rehearse \(.+\), not real spend/);
    expect(report).toMatch(/AWS Lambda\s+\$\d+\.\d{2}\s+\d+\.\d%\s+█+/);
    expect(report).toContain("Daily  █ AWS Lambda  ▓ Amazon DynamoDB  ▒ Amazon API Gateway  ░ other");
    expect(report.match(/^ {5}\d{4}-\d{2}-\d{2}\s+\$\d+\.\d{2}\s+█+▓+▒+░+/gm)).toHaveLength(14);
    expect(report).toMatch(/noveli-dev-monthly\s+limit \$50\.00\/monthly\s+actual \$\d+\.\d{2}/);
    expect(report).toMatch(/bedrock\s+\$\d+\.\d{2}\s+[\d,]+ tokens/);
    expect(report).toMatch(/stories: [\d,]+ · cost per story: \$\d+\.\d{2}/);
    // One GetCostAndUsage, and the forecast and anomalies requests moto answers with HTTP 500 (retried).
    expect(report).toMatch(/Cost Explorer requests: \d+ \(free on the emulator\)/);
    expect(report).not.toMatch(/✗/);
    // A report by hand over the same period reads the same sample, still labelled.
    const from = /seeded sample cost data for (\S+) →/.exec(report)?.[1] as string;
    const again = await runCli(["cost-report", "--local", "--from", from, "--json"], { env: { NOVELI_STATE_DIR: stateDir } });
    expect(again.exitCode, again.stderr).toBe(0);
    const costs = JSON.parse(again.stdout) as { sampleData: { seededBy: string } | null; daily: unknown[]; budgets: { name: string }[]; ai: { totalCostUsd: number | null } };
    expect(costs.sampleData).toMatchObject({ seededBy: "noveli rehearse" });
    expect(costs.daily).toHaveLength(14);
    expect(costs.budgets.map((b) => b.name)).toContain("noveli-dev-monthly");
    expect(costs.ai.totalCostUsd).toBeGreaterThan(0);

    const status = await runCli(["local", "status", "--json"], { env: { NOVELI_STATE_DIR: stateDir } });
    const emulator = JSON.parse(status.stdout) as { running: boolean; url: string; pid: number };
    expect(emulator.running).toBe(true);
    expect(processAlive(emulator.pid)).toBe(true);
  });

  it("a second rehearsal releases new code to the idle color and switches to it", async () => {
    const result = await runCli(["rehearse", "--local", "--json", "--release", "second"], { env: { NOVELI_STATE_DIR: stateDir } });
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as RehearsalDoc;
    expect(doc.steps[0]?.detail).toMatch(/to green/);
    expect(doc.steps[3]?.detail).toMatch(/^switched: blue → green/);
    expect(doc.steps[4]?.detail).toMatch(/^healthy green/);
    // 600 beats from each rehearsal.
    expect(doc.steps[5]?.detail).toMatch(/^passed: 1200\/1200 items matched, RTO/);
    // Seeding again replaces the sample budget and adds to the sample metrics.
    expect(doc.steps[6]?.detail).toMatch(/of sample data/);
  });

  it("--teardown destroys the environment at the end", async () => {
    const result = await runCli(["rehearse", "--local", "--teardown", "--release", "third"], { env: { NOVELI_STATE_DIR: stateDir } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✓ teardown\s+[\d.]+s\s+environment destroyed/);
    expect(result.stdout).toMatch(/rehearsal passed/);
    // Read the emulator's address here, not from the first test: if that one failed, this check
    // must still ask the local emulator, never the real AWS endpoint.
    const status = await runCli(["local", "status", "--json"], { env: { NOVELI_STATE_DIR: stateDir } });
    const emulator = JSON.parse(status.stdout) as { running: boolean; url: string };
    expect(emulator.running).toBe(true);
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    const tables = await new DynamoDBClient({ endpoint: emulator.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } }).send(new ListTablesCommand({}));
    // Only the account's bootstrap table is left: teardown never deletes it, nor the history in it.
    expect(tables.TableNames ?? []).toEqual(["noveli-ops"]);
    const history = await runCli(["history", "--local", "--json", "--limit", "200"], { env: { NOVELI_STATE_DIR: stateDir } });
    const records = (JSON.parse(history.stdout) as { records: { type: string; outcome: string }[] }).records;
    expect(records[0]).toMatchObject({ type: "teardown", outcome: "destroyed" });
    expect(records.filter((r) => r.type === "deploy" && r.outcome === "applied")).toHaveLength(3);
  });
});
