import { APIGatewayClient, GetStageCommand, UpdateStageCommand } from "@aws-sdk/client-api-gateway";
import { CloudWatchClient, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from "@aws-sdk/client-iam";
import { execa, type ResultPromise } from "execa";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LockError } from "../../src/errors.js";
import { DynamoDBClient as OpsClient } from "../../src/aws/ops-table.js";
import { decideBootstrap, planBootstrap } from "../../src/state/bootstrap-plan.js";
import { applyBootstrap, observeBucket, observeTable } from "../../src/state/bootstrap.js";
import { acquireLease, holdLease } from "../../src/state/lease.js";
import { OpsStore } from "../../src/state/ops-store.js";
import { noveliBin, repoRoot, runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { waitFor } from "../helpers/processes.js";

/**
 * Two machines, one account: two NOVELI_STATE_DIRs against one private moto. Everything one needs
 * of the other (Terraform state, the lease, the history, the deployed code) is in the emulator's
 * state bucket and operations table, never in the other's state dir.
 */
let moto: PrivateMoto;
let machineA: string;
let machineB: string;
const BUCKET = "noveli-tfstate-123456789012-us-east-1";
// A short lease, so a takeover is seen in seconds rather than two minutes.
const SHORT_LEASE = { NOVELI_LEASE_SECONDS: "6", NOVELI_LEASE_HEARTBEAT_SECONDS: "1" };
// Long enough that the refusal and the status read surely happen before it expires on a loaded machine.
const KILL_LEASE = { NOVELI_LEASE_SECONDS: "20", NOVELI_LEASE_HEARTBEAT_SECONDS: "1" };
const FAST_GATE = ["--health-attempts", "1", "--health-interval", "100ms"];

beforeAll(async () => {
  moto = await startPrivateMoto();
  machineA = mkdtempSync(path.join(tmpdir(), "noveli-machine-a-"));
  machineB = mkdtempSync(path.join(tmpdir(), "noveli-machine-b-"));
});
afterAll(async () => {
  await moto?.stop();
  for (const dir of [machineA, machineB]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const aws = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
const on = (machine: string, args: string[], env: Record<string, string> = {}) =>
  runCli([...args, "--endpoint-url", moto.url], { env: { NOVELI_STATE_DIR: machine, ...env } });
const json = <T = Record<string, unknown>>(stdout: string): T => JSON.parse(stdout) as T;

/** Starts the CLI on a machine without waiting for it. */
function start(machine: string, args: string[], env: Record<string, string> = {}): ResultPromise {
  return execa(process.execPath, [noveliBin, ...args, "--endpoint-url", moto.url], {
    env: { AWS_ENDPOINT_URL: undefined, NOVELI_ENV: undefined, CI: "true", NO_COLOR: "1", NOVELI_STATE_DIR: machine, ...env },
    extendEnv: true,
    cwd: repoRoot,
    reject: false,
    timeout: 300_000,
  });
}

let apiId = "";
async function liveColor(): Promise<string | undefined> {
  const client = new APIGatewayClient(aws());
  try {
    return (await client.send(new GetStageCommand({ restApiId: apiId, stageName: "live" }))).variables?.deployment;
  } finally {
    client.destroy();
  }
}

/** Moves live traffic as someone outside noveli would, with an independent client. */
async function moveLiveOutsideNoveli(color: string): Promise<void> {
  const client = new APIGatewayClient(aws());
  try {
    await client.send(new UpdateStageCommand({ restApiId: apiId, stageName: "live", patchOperations: [{ op: "replace", path: "/variables/deployment", value: color }] }));
  } finally {
    client.destroy();
  }
}

/** The local Lambda runners' folders in the temp dir that a process made (each records its owner). */
function runnerFoldersOf(pid: number): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith("noveli-lambda-"))
    .filter((name) => {
      try {
        return (JSON.parse(readFileSync(path.join(tmpdir(), name, "owner.json"), "utf8")) as { pid?: unknown }).pid === pid;
      } catch {
        return false;
      }
    });
}

async function waitForLive(color: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await liveColor()) !== color) {
    if (Date.now() > deadline) throw new Error(`live never became ${color}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface HistoryDoc {
  records: { type: string; outcome: string; user: string; host: string; [key: string]: unknown }[];
}

describe.sequential("one account, two machines", { timeout: 600_000 }, () => {
  it("bootstrap creates the state bucket and the operations table with every setting, read back with the SDK", async () => {
    const result = await on(machineA, ["bootstrap", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json(result.stdout)).toMatchObject({ outcome: "created", accountId: "123456789012", region: "us-east-1", stateBucket: BUCKET, opsTable: "noveli-ops" });

    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe("Enabled");
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }));
    expect(lifecycle.Rules).toEqual([expect.objectContaining({ ID: "noveli-expire-noncurrent-state", Status: "Enabled", NoncurrentVersionExpiration: expect.objectContaining({ NoncurrentDays: 90 }) })]);
    // The emulator is reached over http://: the TLS-only policy would refuse every request there (see the next test for it).
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ name: "NoSuchBucketPolicy" });
    s3.destroy();

    const dynamodb = new DynamoDBClient(aws());
    const table = (await dynamodb.send(new DescribeTableCommand({ TableName: "noveli-ops" }))).Table;
    expect(table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table?.SSEDescription?.Status).toBe("ENABLED");
    expect(table?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: "noveli-ops" }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe("ENABLED");
    dynamodb.destroy();
  });

  it("a second run changes nothing and says so, from either machine", async () => {
    const result = await on(machineB, ["bootstrap"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✓ already bootstrapped: nothing to change/);
    expect(result.stdout).not.toMatch(/done /);
  });

  it("settings that differ are reported one by one with exit 1; --dry-run lists the repair; --repair applies it", async () => {
    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Suspended" } }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
    const differs = await on(machineA, ["bootstrap"]);
    expect(differs.exitCode).toBe(1);
    expect(differs.stdout).toMatch(/✗ bucket versioning: Suspended, expected Enabled/);
    expect(differs.stdout).toMatch(/✗ bucket public-access-block: none, expected all four blocks on/);
    expect(differs.stderr).toMatch(/hint: noveli bootstrap --repair applies what is missing/);
    const dry = await on(machineA, ["bootstrap", "--dry-run", "--json"]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(json<{ actions: { action: string }[] }>(dry.stdout).actions.map((a) => a.action)).toEqual(["block all public access (4 of 4)", "enable versioning"]);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe("Suspended");
    const repaired = await on(machineA, ["bootstrap", "--repair", "--json"]);
    expect(repaired.exitCode, repaired.stderr).toBe(0);
    expect(json(repaired.stdout)).toMatchObject({ outcome: "repaired" });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe("Enabled");
    s3.destroy();
    expect(json((await on(machineB, ["bootstrap", "--json"])).stdout)).toMatchObject({ outcome: "unchanged" });
  });

  it("on a real account the bucket also gets the policy denying requests without TLS, and the table deletion protection", async () => {
    // The real-account settings applied by the same executor, against the emulator's API.
    const resources = { accountId: "999988887777", region: "us-east-1", partition: "aws", bucket: "noveli-tfstate-999988887777-us-east-1", table: "noveli-ops-real-account", emulator: false, tlsOnlyPolicy: true };
    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    const dynamodb = new OpsClient(aws());
    const observe = async () => planBootstrap({ bucket: await observeBucket(s3, resources.bucket), table: await observeTable(dynamodb, resources.table), emulator: false, tlsOnlyPolicy: true });
    const verdict = decideBootstrap(await observe(), { repair: false });
    expect(verdict).toMatchObject({ kind: "apply", create: ["bucket", "table"] });
    if (verdict.kind === "apply") await applyBootstrap(resources, verdict.create, verdict.repair, { s3, dynamodb });
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: resources.bucket }))).Policy ?? "{}") as { Statement: unknown[] };
    expect(policy.Statement).toEqual([
      {
        Sid: "NoveliDenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${resources.bucket}`, `arn:aws:s3:::${resources.bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    expect((await dynamodb.send(new DescribeTableCommand({ TableName: resources.table }))).Table?.DeletionProtectionEnabled).toBe(true);
    expect(decideBootstrap(await observe(), { repair: false })).toEqual({ kind: "unchanged" });
    s3.destroy();
    dynamodb.destroy();
  });

  it("--github-oidc adds the GitHub OIDC provider and a deploy role only that repository may assume, and prints its ARN", async () => {
    const created = await on(machineA, ["bootstrap", "--github-oidc", "acme/noveli", "--json"]);
    expect(created.exitCode, created.stderr).toBe(0);
    const doc = json<{ outcome: string; deployRoleArn: string; actions: { resource: string }[] }>(created.stdout);
    expect(doc.outcome).toBe("created");
    expect(doc.deployRoleArn).toBe("arn:aws:iam::123456789012:role/noveli-github-deploy");
    expect(doc.actions.map((a) => a.resource)).toEqual(["oidc-provider", "role", "role"]);
    const iam = new IAMClient(aws());
    const providers = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    expect(providers.OpenIDConnectProviderList?.map((p) => p.Arn)).toEqual(["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]);
    const role = await iam.send(new GetRoleCommand({ RoleName: "noveli-github-deploy" }));
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? "{}")) as { Statement: { Condition: { StringLike: Record<string, string> } }[] };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]?.Condition.StringLike).toEqual({ "token.actions.githubusercontent.com:sub": "repo:acme/noveli:*" });
    iam.destroy();
    const again = await on(machineB, ["bootstrap", "--github-oidc", "acme/noveli"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/deploy role {6}arn:aws:iam::123456789012:role\/noveli-github-deploy/);
    expect(again.stdout).toMatch(/already bootstrapped: nothing to change/);
    // Another repository's trust is a difference, reported and not silently widened.
    const other = await on(machineB, ["bootstrap", "--github-oidc", "acme/other"]);
    expect(other.exitCode).toBe(1);
    expect(other.stdout).toMatch(/✗ role trust-policy: another trust policy, expected only repo:acme\/other:\*/);
    expect((await on(machineB, ["bootstrap", "--github-oidc", "not a repo"])).exitCode).toBe(2);
  });

  it("a deploy from A is shown by status and history from B, and health-check from B verifies A's release", async () => {
    const deployed = await on(machineA, ["deploy", "--release", "team-1", "--json"]);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    const doc = json<{ codeSha256: string; lambdaVersion: string; outputs: { apiId: string } }>(deployed.stdout);
    apiId = doc.outputs.apiId;
    // Nothing of it is needed from A's disk: no Terraform state there.
    expect(readdirSync(machineA, { recursive: true, encoding: "utf8" }).filter((f) => /\.tfstate$/.test(f) && !f.endsWith(path.join("data", "terraform.tfstate")))).toEqual([]);

    const status = await on(machineB, ["status", "--json"]);
    expect(status.exitCode, status.stderr).toBe(0);
    const report = json<{ live: { color: string }; colors: Record<string, { matchesDeployRecord: boolean; deployedAt: string | null }>; operationInProgress: unknown; history: { deploys: { color: string; version: string }[] } }>(status.stdout);
    expect(report.live.color).toBe("blue");
    expect(report.colors.blue).toMatchObject({ matchesDeployRecord: true, deployedAt: expect.any(String) });
    expect(report.history.deploys[0]).toMatchObject({ color: "blue", version: "team-1" });
    expect(report.operationInProgress).toBeNull();

    const history = await on(machineB, ["history", "--kind", "deploy", "--json"]);
    expect(json<HistoryDoc>(history.stdout).records).toEqual([
      expect.objectContaining({ type: "deploy", outcome: "applied", color: "blue", version: "team-1", codeSha256: doc.codeSha256, lambdaVersion: doc.lambdaVersion, user: expect.any(String), host: expect.any(String) }),
    ]);

    const health = await on(machineB, ["health-check", "blue", "--attempts", "1", "--json"]);
    expect(health.exitCode, health.stderr).toBe(0);
    expect(health.stderr).not.toMatch(/no deploy of blue is recorded/);
    const checks = json<{ healthy: boolean; checks: { name: string; ok: boolean; detail: string }[] }>(health.stdout);
    expect(checks.healthy).toBe(true);
    expect(checks.checks.find((c) => c.name === "code-sha256")).toMatchObject({ ok: true, detail: expect.stringContaining("as expected from deploy of blue") });
  });

  it("two switch-traffic at once from A and B: exactly one moves traffic, the other exits 1 naming the holder", async () => {
    const args = ["switch-traffic", "green", "--watch", "8s", "--poll-interval", "1s", ...FAST_GATE];
    const [a, b] = await Promise.all([start(machineA, args), start(machineB, args)]);
    const results = [a, b];
    expect(results.map((r) => r.exitCode).sort()).toEqual([0, 1]);
    const loser = results.find((r) => r.exitCode === 1);
    expect(String(loser?.stderr)).toMatch(/error: switch-traffic dev → green refused: switch-traffic dev → green by \S+@\S+ \(pid \d+\) has held the lease for \d+s/);
    expect(await liveColor()).toBe("green");
    const switches = json<HistoryDoc>((await on(machineA, ["history", "--kind", "switch", "--json"])).stdout).records;
    expect(switches.map((r) => r.outcome)).toEqual(["switched"]);
  });

  it("a watched switch on A killed with -9: B is refused until the lease expires, then takes over, and the takeover is in the history", async () => {
    const running = start(machineA, ["switch-traffic", "blue", "--watch", "2m", "--poll-interval", "500ms", ...FAST_GATE], KILL_LEASE);
    await waitForLive("blue");
    const pid = running.pid as number;
    // The watch's health checks run the function in a local Lambda runner, with a folder in the temp dir.
    expect(await waitFor(() => runnerFoldersOf(pid).length > 0, 10_000)).toBe(true);
    running.kill("SIGKILL");
    await running;
    // Its sandbox saw the CLI go and removed the folder: kill -9 leaves nothing in the temp dir.
    expect(await waitFor(() => runnerFoldersOf(pid).length === 0, 10_000), runnerFoldersOf(pid).join(", ")).toBe(true);

    const refused = await on(machineB, ["switch-traffic", "green", ...FAST_GATE], KILL_LEASE);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`refused: switch-traffic dev → blue by \\S+@\\S+ \\(pid ${pid}\\) has held the lease`));
    const status = json<{ operationInProgress: { command: string; pid: number } | null }>((await on(machineB, ["status", "--json"])).stdout);
    expect(status.operationInProgress).toMatchObject({ command: "switch-traffic dev → blue", pid });

    const takeover = await on(machineB, ["switch-traffic", "green", "--wait-lock", "60s", "--json", ...FAST_GATE], KILL_LEASE);
    expect(takeover.exitCode, takeover.stderr).toBe(0);
    expect(takeover.stderr).toMatch(/waiting up to 1m for the lease on dev: switch-traffic dev → blue/);
    expect(takeover.stderr).toMatch(/took over the lease on dev from a holder that stopped renewing it: switch-traffic dev → blue .*its change may not have finished/);
    expect(await liveColor()).toBe("green");

    const leases = json<HistoryDoc>((await on(machineA, ["history", "--kind", "lease", "--json"])).stdout).records;
    expect(leases[0]).toMatchObject({
      type: "lease",
      outcome: "takeover",
      command: "switch-traffic dev → green",
      previousHolder: { command: "switch-traffic dev → blue", pid },
      warning: expect.stringContaining("may not have finished"),
    });
    expect(json<{ operationInProgress: unknown }>((await on(machineA, ["status", "--json"])).stdout).operationInProgress).toBeNull();
  });

  it("a stalled holder that wakes up after a takeover cannot move traffic: its fenced write is refused", async () => {
    const alarm = "noveli-dev-api-5xx";
    expect(await liveColor()).toBe("green");
    const stalled = start(machineA, ["switch-traffic", "blue", "--watch", "2m", "--poll-interval", "500ms", "--json", ...FAST_GATE], SHORT_LEASE);
    await waitForLive("blue");
    process.kill(stalled.pid as number, "SIGSTOP");
    try {
      // B takes the environment over once A's lease expires (blue already live: B changes nothing).
      const other = await on(machineB, ["switch-traffic", "blue", "--wait-lock", "30s", ...FAST_GATE], SHORT_LEASE);
      expect(other.exitCode, other.stderr).toBe(0);
      expect(other.stderr).toMatch(/took over the lease on dev/);
      // A wakes up, its watch sees an alarm and wants to restore green: the fence refuses the write.
      const cloudwatch = new CloudWatchClient(aws());
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: "ALARM", StateReason: "set by the test" }));
      process.kill(stalled.pid as number, "SIGCONT");
      const woken = await stalled;
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: "OK", StateReason: "reset by the test" }));
      cloudwatch.destroy();
      expect(woken.exitCode, String(woken.stderr)).toBe(1);
      const doc = json<{ result: string; reason: string }>(String(woken.stdout));
      expect(doc.result).toBe("refused");
      expect(doc.reason).toMatch(/RESTORE FAILED: UpdateStage live refused: this command no longer holds the lease \(the lease on dev expired, and was taken over or broken since\)/);
      expect(await liveColor()).toBe("blue");
      const switches = json<HistoryDoc>((await on(machineB, ["history", "--kind", "switch", "--limit", "1", "--json"])).stdout).records;
      expect(switches[0]).toMatchObject({ outcome: "refused", leaseLost: true });
    } finally {
      try {
        process.kill(stalled.pid as number, "SIGCONT");
      } catch {
        /* already gone */
      }
      await stalled;
    }
  });

  it("rollback on B goes back to the color A's switch left, read from the shared history, which then shows who rolled back where", async () => {
    const switched = await on(machineA, ["switch-traffic", "green", ...FAST_GATE], { NOVELI_ACTOR: "alice" });
    expect(switched.exitCode, switched.stderr).toBe(0);
    expect(await liveColor()).toBe("green");

    const rolled = await on(machineB, ["rollback", "--json", ...FAST_GATE], { NOVELI_ACTOR: "bob" });
    expect(rolled.exitCode, rolled.stderr).toBe(0);
    expect(json(rolled.stdout)).toMatchObject({ from: "green", to: "blue", result: "switched" });
    expect(rolled.stderr).toMatch(/rollback: live is green since the switch blue → green by alice@\S+ at \S+; the previous color is blue/);
    expect(await liveColor()).toBe("blue");

    const [record] = json<HistoryDoc>((await on(machineA, ["history", "--kind", "rollback", "--limit", "1", "--json"])).stdout).records;
    expect(record).toMatchObject({ type: "rollback", outcome: "switched", from: "green", to: "blue", user: "bob", host: expect.any(String), undoes: { type: "switch", from: "blue", to: "green", user: "alice" } });
  });

  it("rollback refuses with one line naming both when traffic moved outside noveli since the history's last switch", async () => {
    await moveLiveOutsideNoveli("green");
    try {
      for (const args of [["rollback", ...FAST_GATE], ["rollback", "--dry-run"]]) {
        const refused = await on(machineA, args);
        expect(refused.exitCode, refused.stderr).toBe(1);
        const errors = refused.stderr.split("\n").filter((line) => line.startsWith("error:"));
        expect(errors).toEqual([expect.stringMatching(/^error: rollback refused: the shared history's last switch \(rollback green → blue by bob@\S+ at \S+\) left live traffic on blue, but the live stage reads green: .*noveli switch-traffic <blue\|green>/)]);
        expect(refused.stderr).not.toMatch(/\n\s+at /);
        expect(await liveColor()).toBe("green");
      }
    } finally {
      await moveLiveOutsideNoveli("blue");
    }
  });

  it("dr-drill gc on B deletes what a drill on A left behind, from the account's drill records", async () => {
    const kept = await on(machineA, ["dr-drill", "--keep", "--guard", "0", "--json"]);
    expect(kept.exitCode, kept.stderr).toBe(0);
    const scratch = json<{ scratchTable: string }>(kept.stdout).scratchTable;
    const dynamodb = new DynamoDBClient(aws());
    expect((await dynamodb.send(new DescribeTableCommand({ TableName: scratch }))).Table?.TableStatus).toBe("ACTIVE");
    // B has no record of that drill on its disk; the account has. (--min-age 60 would spare an unrecorded restore.)
    const gc = await on(machineB, ["dr-drill", "gc", "--json"]);
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(json<{ deleted: { table: string; reason: string }[] }>(gc.stdout).deleted).toEqual([expect.objectContaining({ table: scratch, reason: expect.stringContaining("in the drill records") })]);
    await expect(dynamodb.send(new DescribeTableCommand({ TableName: scratch }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    dynamodb.destroy();
    const drills = json<HistoryDoc>((await on(machineB, ["history", "--json", "--limit", "5"])).stdout).records.filter((r) => r.type === "drill" || r.type === "gc");
    expect(drills.map((r) => `${r.type}:${r.outcome}`)).toEqual(["gc:done", "drill:passed"]);
  });

  it("a command's record and its lease's release go in one transaction: both, or (the lease no longer ours) neither", async () => {
    const store = new OpsStore(new OpsClient(aws()), "noveli-ops");
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
    const settings = { durationMs: 60_000, heartbeatMs: 3_600_000 };
    const record = (note: string) => ({ type: "rollback" as const, at: new Date().toISOString(), user: "ana", host: "laptop-a", env: "production" as const, outcome: "switched", note });
    const ids = [`${new Date().toISOString()}#aaaa0001`, `${new Date().toISOString()}#aaaa0002`];
    const first = await acquireLease({ store, env: "production", command: "rollback production", settings, clock, waitMs: 0 });
    const held = holdLease({ store, env: "production", lease: first.lease, settings, clock, onLost: () => undefined, onError: () => undefined });
    expect(await held.releaseWith((token) => store.appendHistoryReleasingLease("production", record("together"), ids[0] as string, token))).toBe(true);
    expect(await store.readLease("production")).toBeUndefined();
    // The lease broken and taken by another holder: the transaction writes nothing.
    const second = await acquireLease({ store, env: "production", command: "rollback production", settings, clock, waitMs: 0 });
    expect(await store.appendHistoryReleasingLease("production", record("refused"), ids[1] as string, "not-this-lease")).toBe(false);
    expect((await store.readLease("production"))?.token).toBe(second.lease.token);
    const notes = (await store.readHistory("production", { limit: 10, types: ["rollback"] })).map((r) => r.note);
    expect(notes).toContain("together");
    expect(notes).not.toContain("refused");
    await store.deleteLease("production", second.lease.token);
    store.close();
  });

  it("the fence compares the lease token in the table right before the write", async () => {
    const store = new OpsStore(new OpsClient(aws()), "noveli-ops");
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
    const settings = { durationMs: 2_000, heartbeatMs: 3_600_000 }; // no heartbeat: a stalled holder
    const first = await acquireLease({ store, env: "staging", command: "switch-traffic staging → green", settings, clock, waitMs: 0 });
    const stalled = holdLease({ store, env: "staging", lease: first.lease, settings, clock, onLost: () => undefined, onError: () => undefined });
    await stalled.fence("UpdateStage live"); // still held: goes ahead (and extends it)
    await clock.sleep(2_200);
    const second = await acquireLease({ store, env: "staging", command: "rollback staging", settings, clock, waitMs: 0 });
    expect(second.tookOver?.token).toBe(first.lease.token);
    await expect(stalled.fence("UpdateStage live")).rejects.toBeInstanceOf(LockError);
    await stalled.release(); // leaves the new holder's lease alone
    expect((await store.readLease("staging"))?.token).toBe(second.lease.token);
    await store.deleteLease("staging", second.lease.token);
    store.close();
  });

  it("noveli unlock breaks a lease on purpose and records who and why", async () => {
    const store = new OpsStore(new OpsClient(aws()), "noveli-ops");
    const clock = { now: () => Date.now(), sleep: async () => undefined };
    await acquireLease({ store, env: "dev", command: "deploy dev", settings: { durationMs: 120_000, heartbeatMs: 20_000 }, clock, waitMs: 0 });
    store.close();
    const missingReason = await on(machineB, ["unlock"]);
    expect(missingReason.exitCode).toBe(2);
    const unlocked = await on(machineB, ["unlock", "--reason", "runner lost", "--json"], { NOVELI_ACTOR: "bob" });
    expect(unlocked.exitCode, unlocked.stderr).toBe(0);
    expect(json(unlocked.stdout)).toMatchObject({ outcome: "broken", previousHolder: { command: "deploy dev" } });
    const leases = json<HistoryDoc>((await on(machineA, ["history", "--kind", "lease", "--limit", "1", "--json"])).stdout).records;
    expect(leases).toEqual([expect.objectContaining({ outcome: "unlocked", reason: "runner lost", user: "bob", previousHolder: expect.objectContaining({ command: "deploy dev" }) })]);
    expect(json((await on(machineB, ["unlock", "--reason", "again", "--json"])).stdout)).toMatchObject({ outcome: "none" });
  });
});
