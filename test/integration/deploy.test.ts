import { APIGatewayClient, GetStageCommand } from "@aws-sdk/client-api-gateway";
import { DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateAliasCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";

/**
 * `noveli deploy` end to end: real terraform applies the project's module to moto through the CLI.
 */
let moto: PrivateMoto;
let stateDir: string;
let scratch: string;

beforeAll(async () => {
  moto = await startPrivateMoto();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-deploy-"));
  scratch = mkdtempSync(path.join(tmpdir(), "noveli-deploy-tf-"));
});
afterAll(async () => {
  await moto?.stop();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const deploy = (args: string[], env: Record<string, string> = {}) =>
  runCli(["deploy", "--endpoint-url", moto.url, ...args], { env: { NOVELI_STATE_DIR: stateDir, ...env } });

const awsConfig = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });

async function liveColor(apiId: string, stage: string): Promise<string | undefined> {
  const client = new APIGatewayClient(awsConfig());
  const result = await client.send(new GetStageCommand({ restApiId: apiId, stageName: stage }));
  return result.variables?.deployment;
}

/** A copy of the project's terraform tree, changed by `edit`, for NOVELI_TERRAFORM_DIR. */
function modifiedTree(name: string, edit: (root: string) => void): string {
  const root = path.join(scratch, name);
  cpSync(path.join(repoRoot, "terraform"), root, { recursive: true });
  edit(root);
  return root;
}

/** Files under a directory whose name matches. */
function findFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => pattern.test(f));
}

interface DeployDoc {
  schemaVersion: number;
  env: string;
  color: string;
  applied: boolean;
  outcome: string;
  firstDeploy: boolean;
  lambdaVersion: string | null;
  codeSha256: string;
  plan: { add: number; change: number; replace: number; destroy: number };
  outputs: { apiId: string; liveStageName: string; tableName: string; functionName: string; aliasNames: Record<string, string>; aliasVersions: Record<string, string> } | null;
  republished?: string | null;
}

