import { APIGatewayClient, GetStageCommand } from "@aws-sdk/client-api-gateway";
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { execa } from "execa";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noveliBin, repoRoot, runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";

/**
 * The canary analysis on the emulator after a real deploy (real terraform, the built CLI): during
 * `switch-traffic --watch`, the test puts AWS/Lambda figures per alias with PutMetricData, as
 * Lambda itself would, into the window the CLI announces. Errors on the new color only roll back
 * (exit 3) while every alarm stays quiet; the same low error rate on both colors does not.
 *
 * What moto does not exercise: percentiles (it answers no p95, and a p95 query fails its whole
 * GetMetricData), so the p95 row reads "inconclusive" here and is covered by the unit tests of the
 * verdict; canary steps (moto ignores API Gateway canary settings), covered by the shift's unit tests.
 */
let moto: PrivateMoto;
let stateDir: string;
let functionName: string;

beforeAll(async () => {
  moto = await startPrivateMoto();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-canary-analysis-"));
});
afterAll(async () => {
  await moto?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const aws = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
const noveli = (args: string[]) => runCli([...args, "--endpoint-url", moto.url, "--env", "dev"], { env: { NOVELI_STATE_DIR: stateDir } });
const FAST_GATE = ["--health-interval", "0s"];

interface Check {
  metric: string;
  new: number | null;
  old: number | null;
  verdict: string;
}
interface SwitchDoc {
  from: string;
  to: string;
  result: string;
  reason: string;
  analysis?: Record<string, unknown>;
  steps: {
    name: string;
    status: string;
    detail: string;
    evidence?: { kind: string; failures?: number };
    analysis?: { result: string; windowStart: string; analyses: { figures: { new: Record<string, number>; old: Record<string, number> }; verdict: { verdict: string; checks: Check[] } }[] };
  }[];
}

async function liveColor(): Promise<string | undefined> {
  const outputs = JSON.parse((await noveli(["status", "--json"])).stdout) as { live: { color: string } };
  return outputs.live.color;
}

async function stageDeployment(apiId: string, stageName: string): Promise<string | undefined> {
  const stage = await new APIGatewayClient(aws()).send(new GetStageCommand({ restApiId: apiId, stageName }));
  return stage.variables?.deployment;
}

/** Starts a switch and resolves with the window start it announces on stderr, and the finished run. */
function startSwitch(args: string[]) {
  const running = execa(process.execPath, [noveliBin, ...args, "--endpoint-url", moto.url, "--env", "dev"], {
    env: { AWS_ENDPOINT_URL: undefined, NOVELI_ENV: undefined, CI: "true", NO_COLOR: "1", NOVELI_STATE_DIR: stateDir },
    extendEnv: true,
    cwd: repoRoot,
    reject: false,
    timeout: 300_000,
  });
  const windowStart = new Promise<number>((resolve, reject) => {
    let seen = "";
    running.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /canary analysis of \w+ against \w+ over the window from (\d\d:\d\d:\d\d) UTC/.exec(seen);
      if (match) resolve(Date.parse(`${new Date().toISOString().slice(0, 10)}T${match[1]}Z`));
    });
    running.then(() => reject(new Error(`the switch ended without announcing its analysis window:\n${seen}`)), reject);
  });
  return { running, windowStart };
}

/** What Lambda publishes per alias each minute, put by the test at one instant of the window. */
async function putAliasFigures(at: Date, figures: Record<string, { invocations: number; errors: number }>): Promise<void> {
  const cloudwatch = new CloudWatchClient(aws());
  try {
    const data = Object.entries(figures).flatMap(([color, f]) => {
      const dimensions = [
        { Name: "FunctionName", Value: functionName },
        { Name: "Resource", Value: `${functionName}:${color}` },
      ];
      return [
        { MetricName: "Invocations", Dimensions: dimensions, Value: f.invocations, Unit: "Count" as const, Timestamp: at },
        { MetricName: "Errors", Dimensions: dimensions, Value: f.errors, Unit: "Count" as const, Timestamp: at },
      ];
    });
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: "AWS/Lambda", MetricData: data }));
    // Datapoints from before the window: they must never count.
    const before = new Date(at.getTime() - 90_000);
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: "AWS/Lambda", MetricData: data.map((d) => ({ ...d, Timestamp: before, Value: 1_000 })) }));
  } finally {
    cloudwatch.destroy();
  }
}

