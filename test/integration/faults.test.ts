import { APIGatewayClient, GetStageCommand, UpdateStageCommand } from "@aws-sdk/client-api-gateway";
import { EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";
import { execa, type ResultPromise } from "execa";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noveliBin, repoRoot, runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { groupMembers, killGroups, listProcesses, waitFor } from "../helpers/processes.js";

/**
 * Faults injected into real runs of the built CLI against a moto server of this file's own, with
 * real terraform: kill -9 of noveli's whole process group during the first `terraform apply` and
 * during a redeploy's update of the Lambda function, a switch whose watch sees someone else move traffic, and a switch whose emulator freezes (SIGSTOP)
 * mid-watch. Each is bounded in time and checks what is left with an independent SDK client.
 */
let moto: PrivateMoto;
let stateDir: string;
const groups = new Set<number>();
let frozen = false;

beforeAll(async () => {
  moto = await startPrivateMoto();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-faults-"));
});
afterAll(async () => {
  if (frozen) process.kill(-moto.pid, "SIGCONT");
  killGroups(groups);
  await moto?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const aws = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" }, maxAttempts: 1 });
const target = ["--endpoint-url", () => moto.url, "--env", "dev"] as const;
const args = (extra: string[]) => [...extra, target[0], target[1](), target[2], target[3]];
const noveli = (extra: string[], env: Record<string, string> = {}) => runCli(args(extra), { env: { NOVELI_STATE_DIR: stateDir, ...env }, timeoutMs: 600_000 });

/** Starts the CLI in a process group of its own (so the test can kill -9 the whole group), collecting stderr. */
function startCli(extra: string[], env: Record<string, string> = {}): { child: ResultPromise; stderr: () => string; exited: () => boolean } {
  let stderr = "";
  const child = execa(process.execPath, [noveliBin, ...args(extra)], {
    env: { AWS_ENDPOINT_URL: undefined, NOVELI_ENV: undefined, CI: "true", NO_COLOR: "1", NOVELI_STATE_DIR: stateDir, ...env },
    extendEnv: true,
    cwd: repoRoot,
    reject: false,
    detached: true,
    timeout: 600_000,
  });
  if (child.pid !== undefined) groups.add(child.pid);
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exited = false;
  child.finally(() => (exited = true)).catch(() => undefined);
  return { child, stderr: () => stderr, exited: () => exited };
}

interface Outputs {
  apiId: string;
  liveStageName: string;
  functionName: string;
  aliasNames: Record<string, string>;
  eventRuleName: string;
}
let outputs: Outputs;

async function liveDeployment(): Promise<string | undefined> {
  const stage = await new APIGatewayClient(aws()).send(new GetStageCommand({ restApiId: outputs.apiId, stageName: outputs.liveStageName }));
  return stage.variables?.deployment;
}
async function eventsAlias(): Promise<string | undefined> {
  const targets = await new EventBridgeClient(aws()).send(new ListTargetsByRuleCommand({ Rule: outputs.eventRuleName }));
  return targets.Targets?.[0]?.Arn?.split(":").at(-1);
}

/** What the running terraform has printed so far (it writes to files under the workspace). */
function terraformOutput(): string {
  const dir = path.join(stateDir, "workspaces");
  try {
    return readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.includes(".noveli-output") && f.endsWith(".out"))
      .map((f) => readFileSync(path.join(dir, f), "utf8"))
      .join("");
  } catch {
    return "";
  }
}

/** Terraform (and its provider plugins) working on this file's state dir, by process group. */
const terraformGroups = (): number[] => [...new Set(listProcesses().filter((p) => p.commandLine.includes(`-chdir=${stateDir}`)).map((p) => p.pgid))];

const FAST_GATE = ["--health-attempts", "2", "--health-interval", "0s"];

describe("faults (private emulator, real terraform, kill -9 and SIGSTOP)", () => {
  it("kill -9 during the first apply: terraform and its providers end, status says deployed in part, deploy completes it", { timeout: 900_000 }, async () => {
    const run = startCli(["deploy", "--release", "1.0.0"]);
    expect(await waitFor(() => run.exited() || /terraform apply \(dev/.test(run.stderr()), 420_000, 200), run.stderr()).toBe(true);
    let tfGroups: number[] = [];
    expect(await waitFor(() => (tfGroups = terraformGroups()).length > 0, 30_000)).toBe(true);
    // Kill once the apply is creating resources (an interrupt before its walk starts is not honoured
    // by terraform, which then applies everything), so part of the environment exists.
    expect(await waitFor(() => (terraformOutput().match(/Creation complete/g) ?? []).length >= 5, 120_000, 100), terraformOutput()).toBe(true);
    const members = tfGroups.flatMap(groupMembers);
    expect(members.length).toBeGreaterThan(1); // terraform and at least one provider plugin
    for (const g of tfGroups) groups.add(g);
    process.kill(-(run.child.pid as number), "SIGKILL");
    await run.child;

    // Terraform's group is its own, so the kill did not reach it: the watchdog must end it (SIGINT first).
    expect(await waitFor(() => tfGroups.every((g) => groupMembers(g).length === 0), 150_000, 250)).toBe(true);

    const status = await noveli(["status"]);
    expect(status.exitCode, status.stderr).toBe(2);
    expect(status.stderr).toMatch(/^error: environment dev is deployed in part: a deploy stopped before it finished \(\d+ of \d+ outputs recorded; missing .+\)$/m);
    expect(status.stderr).toMatch(/^hint: noveli deploy --env dev --endpoint-url <url> completes it$/m);
    const statusJson = await noveli(["status", "--json"]);
    expect(JSON.parse(statusJson.stdout).error).toMatchObject({ code: "deployed-in-part", details: { state: "deployed-in-part" } });

    // The killed deploy still holds the environment's lease until it expires (2 minutes after its
    // last heartbeat): the completing deploy waits for it and takes it over.
    const completed = await noveli(["deploy", "--json", "--release", "1.0.0", "--wait-lock", "3m"]);
    expect(completed.exitCode, completed.stderr).toBe(0);
    expect(completed.stderr).toMatch(/dev is deployed in part \(\d+ of \d+ outputs\): an earlier deploy stopped before it finished; this deploy completes it/);
    const doc = JSON.parse(completed.stdout) as { outcome: string; color: string; firstDeploy: boolean; completedPartial: boolean; outputs: Outputs & { aliasVersions: Record<string, string> } };
    expect(doc).toMatchObject({ outcome: "applied", color: "blue", firstDeploy: true, completedPartial: true });
    outputs = doc.outputs;

    // Read back independently: live on blue, both aliases on the same version, story events on blue (the live color).
    expect(await liveDeployment()).toBe("blue");
    const lambda = new LambdaClient(aws());
    const versions = await Promise.all(["blue", "green"].map(async (c) => (await lambda.send(new GetAliasCommand({ FunctionName: outputs.functionName, Name: outputs.aliasNames[c] }))).FunctionVersion));
    expect(versions[0]).toBe(versions[1]);
    expect(await eventsAlias()).toBe(outputs.aliasNames.blue);

    const after = await noveli(["status", "--json"]);
    expect(after.exitCode, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ live: { color: "blue" }, events: { color: "blue", followsLive: true } });
  });

  it("kill -9 while a redeploy updates the function: the next deploy of that release publishes what it left unpublished and points the idle color at it", { timeout: 600_000 }, async () => {
    const lease = { NOVELI_LEASE_SECONDS: "20", NOVELI_LEASE_HEARTBEAT_SECONDS: "1" };
    const lambda = new LambdaClient(aws());
    const aliasVersion = async (color: string) => (await lambda.send(new GetAliasCommand({ FunctionName: outputs.functionName, Name: outputs.aliasNames[color] }))).FunctionVersion;
    const releaseOf = async (qualifier: string) => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.functionName, Qualifier: qualifier }))).Environment?.Variables?.APP_VERSION;
    const before = { blue: await aliasVersion("blue"), green: await aliasVersion("green") };
    expect(await releaseOf(before.green as string)).toBe("1.0.0");

    const run = startCli(["deploy", "--release", "2.0.0", "--verbose"], lease);
    // The provider updates $LATEST, then waits for it before publishing a version: kill in between.
    expect(await waitFor(() => run.exited() || /aws_lambda_function\.story_generator: Modifying/.test(terraformOutput()), 300_000, 50), run.stderr()).toBe(true);
    expect(run.exited(), run.stderr()).toBe(false);
    const tfGroups = terraformGroups();
    for (const g of tfGroups) groups.add(g);
    process.kill(-(run.child.pid as number), "SIGKILL");
    await run.child;
    expect(await waitFor(() => tfGroups.every((g) => groupMembers(g).length === 0), 150_000, 250)).toBe(true);

    // What the kill left, read independently: $LATEST holds 2.0.0, no version does, green is still on 1.0.0.
    expect(await releaseOf("$LATEST")).toBe("2.0.0");
    const published = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: outputs.functionName }));
    const versionsHolding = async (release: string) => {
      const held: string[] = [];
      for (const v of published.Versions ?? []) if (v.Version !== "$LATEST" && v.Environment?.Variables?.APP_VERSION === release) held.push(v.Version as string);
      return held;
    };
    expect(await versionsHolding("2.0.0"), terraformOutput()).toEqual([]);
    expect(await aliasVersion("green")).toBe(before.green);

    // Its lease (20 s) expires; the same release deployed again does not stop at an empty plan.
    const again = await noveli(["deploy", "--json", "--release", "2.0.0", "--wait-lock", "1m"], lease);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^warning: the plan is empty, but green runs version \d+ \(release "1\.0\.0", code \S+\), not this deploy's release "2\.0\.0" with code \S+, which the function's \$LATEST holds: an earlier deploy stopped between updating the function and publishing it/m);
    const doc = JSON.parse(again.stdout) as { outcome: string; color: string; lambdaVersion: string; republished: string; codeSha256: string };
    expect(doc).toMatchObject({ outcome: "applied", color: "green", republished: doc.lambdaVersion });
    expect(Number(doc.lambdaVersion)).toBeGreaterThan(Number(before.green));

    // Read back: green on the new version, which holds 2.0.0 and this code; blue (live) untouched.
    expect(await aliasVersion("green")).toBe(doc.lambdaVersion);
    const green = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.functionName, Qualifier: outputs.aliasNames.green }));
    expect(green).toMatchObject({ Version: doc.lambdaVersion, CodeSha256: doc.codeSha256 });
    expect(green.Environment?.Variables?.APP_VERSION).toBe("2.0.0");
    expect(await aliasVersion("blue")).toBe(before.blue);
    expect(await liveDeployment()).toBe("blue");

    // The state now says so too: the same deploy again has nothing to do, and publishes nothing.
    const settled = await noveli(["deploy", "--json", "--release", "2.0.0"]);
    expect(settled.exitCode, settled.stderr).toBe(0);
    expect(JSON.parse(settled.stdout)).toMatchObject({ outcome: "no-changes", lambdaVersion: doc.lambdaVersion, republished: null });
    expect(settled.stderr).not.toMatch(/^warning:/m);
    lambda.destroy();
  });

  it("status flags story events that do not follow the live color", async () => {
    const api = new APIGatewayClient(aws());
    await api.send(new UpdateStageCommand({ restApiId: outputs.apiId, stageName: outputs.liveStageName, patchOperations: [{ op: "replace", path: "/variables/deployment", value: "green" }] }));
    try {
      const status = await noveli(["status"]);
      expect(status.exitCode, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/story events: rule \S+ → the blue alias \(blue\), not the live color: run noveli switch-traffic green to repoint it/);
    } finally {
      await api.send(new UpdateStageCommand({ restApiId: outputs.apiId, stageName: outputs.liveStageName, patchOperations: [{ op: "replace", path: "/variables/deployment", value: "blue" }] }));
    }
  });

  it("a watch that sees traffic moved by someone else stops, does not roll back over them, exits 1", { timeout: 300_000 }, async () => {
    const run = startCli(["switch-traffic", "green", "--watch", "2m", "--poll-interval", "500ms", ...FAST_GATE]);
    expect(await waitFor(() => run.exited() || /watch 2m: poll 1/.test(run.stderr()), 180_000, 100), run.stderr()).toBe(true);
    expect(run.exited(), run.stderr()).toBe(false);
    expect(await liveDeployment()).toBe("green");
    // Someone else (another operator, a console click) puts traffic back on blue.
    await new APIGatewayClient(aws()).send(new UpdateStageCommand({ restApiId: outputs.apiId, stageName: outputs.liveStageName, patchOperations: [{ op: "replace", path: "/variables/deployment", value: "blue" }] }));
    const result = await run.child;
    expect(result.exitCode, run.stderr()).toBe(1);
    expect(run.stderr()).toMatch(/^error: switch to green stopped: live traffic was moved by someone else during the watch: the stage now reads blue, not green as this switch left it; not rolled back over their change$/m);
    expect(await liveDeployment()).toBe("blue");
    expect(await eventsAlias()).toBe(outputs.aliasNames.blue); // events follow the stage as read back
  });

  it("an emulator frozen mid-watch (SIGSTOP): every call times out, the restore cannot finish, exit 1 names the state left", { timeout: 300_000 }, async () => {
    const run = startCli(["switch-traffic", "green", "--watch", "2m", "--poll-interval", "500ms", ...FAST_GATE], { NOVELI_AWS_REQUEST_TIMEOUT: "1s", NOVELI_AWS_CONNECT_TIMEOUT: "1s" });
    try {
      expect(await waitFor(() => run.exited() || /watch 2m: poll 1/.test(run.stderr()), 180_000, 100), run.stderr()).toBe(true);
    expect(run.exited(), run.stderr()).toBe(false);
      process.kill(-moto.pid, "SIGSTOP");
      frozen = true;
      const started = Date.now();
      const exited = await Promise.race([run.child.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 150_000))]);
      expect(exited, run.stderr()).toBe(true);
      expect(Date.now() - started).toBeLessThan(150_000);
      const result = await run.child;
      expect(result.exitCode, run.stderr()).toBe(1);
      expect(run.stderr()).toMatch(/^error: switch to green failed: the watch could not read alarms or health: .*; RESTORE FAILED: .*; the live stage last read green, and may still send traffic to green$/m);
    } finally {
      if (frozen) {
        process.kill(-moto.pid, "SIGCONT");
        frozen = false;
      }
    }
    // The state it named is the state there is.
    expect(await liveDeployment()).toBe("green");
    const status = await noveli(["status", "--json"]);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = JSON.parse(status.stdout) as { live: { color: string }; operationInProgress: { command: string } | null };
    expect(doc.live.color).toBe("green");
    // Its lease could not be released while the emulator was frozen: it stays until it expires.
    expect([null, "switch-traffic dev → green"]).toContain(doc.operationInProgress?.command ?? null);
  });
});
