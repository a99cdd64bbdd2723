import { APIGatewayClient, GetStageCommand } from "@aws-sdk/client-api-gateway";
import { CloudWatchClient, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { AdminGetUserCommand, CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { GetFunctionConfigurationCommand, LambdaClient, UpdateAliasCommand } from "@aws-sdk/client-lambda";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { execa } from "execa";
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noveliBin, repoRoot, runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { startOpenAiServer, type ProviderServer } from "../helpers/provider-servers.js";

/**
 * Blue-green end to end through the built CLI: real terraform deploys the project's module to a
 * moto server of this file's own; health checks run the deployed zip in the local Lambda runner
 * against moto's DynamoDB; switches change moto's API Gateway stage and are read back.
 */
let moto: PrivateMoto;
let openai: ProviderServer;
let stateDir: string;

beforeAll(async () => {
  moto = await startPrivateMoto();
  openai = await startOpenAiServer();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-blue-green-"));
});
afterAll(async () => {
  await moto?.stop();
  await openai?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const cliEnv = () => ({ NOVELI_STATE_DIR: stateDir });
const STATE_BUCKET = "noveli-tfstate-123456789012-us-east-1";
const noveli = (args: string[]) => runCli([...args, "--endpoint-url", moto.url, "--env", "dev"], { env: cliEnv() });
const json = <T = Record<string, unknown>>(stdout: string): T => JSON.parse(stdout) as T;

const aws = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });

interface Outputs {
  eventRuleName: string;
  apiId: string;
  liveStageName: string;
  functionName: string;
  aliasVersions: Record<string, string>;
}
interface DeployDoc {
  color: string;
  applied: boolean;
  lambdaVersion: string;
  codeSha256: string;
  version: string;
  outputs: Outputs;
}
interface HealthDoc {
  schemaVersion: number;
  env: string;
  color: string;
  healthy: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
  p50Ms: number;
  p95Ms: number;
  version: string | null;
  codeSha256: string | null;
}
interface SwitchDoc {
  schemaVersion: number;
  env: string;
  from: string | null;
  to: string | null;
  steps: { name: string; status?: string; patchOperations?: { op: string; path: string; value?: string }[]; evidence?: Record<string, unknown> }[];
  result: string;
  reason: string;
}

let outputs: Outputs;
let firstDeploy: DeployDoc;
let secondDeploy: DeployDoc;

async function liveStage(): Promise<{ deployment?: string; canary: boolean }> {
  const stage = await new APIGatewayClient(aws()).send(new GetStageCommand({ restApiId: outputs.apiId, stageName: outputs.liveStageName }));
  return { deployment: stage.variables?.deployment, canary: stage.canarySettings !== undefined };
}

async function setAlarm(name: string, state: "ALARM" | "OK", reason: string): Promise<void> {
  await new CloudWatchClient(aws()).send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
}

async function waitForLive(color: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await liveStage()).deployment !== color) {
    if (Date.now() > deadline) throw new Error(`live never became ${color}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The alias the story-events rule delivers to (the qualifier of its target's ARN). */
async function eventsColor(): Promise<string | undefined> {
  const { EventBridgeClient, ListTargetsByRuleCommand } = await import("@aws-sdk/client-eventbridge");
  const targets = await new EventBridgeClient(aws()).send(new ListTargetsByRuleCommand({ Rule: outputs.eventRuleName }));
  return targets.Targets?.[0]?.Arn?.split(":").at(-1);
}

/** The environment's shared history (the operations table in the emulator), oldest first. */
async function historyRecords(): Promise<Record<string, unknown>[]> {
  const result = await noveli(["history", "--json", "--limit", "1000"]);
  expect(result.exitCode, result.stderr).toBe(0);
  return (json<{ records: Record<string, unknown>[] }>(result.stdout).records).reverse();
}

/** Starts the CLI without waiting, for the watch tests. */
function startCli(args: string[]) {
  return execa(process.execPath, [noveliBin, ...args, "--endpoint-url", moto.url, "--env", "dev"], {
    env: { AWS_ENDPOINT_URL: undefined, NOVELI_ENV: undefined, CI: "true", NO_COLOR: "1", ...cliEnv() },
    extendEnv: true,
    cwd: repoRoot,
    reject: false,
    timeout: 300_000,
  });
}

const FAST_GATE = ["--health-interval", "0s"];

describe("blue-green on the local emulator (real terraform, real CLI)", () => {
  it("deploys: the first deploy puts the same code on both colors, live on blue", { timeout: 900_000 }, async () => {
    const result = await noveli(["deploy", "--json", "--release", "1.0.0"]);
    expect(result.exitCode, result.stderr).toBe(0);
    firstDeploy = json<DeployDoc>(result.stdout);
    outputs = firstDeploy.outputs;
    expect(firstDeploy).toMatchObject({ color: "blue", applied: true, version: "1.0.0" });
    expect((await liveStage()).deployment).toBe("blue");
  });

  it("health-check judges each color by running its deployed zip against moto's DynamoDB", async () => {
    for (const color of ["blue", "green"]) {
      const result = await noveli(["health-check", color, "--json", "--interval", "50ms"]);
      expect(result.exitCode, result.stderr).toBe(0);
      const doc = json<HealthDoc>(result.stdout);
      expect(Object.keys(doc).sort()).toEqual(["checks", "codeSha256", "color", "env", "healthy", "p50Ms", "p95Ms", "schemaVersion", "version"]);
      expect(doc).toMatchObject({ schemaVersion: 1, env: "dev", color, healthy: true, version: "1.0.0", codeSha256: firstDeploy.codeSha256 });
      expect(doc.checks.map((c) => c.name)).toEqual(["health-endpoint", "deep-health", "latency", "color", "version", "code-sha256", "alias-version"]);
      expect(doc.checks.every((c) => c.ok)).toBe(true);
      expect(doc.p95Ms).toBeGreaterThanOrEqual(doc.p50Ms);
    }
  });

  it("--synthetic starts a real story: a clear failure without providers, a story with one", async () => {
    const without = await noveli(["health-check", "blue", "--json", "--interval", "0s", "--synthetic"]);
    expect(without.exitCode).toBe(1);
    const failed = json<HealthDoc>(without.stdout).checks.find((c) => c.name === "synthetic");
    expect(failed).toMatchObject({ ok: false, detail: expect.stringMatching(/^POST \/stories: HTTP 5\d\d: /) });

    // The operator stores the provider keys in the function's secret (here: pointing at a local OpenAI-compatible server).
    const config = await new LambdaClient(aws()).send(new GetFunctionConfigurationCommand({ FunctionName: outputs.functionName, Qualifier: firstDeploy.lambdaVersion }));
    const secretName = config.Environment?.Variables?.NOVELI_PROVIDER_SECRET as string;
    await new SecretsManagerClient(aws()).send(new PutSecretValueCommand({ SecretId: secretName, SecretString: JSON.stringify({ OPENAI_API_KEY: "sk-test-not-a-real-key", OPENAI_BASE_URL: openai.url }) }));
    const withProvider = await noveli(["health-check", "blue", "--json", "--interval", "0s", "--synthetic"]);
    expect(withProvider.exitCode, withProvider.stdout).toBe(0);
    expect(json<HealthDoc>(withProvider.stdout).checks.find((c) => c.name === "synthetic")).toMatchObject({ ok: true, detail: expect.stringMatching(/^POST \/stories started a story \(HTTP 20\d/) });
    expect(openai.requests.length).toBeGreaterThan(0);
    expect(withProvider.stdout).not.toContain("sk-test-not-a-real-key");

    // The story belongs to the synthetic user the check signed in as (its Cognito sub), read back independently.
    const deployed = firstDeploy.outputs as unknown as { userPoolId: string; tableName: string };
    const user = await new CognitoIdentityProviderClient(aws()).send(new AdminGetUserCommand({ UserPoolId: deployed.userPoolId, Username: "noveli-synthetic-check" }));
    const sub = user.UserAttributes?.find((a) => a.Name === "sub")?.Value;
    expect(sub).toMatch(/^[0-9a-f-]{36}$/);
    const stories = await new DynamoDBClient(aws()).send(
      new QueryCommand({ TableName: deployed.tableName, IndexName: "UserStoryIndex", KeyConditionExpression: "user_id = :u", ExpressionAttributeValues: { ":u": { S: sub as string } } }),
    );
    expect(stories.Items?.length).toBeGreaterThanOrEqual(1);
    expect(stories.Items?.[0]?.prompt?.S).toMatch(/noveli synthetic health check/);
  });

  it("a second deploy goes to the idle color (green); live stays on blue", { timeout: 900_000 }, async () => {
    const result = await noveli(["deploy", "--json", "--release", "2.0.0"]);
    expect(result.exitCode, result.stderr).toBe(0);
    secondDeploy = json<DeployDoc>(result.stdout);
    expect(secondDeploy).toMatchObject({ color: "green", applied: true, version: "2.0.0" });
    expect(secondDeploy.outputs.aliasVersions.green).not.toBe(secondDeploy.outputs.aliasVersions.blue);
    expect((await liveStage()).deployment).toBe("blue");
    const health = json<HealthDoc>((await noveli(["health-check", "green", "--json", "--interval", "0s"])).stdout);
    expect(health).toMatchObject({ healthy: true, version: "2.0.0" });
  });

  it("--dry-run prints the exact patch operations and changes nothing", async () => {
    const result = await noveli(["switch-traffic", "green", "--json", "--dry-run", "--canary", "10,50,100"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = json<SwitchDoc>(result.stdout);
    expect(doc).toMatchObject({ from: "blue", to: "green", result: "unchanged" });
    expect(doc.steps.map((s) => s.patchOperations)).toEqual([
      [
        { op: "replace", path: "/canarySettings/percentTraffic", value: "10" },
        { op: "replace", path: "/canarySettings/stageVariableOverrides/deployment", value: "green" },
      ],
      [
        { op: "replace", path: "/canarySettings/percentTraffic", value: "50" },
        { op: "replace", path: "/canarySettings/stageVariableOverrides/deployment", value: "green" },
      ],
      [
        { op: "replace", path: "/variables/deployment", value: "green" },
        { op: "remove", path: "/canarySettings" },
      ],
    ]);
    expect(await liveStage()).toEqual({ deployment: "blue", canary: false });
  });

  it("switch-traffic health-checks green, switches all at once and reads the stage back", async () => {
    const result = await noveli(["switch-traffic", "green", "--json", ...FAST_GATE]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = json<SwitchDoc>(result.stdout);
    expect(Object.keys(doc).sort()).toEqual(["env", "from", "reason", "result", "schemaVersion", "steps", "to"]);
    expect(doc).toMatchObject({ schemaVersion: 1, env: "dev", from: "blue", to: "green", result: "switched" });
    expect(doc.steps.map((s) => [s.name, s.status])).toEqual([
      ["read-stage", "ok"],
      ["health-gate", "ok"],
      ["switch", "ok"],
      ["propagation", "skipped"],
    ]);
    expect(await liveStage()).toEqual({ deployment: "green", canary: false });
    // Story events follow live traffic.
    expect(await eventsColor()).toBe("green");
  });

  it("switching to the color already live is a no-op with exit 0", async () => {
    const result = await noveli(["switch-traffic", "green", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json<SwitchDoc>(result.stdout)).toMatchObject({ result: "unchanged", from: "green", to: "green" });
  });

  it("status shows the live color, each color's version and code, alarms and history", async () => {
    const result = await noveli(["status", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = json<{
      live: { color: string; canary: unknown };
      colors: Record<string, { version: string; lambdaVersion: string; codeSha256: string; trafficPercent: number; matchesDeployRecord: boolean }>;
      alarms: { name: string; state: string }[];
      history: { deploys: { color: string }[]; switches: { from: string; to: string; outcome: string }[] };
    }>(result.stdout);
    expect(doc.live).toEqual({ color: "green", deployment: "green", canary: null });
    expect(doc.colors.green).toMatchObject({ version: "2.0.0", lambdaVersion: secondDeploy.lambdaVersion, codeSha256: secondDeploy.codeSha256, trafficPercent: 100, matchesDeployRecord: true });
    expect(doc.colors.blue).toMatchObject({ version: "1.0.0", lambdaVersion: firstDeploy.lambdaVersion, trafficPercent: 0, matchesDeployRecord: true });
    expect(doc.alarms.length).toBeGreaterThan(0);
    expect(doc.alarms.every((a) => a.state !== "ALARM")).toBe(true);
    expect(doc.history.deploys.map((d) => d.color)).toEqual(["green", "blue"]);
    expect(doc.history.switches[1]).toMatchObject({ from: "blue", to: "green", outcome: "switched" });
  });

  it("status keeps the live names for the next run, and reads again when the state names others", async () => {
    const cacheFile = path.join(stateDir, "cache", "live-names.json");
    const first = await noveli(["status", "--json"]);
    expect(first.exitCode, first.stderr).toBe(0);
    const cached = JSON.parse(readFileSync(cacheFile, "utf8")) as { entries: Record<string, { names: { apiId: string; functionName: string } }> };
    const [key, entry] = Object.entries(cached.entries)[0] as [string, { names: { apiId: string; functionName: string } }];
    const apiId = (json<{ urls: { live: string } }>(first.stdout).urls.live.match(/^https:\/\/([^.]+)\./) ?? [])[1];
    expect(entry.names.apiId).toBe(apiId);

    // Names of another deploy (an API and a function that are not there): the reads sent with
    // them are dropped, the state's names are read, and they replace the cached ones.
    writeFileSync(cacheFile, JSON.stringify({ version: 1, entries: { [key]: { names: { ...entry.names, apiId: "gone00api", functionName: "noveli-dev-gone" }, savedAt: new Date().toISOString() } } }));
    const again = await noveli(["status", "--json"]);
    expect(again.exitCode, again.stderr).toBe(0);
    const strip = (doc: string) => JSON.parse(doc, (k, v) => (k === "deployedAt" || k === "at" ? undefined : v));
    expect(strip(again.stdout)).toEqual(strip(first.stdout));
    expect((JSON.parse(readFileSync(cacheFile, "utf8")) as typeof cached).entries[key]?.names.apiId).toBe(apiId);

    // A cache that is no JSON is a miss, never a failure.
    writeFileSync(cacheFile, "{ not json");
    const broken = await noveli(["status", "--json"]);
    expect(broken.exitCode, broken.stderr).toBe(0);
    expect(strip(broken.stdout)).toEqual(strip(first.stdout));
  });

  it("rollback goes back to the previous color after health-checking it", async () => {
    const result = await noveli(["rollback", "--json", ...FAST_GATE]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = json<SwitchDoc>(result.stdout);
    expect(doc).toMatchObject({ from: "green", to: "blue", result: "switched" });
    expect(doc.steps.find((s) => s.name === "health-gate")).toMatchObject({ status: "ok" });
    expect(await liveStage()).toEqual({ deployment: "blue", canary: false });
    expect(await eventsColor()).toBe("blue");
  });

  it("rollback --dry-run shows where it would go and changes nothing", async () => {
    const result = await noveli(["rollback", "--json", "--dry-run"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json<SwitchDoc>(result.stdout)).toMatchObject({ from: "blue", to: "green", result: "unchanged", steps: [{ patchOperations: [{ op: "replace", path: "/variables/deployment", value: "green" }] }] });
    expect(await liveStage()).toEqual({ deployment: "blue", canary: false });
  });

  it("an alarm set to ALARM during --watch rolls back: exit 3, live back on the old color", { timeout: 300_000 }, async () => {
    const alarmName = (json<{ alarms: { name: string }[] }>((await noveli(["status", "--json"])).stdout).alarms[0] as { name: string }).name;
    const running = startCli(["switch-traffic", "green", "--json", "--watch", "2m", "--poll-interval", "500ms", ...FAST_GATE]);
    await waitForLive("green");
    // One operation at a time: a rollback while the switch runs is refused, naming the holder.
    const concurrent = await noveli(["rollback"]);
    expect(concurrent.exitCode).toBe(1);
    expect(concurrent.stderr).toMatch(/rollback dev refused: switch-traffic dev → green by \S+@\S+ \(pid \d+\) has held the lease for \d+s \(since /);
    await setAlarm(alarmName, "ALARM", "Threshold Crossed: 5xx rate 0.12 > 0.05 (set by the test)");
    const result = await running;
    expect(result.exitCode, String(result.stderr)).toBe(3);
    const doc = json<SwitchDoc>(String(result.stdout));
    expect(doc).toMatchObject({ from: "blue", to: "green", result: "rolled-back" });
    expect(doc.reason).toContain(`alarm ${alarmName} is in ALARM: Threshold Crossed: 5xx rate 0.12 > 0.05 (set by the test)`);
    expect(doc.reason).toMatch(/live traffic is back on blue/);
    const watch = doc.steps.find((s) => s.name === "watch");
    expect(watch).toMatchObject({ status: "failed", evidence: { kind: "alarm", alarms: [{ name: alarmName, state: "ALARM" }] } });
    expect(doc.steps.at(-1)).toMatchObject({ name: "restore", status: "ok" });
    expect(await liveStage()).toEqual({ deployment: "blue", canary: false });
    await setAlarm(alarmName, "OK", "reset by the test");

    const record = (await historyRecords()).at(-1);
    expect(record).toMatchObject({ type: "switch", outcome: "rolled-back", from: "blue", to: "green", evidence: { kind: "alarm", alarms: [{ name: alarmName }] } });
    expect(String(record?.reason)).toContain(alarmName);
  });

  it("SIGINT during the watch restores the old color and exits 130", { timeout: 300_000 }, async () => {
    const running = startCli(["switch-traffic", "green", "--json", "--watch", "2m", "--poll-interval", "500ms", ...FAST_GATE]);
    await waitForLive("green");
    running.kill("SIGINT");
    const result = await running;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(json<SwitchDoc>(String(result.stdout))).toMatchObject({ result: "rolled-back", reason: expect.stringMatching(/interrupted by SIGINT; live traffic is back on blue/) });
    expect(await liveStage()).toEqual({ deployment: "blue", canary: false });
    // The lease went with it: the next operation may run.
    expect((await noveli(["switch-traffic", "blue"])).exitCode).toBe(0);
  });

  it("an endpoint that ignores canary settings gives a clear failure; live stays on blue", async () => {
    const result = await noveli(["switch-traffic", "green", "--json", "--canary", "10,50,100", "--interval", "1s", ...FAST_GATE]);
    expect(result.exitCode).toBe(1);
    const doc = json<SwitchDoc>(result.stdout);
    expect(doc).toMatchObject({ from: "blue", to: "green", result: "refused" });
    expect(doc.reason).toMatch(/reads back without canary settings after 10% to green was written: this endpoint ignores API Gateway canary settings/);
    expect(doc.steps.find((s) => s.name === "canary")).toMatchObject({ status: "failed" });
    expect(result.stderr).toMatch(/^error: switch to green refused: /m);
    expect(await liveStage()).toEqual({ deployment: "blue", canary: false });
  });

  it("an unhealthy target is refused and live is untouched", async () => {
    // Drift: someone points the green alias back at the old version outside noveli.
    await new LambdaClient(aws()).send(new UpdateAliasCommand({ FunctionName: outputs.functionName, Name: "green", FunctionVersion: firstDeploy.lambdaVersion }));
    const health = await noveli(["health-check", "green", "--json", "--interval", "0s"]);
    expect(health.exitCode).toBe(1);
    const report = json<HealthDoc>(health.stdout);
    expect(report).toMatchObject({ healthy: false, version: "1.0.0" });
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["version", "alias-version"]);

    const result = await noveli(["switch-traffic", "green", "--json", ...FAST_GATE]);
    expect(result.exitCode).toBe(1);
    const doc = json<SwitchDoc>(result.stdout);
    expect(doc).toMatchObject({ from: "blue", to: "green", result: "refused" });
    expect(doc.reason).toMatch(/green is unhealthy, live traffic stays on blue: version: reports version "1\.0\.0", expected "2\.0\.0"/);
    expect(doc.steps.map((s) => s.name)).toEqual(["read-stage", "health-gate"]);
    expect(await liveStage()).toEqual({ deployment: "blue", canary: false });
    const status = json<{ colors: Record<string, { matchesDeployRecord: boolean }> }>((await noveli(["status", "--json"])).stdout);
    expect(status.colors.green?.matchesDeployRecord).toBe(false);
    await new LambdaClient(aws()).send(new UpdateAliasCommand({ FunctionName: outputs.functionName, Name: "green", FunctionVersion: secondDeploy.lambdaVersion }));
  });

  it("without the deployed zip the emulator health check refuses clearly", async () => {
    const dir = path.join(stateDir, "artifacts", "deployed");
    const aside = `${dir}.aside`;
    renameSync(dir, aside);
    // Nor in the state bucket, where deploy shares it for the other machines.
    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    const shared = await s3.send(new ListObjectsV2Command({ Bucket: STATE_BUCKET, Prefix: "noveli/dev/artifacts/" }));
    for (const object of shared.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: STATE_BUCKET, Key: object.Key }));
    s3.destroy();
    try {
      const result = await noveli(["health-check", "green"]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/cannot run green: noveli does not have the code the emulated Lambda reports for alias green \(version \d+, CodeSha256 \S+\)/);
      expect(result.stderr).toMatch(/hint: noveli deploy shares every zip it deploys to an emulator in the state bucket/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      renameSync(aside, dir);
    }
  });

  it("every switch and rollback is in the history with its reason and evidence", async () => {
    const records = (await historyRecords()).filter((r) => r.type === "switch" || r.type === "rollback");
    expect(records.map((r) => `${r.type}:${r.outcome}`)).toEqual([
      "switch:switched",
      "switch:unchanged",
      "rollback:switched",
      "switch:rolled-back",
      "switch:rolled-back",
      "switch:unchanged",
      "switch:refused",
      "switch:refused",
    ]);
    for (const record of records) {
      expect(typeof record.reason).toBe("string");
      expect(Array.isArray(record.steps)).toBe(true);
    }
    expect(records[6]).toMatchObject({ evidence: { kind: "read-back" } });
    expect(records[7]).toMatchObject({ evidence: { kind: "health-gate", health: { healthy: false } } });
  });
});