async function alarmStates(): Promise<Record<string, string>> {
  const cloudwatch = new CloudWatchClient(aws());
  try {
    const page = await cloudwatch.send(new DescribeAlarmsCommand({}));
    return Object.fromEntries((page.MetricAlarms ?? []).map((a) => [a.AlarmName as string, a.StateValue as string]));
  } finally {
    cloudwatch.destroy();
  }
}

/** The newest switch or rollback in the environment's shared history (the emulator's operations table). */
async function lastHistory(): Promise<Record<string, unknown>> {
  const result = await noveli(["history", "--json", "--limit", "50"]);
  expect(result.exitCode, result.stderr).toBe(0);
  const records = (JSON.parse(result.stdout) as { records: Record<string, unknown>[] }).records;
  return records.find((r) => r.type === "switch" || r.type === "rollback") ?? {};
}

describe("canary analysis on the emulator (real deploy, metrics put during --watch)", () => {
  let outputs: { apiId: string; liveStageName: string; functionName: string; alarmNames: string[]; colorAlarmNames: Record<string, string[]> };

  it("deploys; the per-color alarms exist beside the environment-wide ones", { timeout: 900_000 }, async () => {
    const result = await noveli(["deploy", "--json", "--release", "1.0.0"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { outputs: Record<string, unknown> };
    outputs = doc.outputs as typeof outputs;
    functionName = outputs.functionName;
    expect(outputs.colorAlarmNames).toEqual({
      blue: [`noveli-dev-blue-error-rate`, `noveli-dev-blue-duration-p95`],
      green: [`noveli-dev-green-error-rate`, `noveli-dev-green-duration-p95`],
    });
    const states = await alarmStates();
    for (const name of [...outputs.colorAlarmNames.blue!, ...outputs.colorAlarmNames.green!]) expect(outputs.alarmNames).toContain(name);
    for (const name of outputs.alarmNames) expect(states[name], name).toBeDefined();
  });

  it("errors on the new color only, above the threshold, roll back with exit 3 while no alarm fires", { timeout: 300_000 }, async () => {
    const { running, windowStart } = startSwitch(["switch-traffic", "green", "--json", "--watch", "70s", "--poll-interval", "1s", "--min-requests", "20", ...FAST_GATE]);
    const start = await windowStart;
    await putAliasFigures(new Date(start + 2_000), { green: { invocations: 60, errors: 9 }, blue: { invocations: 60, errors: 0 } });
    const result = await running;
    expect(result.exitCode, String(result.stderr)).toBe(3);
    const doc = JSON.parse(String(result.stdout)) as SwitchDoc;
    expect(doc).toMatchObject({ from: "blue", to: "green", result: "rolled-back" });
    expect(doc.reason).toMatch(/^canary analysis of green against blue failed: error-rate: error rate 15% > 1%, old 0% \(9\/60 vs 0\/60\) \(a failed verdict: failure 1 of limit 1\); live traffic is back on blue/);
    expect(doc.analysis).toMatchObject({ mode: "on", maxErrorRate: 0.01, minRequests: 20, failureLimit: 1 });
    const watch = doc.steps.find((s) => s.name === "watch");
    expect(watch).toMatchObject({ status: "failed", evidence: { kind: "analysis", failures: 1 } });
    // Where traffic lands can only be probed on real AWS: the emulator says so.
    expect(doc.steps.find((s) => s.name === "propagation")).toMatchObject({ status: "skipped", detail: expect.stringMatching(/^not available on an emulator endpoint: /) });
    const last = watch?.analysis?.analyses.at(-1);
    // Only the window's own datapoints: the 1000s put 90 s before it never count.
    expect(last?.figures).toMatchObject({ new: { invocations: 60, errors: 9 }, old: { invocations: 60, errors: 0 } });
    expect(Object.fromEntries((last?.verdict.checks ?? []).map((c) => [c.metric, c.verdict]))).toEqual({ requests: "pass", "error-rate": "fail", throttles: "pass", "p95-duration": "inconclusive", "generation-failures": "inconclusive" });
    expect(await stageDeployment(outputs.apiId, outputs.liveStageName)).toBe("blue");
    // No alarm fired: the analysis saw what the alarms could not.
    const states = await alarmStates();
    expect(Object.entries(states).filter(([, state]) => state === "ALARM")).toEqual([]);
    const record = (await lastHistory());
    expect(record).toMatchObject({ type: "switch", outcome: "rolled-back", evidence: { kind: "analysis", verdict: { verdict: "fail" } }, analysis: { mode: "on" } });
    expect(String(result.stderr)).toMatch(/rolled back: canary analysis of green against blue failed: error-rate/);
  });

  it("the same low error rate on both colors does not roll back; the human output shows the verdict table", { timeout: 300_000 }, async () => {
    const { running, windowStart } = startSwitch(["switch-traffic", "green", "--watch", "70s", "--poll-interval", "1s", ...FAST_GATE]);
    const start = await windowStart;
    await putAliasFigures(new Date(start + 2_000), { green: { invocations: 200, errors: 1 }, blue: { invocations: 200, errors: 1 } });
    const result = await running;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toMatch(/✓ dev: live traffic moved from blue to green; watched 1m10s: no alarm, green healthy, canary analysis passed/);
    expect(String(result.stdout)).toMatch(/metric\s+green \(new\)\s+blue \(old\)\s+threshold\s+verdict/);
    expect(String(result.stdout)).toMatch(/error-rate\s+0\.5%\s+0\.5%\s+≤ 1%\s+pass/);
    expect(String(result.stdout)).toMatch(/requests\s+200\s+200\s+≥ 20\s+pass/);
    expect(await liveColor()).toBe("green");
    expect((await lastHistory())).toMatchObject({ type: "switch", outcome: "switched", steps: expect.arrayContaining([expect.objectContaining({ name: "watch", analysis: expect.objectContaining({ result: "passed" }) })]) });
  });

  it("--require-traffic fails a watch that saw too few requests; --skip-analysis is the recorded bypass", { timeout: 300_000 }, async () => {
    // The window opens at the next whole minute; a 2 s watch (and its one extra interval) ends before it.
    const required = await noveli(["switch-traffic", "blue", "--json", "--watch", "2s", "--poll-interval", "1s", "--require-traffic", ...FAST_GATE]);
    expect(required.exitCode, required.stderr).toBe(3);
    expect((JSON.parse(required.stdout) as SwitchDoc).reason).toMatch(/canary analysis inconclusive: .*\(too few requests \(--require-traffic\): failure 1 of limit 1\); live traffic is back on green/);

    const skipped = await noveli(["switch-traffic", "blue", "--json", "--watch", "2s", "--poll-interval", "1s", "--skip-analysis", ...FAST_GATE]);
    expect(skipped.exitCode, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/canary analysis skipped \(--skip-analysis\)/);
    const doc = JSON.parse(skipped.stdout) as SwitchDoc;
    expect(doc.analysis).toEqual({ mode: "skipped" });
    expect(doc.steps.find((s) => s.name === "watch")?.analysis).toBeUndefined();
    expect((await lastHistory())).toMatchObject({ type: "switch", outcome: "switched", analysis: { mode: "skipped" } });

    const usage = await noveli(["switch-traffic", "green", "--skip-analysis", "--max-error-rate", "2%", "--watch", "1s"]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/--skip-analysis turns the canary analysis off: drop --max-error-rate/);
  });
});