describe("noveli deploy (dev, real terraform against moto)", { timeout: 600_000 }, () => {
  let first: DeployDoc;

  it("--dry-run prints the commands and runs none", async () => {
    const result = await deploy(["--env", "dev", "--dry-run"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/terraform -chdir=\S+ init -input=false/);
    expect(result.stdout).toMatch(/terraform -chdir=\S+ plan -input=false -detailed-exitcode -out=\S+\.tfplan/);
    expect(result.stdout).toMatch(/apply -input=false -auto-approve -json \S+\.tfplan/);
    expect(existsSync(path.join(stateDir, "workspaces", `endpoint-127.0.0.1-${moto.port}`, "dev", "terraform.tfstate"))).toBe(false);
  });

  it("the first deploy sets up both colors with live on blue", async () => {
    const result = await deploy(["--env", "dev", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    first = JSON.parse(result.stdout) as DeployDoc;
    expect(first).toMatchObject({ schemaVersion: 1, env: "dev", color: "blue", applied: true, outcome: "applied", firstDeploy: true });
    expect(first.plan.add).toBeGreaterThan(10);
    expect(first.plan.destroy).toBe(0);
    expect(first.codeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(first.outputs?.aliasVersions.blue).toBe(first.outputs?.aliasVersions.green);
    expect(await liveColor(first.outputs!.apiId, first.outputs!.liveStageName)).toBe("blue");
    // The Terraform state is an object in the emulator's state bucket, not a file under the state dir.
    const s3 = new S3Client({ ...awsConfig(), forcePathStyle: true });
    const object = await s3.send(new GetObjectCommand({ Bucket: "noveli-tfstate-123456789012-us-east-1", Key: "noveli/dev/terraform.tfstate" }));
    const state = JSON.parse(await object.Body!.transformToString()) as { outputs: Record<string, { value: Record<string, unknown> }> };
    // The root's one output: the module's whole output object.
    expect(Object.keys(state.outputs)).toEqual(["noveli"]);
    expect(state.outputs.noveli?.value.api_id).toBe(first.outputs!.apiId);
    s3.destroy();
    // (TF_DATA_DIR/terraform.tfstate is terraform's cache of the backend settings: no resources in it.)
    const stateFiles = findFiles(stateDir, /\.tfstate(\.backup)?$/).filter((f) => !f.endsWith(path.join("data", "terraform.tfstate")));
    expect(stateFiles).toEqual([]);
  });

  it("a second deploy goes to the idle color and never moves live traffic", async () => {
    const result = await deploy(["--env", "dev", "--release", "r2", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const second = JSON.parse(result.stdout) as DeployDoc;
    expect(second).toMatchObject({ color: "green", applied: true, firstDeploy: false });
    expect(second.outputs?.aliasVersions.blue).toBe(first.outputs?.aliasVersions.blue);
    expect(Number(second.outputs?.aliasVersions.green)).toBeGreaterThan(Number(first.outputs?.aliasVersions.green));
    expect(await liveColor(first.outputs!.apiId, first.outputs!.liveStageName)).toBe("blue");
  });

  it("nothing to do: no changes, and the history records every deploy", async () => {
    const result = await deploy(["--env", "dev", "--release", "r2", "--color", "green", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: "no-changes", applied: false });
    const listed = await runCli(["history", "--endpoint-url", moto.url, "--env", "dev", "--kind", "deploy", "--json"], { env: { NOVELI_STATE_DIR: stateDir } });
    expect(listed.exitCode, listed.stderr).toBe(0);
    const history = (JSON.parse(listed.stdout) as { records: Record<string, unknown>[] }).records.reverse();
    expect(history.map((h) => [h.type, h.outcome, h.color])).toEqual([
      ["deploy", "applied", "blue"],
      ["deploy", "applied", "green"],
      ["deploy", "no-changes", "green"],
    ]);
    for (const record of history) expect(record).toMatchObject({ env: "dev", user: expect.any(String), host: expect.any(String), at: expect.any(String), codeSha256: first.codeSha256 });
  });

  it("an alias moved outside noveli: the empty plan is not taken for up to date; the deploy points the color back at its release", async () => {
    const { functionName, aliasNames, aliasVersions } = first.outputs!;
    const lambda = new LambdaClient(awsConfig());
    const greenVersion = async () => (await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: aliasNames.green }))).FunctionVersion;
    const r2Version = await greenVersion();
    expect(r2Version).not.toBe(aliasVersions.blue);
    // Someone points green at blue's version (the first deploy's release) by hand; the emulator's plan does not read aliases back.
    await lambda.send(new UpdateAliasCommand({ FunctionName: functionName, Name: aliasNames.green, FunctionVersion: aliasVersions.blue }));

    const planOnly = await deploy(["--env", "dev", "--release", "r2", "--color", "green", "--plan-only"]);
    expect(planOnly.exitCode, planOnly.stderr).toBe(0);
    expect(planOnly.stderr).toMatch(new RegExp(`^warning: the plan is empty, but green runs version ${aliasVersions.blue} \\(release "[^"]+", code \\S+\\), not this release: the function's \\$LATEST holds it`, "m"));
    expect(await greenVersion()).toBe(aliasVersions.blue);

    const result = await deploy(["--env", "dev", "--release", "r2", "--color", "green", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^warning: the plan is empty, but green runs version \d+ \(release "[^"]+", code \S+\), not this deploy's release "r2" with code \S+, which the function's \$LATEST holds: .*publishing \$LATEST and pointing green at it$/m);
    const doc = JSON.parse(result.stdout) as DeployDoc;
    // Lambda gives back the version that already holds $LATEST: nothing new is published.
    expect(doc).toMatchObject({ outcome: "applied", applied: true, color: "green", lambdaVersion: r2Version, republished: r2Version, plan: { add: 0, change: 1, replace: 0, destroy: 0 } });
    expect(await greenVersion()).toBe(r2Version);
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: aliasNames.green }));
    expect(config.Environment?.Variables?.APP_VERSION).toBe("r2");
    lambda.destroy();
  });

  it("a color and $LATEST that both hold something else: the deploy fails naming both, and changes nothing", async () => {
    const { functionName, aliasNames, aliasVersions } = first.outputs!;
    const lambda = new LambdaClient(awsConfig());
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: aliasNames.green }));
    const latest = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: { ...latest.Environment?.Variables, APP_VERSION: "by-hand" } } }));
    await lambda.send(new UpdateAliasCommand({ FunctionName: functionName, Name: aliasNames.green, FunctionVersion: aliasVersions.blue }));
    try {
      const result = await deploy(["--env", "dev", "--release", "r2", "--color", "green", "--json"]);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: the plan is empty, but green runs version ${aliasVersions.blue} \\(release "[^"]+", code \\S+\\) and the function's \\$LATEST holds \\$LATEST \\(release "by-hand", code \\S+\\): neither is this deploy's release "r2" with code \\S+$`, "m"));
      expect(result.stderr).not.toMatch(/at .+\.(c?js|ts):\d+/);
      expect(JSON.parse(result.stdout).error).toMatchObject({ code: "deploy-unverified" });
      // Nothing was published or moved.
      expect((await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: aliasNames.green }))).FunctionVersion).toBe(aliasVersions.blue);
    } finally {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: { ...latest.Environment?.Variables } } }));
      await lambda.send(new UpdateAliasCommand({ FunctionName: functionName, Name: aliasNames.green, FunctionVersion: alias.FunctionVersion }));
      lambda.destroy();
    }
  });

  it("--plan-only summarises and applies nothing", async () => {
    const result = await deploy(["--env", "dev", "--release", "r3", "--plan-only", "--verbose"]);
    expect(result.exitCode, result.stderr).toBe(0);
    // Initialised by the deploys before with the same backend and configuration: no init again.
    expect(result.stderr).toMatch(/terraform init skipped \(dev, state in s3:\/\/noveli-tfstate-123456789012-us-east-1\/noveli\/dev\/terraform\.tfstate\)/);
    expect(result.stderr).not.toMatch(/\$ terraform -chdir=\S+ init /);
    // An emulator target plans without reading every resource back (real AWS keeps the refresh: see the unit tests).
    expect(result.stderr).toMatch(/\$ terraform -chdir=\S+ plan .*-refresh=false/);
    expect(result.stdout).toMatch(/^Plan: \d+ to add, [1-9]\d* to change, \d+ to replace, 0 to destroy\.$/m);
    expect(result.stdout).toMatch(/plan only: nothing applied/);
  });

  it("an emulator's plan and apply skip terraform's re-check of the provider; init checks it against the kept checksums", async () => {
    const workspace = path.join(stateDir, "workspaces", `endpoint-127.0.0.1-${moto.port}`, "dev");
    const staged = path.join(workspace, "terraform", "environments", "dev", ".terraform.lock.hcl");
    const kept = path.join(workspace, "init.lock.hcl");
    // What the deploys before ran with: the lock file without checksums, and the one init wrote beside it.
    expect(readFileSync(staged, "utf8")).toMatch(/provider "registry\.terraform\.io\/hashicorp\/aws" \{\n\s+version\s+= "[\d.]+"/);
    expect(readFileSync(staged, "utf8")).not.toMatch(/hashes|h1:/);
    const verified = readFileSync(kept, "utf8");
    expect(verified).toMatch(/hashes = \[\n\s+"h1:[A-Za-z0-9+/]{43}=",/);
    // A kept checksum the provider does not match, and init due (no fingerprint): init refuses the provider.
    writeFileSync(kept, verified.replace(/"h1:[A-Za-z0-9+/]{43}="/, `"h1:${"A".repeat(43)}="`));
    rmSync(path.join(workspace, "init.fingerprint"));
    try {
      const refused = await deploy(["--env", "dev", "--release", "r3", "--plan-only"]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/terraform init failed: .*doesn't match any of the checksums previously recorded in the dependency lock file/);
      expect(refused.stderr).toMatch(/hint: the provider terraform found is not the one this workspace's lock file recorded/);
      expect(refused.stderr).not.toMatch(/terraform plan/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    } finally {
      writeFileSync(kept, verified);
    }
    // With the right checksums kept, the next deploy initialises and plans again.
    const again = await deploy(["--env", "dev", "--release", "r3", "--plan-only", "--verbose"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\$ terraform -chdir=\S+ init -input=false -reconfigure /);
    expect(again.stdout).toMatch(/plan only: nothing applied/);
    expect(readFileSync(kept, "utf8")).toBe(verified);
    expect(readFileSync(staged, "utf8")).not.toMatch(/h1:/);
  });

  it("refuses a plan that replaces the story table unless --allow-destroy", async () => {
    const tree = modifiedTree("replace-table", (root) => {
      const file = path.join(root, "modules", "noveli", "dynamodb.tf");
      const text = readFileSync(file, "utf8");
      // Renaming the table forces a replacement: the data would be gone.
      writeFileSync(file, text.replace(/(name\s*=\s*")([^"]*story[^"]*)(")/, "$1$2-renamed$3"));
    });
    const result = await deploy(["--env", "dev", "--release", "r4", "--verbose"], { NOVELI_TERRAFORM_DIR: tree });
    expect(result.exitCode).toBe(1);
    // Another configuration: init runs again.
    expect(result.stderr).toMatch(/\$ terraform -chdir=\S+ init -input=false -reconfigure /);
    expect(result.stderr).not.toMatch(/terraform init skipped/);
    expect(result.stderr).toMatch(/deploy refused: the plan would replace \S*aws_dynamodb_table\.\S+/);
    expect(result.stderr).toMatch(/--allow-destroy/);
    const table = await new DynamoDBClient(awsConfig()).send(new DescribeTableCommand({ TableName: first.outputs!.tableName }));
    expect(table.Table?.TableStatus).toBe("ACTIVE");
  });

  it("a failing apply exits 1 with terraform's error and changes no traffic", async () => {
    const tree = modifiedTree("failing-apply", (root) => {
      writeFileSync(
        path.join(root, "environments", "dev", "zz_fail.tf"),
        'resource "terraform_data" "boom" {\n  provisioner "local-exec" {\n    command = "echo injected failure >&2; exit 7"\n  }\n}\n',
      );
    });
    const result = await deploy(["--env", "dev", "--release", "r5"], { NOVELI_TERRAFORM_DIR: tree });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/terraform apply failed: .*local-exec/i);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await liveColor(first.outputs!.apiId, first.outputs!.liveStageName)).toBe("blue");
  });

  it("two deploys never run at once: the second fails at once naming the holder", async () => {
    // A lease another machine holds, as it sits in the account's operations table.
    const dynamodb = new DynamoDBClient(awsConfig());
    const lease = { pk: { S: "env#dev" }, sk: { S: "lease" } };
    await dynamodb.send(new PutItemCommand({
      TableName: "noveli-ops",
      Item: {
        ...lease,
        token: { S: "their-token" },
        holder: { S: JSON.stringify({ user: "alice", host: "ci-runner-7", command: "deploy dev", pid: 4711, startedAt: new Date(Date.now() - 75_000).toISOString(), ciRunUrl: "https://github.com/acme/noveli/actions/runs/9" }) },
        heartbeatAt: { S: new Date().toISOString() },
        expiresAt: { N: String(Date.now() + 120_000) },
      },
    }));
    const started = Date.now();
    const result = await deploy(["--env", "dev"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/deploy dev refused: deploy dev by alice@ci-runner-7 \(pid 4711\) has held the lease for 1m1\ds \(since \S+, last heartbeat \ds ago\), https:\/\/github\.com\/acme\/noveli\/actions\/runs\/9/);
    expect(result.stderr.trim().split("\n").filter((l) => l.startsWith("error")).length).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    await dynamodb.send(new DeleteItemCommand({ TableName: "noveli-ops", Key: lease }));
    dynamodb.destroy();
  });

  it("production on an emulator applies without a confirmation (real AWS keeps its typed one: see the planner's unit tests)", async () => {
    const result = await deploy(["--env", "production", "--json"]);
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    expect(result.stderr).not.toMatch(/needs confirmation|Type the environment name/);
    expect(JSON.parse(result.stdout)).toMatchObject({ env: "production", outcome: "applied", firstDeploy: true, liveUrl: expect.stringMatching(/^https:\/\/\S+\/live$/) });
  });
});
