import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";

/**
 * #13: a command that needs the bootstrap resources on a target that is not bootstrapped exits 2
 * with the exact `noveli bootstrap` command. Real AWS is out of reach here; the same branch runs
 * for an emulator target with NOVELI_AUTO_BOOTSTRAP=0 (an emulator a team bootstraps on purpose),
 * against this file's own moto, and the command in the hint is then run as printed.
 */
let moto: PrivateMoto;
let stateDir: string;

beforeAll(async () => {
  moto = await startPrivateMoto();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-not-bootstrapped-"));
});
afterAll(async () => {
  await moto?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const aws = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" }, maxAttempts: 1 });
const BUCKET = "noveli-tfstate-123456789012-us-east-1";
const noveli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { NOVELI_STATE_DIR: stateDir, NOVELI_AUTO_BOOTSTRAP: "0", ...env }, timeoutMs: 120_000 });

async function bootstrapped(): Promise<{ bucket: boolean; table: boolean }> {
  const bucket = await new S3Client({ ...aws(), forcePathStyle: true }).send(new HeadBucketCommand({ Bucket: BUCKET })).then(() => true, () => false);
  const table = await new DynamoDBClient(aws()).send(new DescribeTableCommand({ TableName: "noveli-ops" })).then(() => true, () => false);
  return { bucket, table };
}

describe("a target that is not bootstrapped (NOVELI_AUTO_BOOTSTRAP=0)", () => {
  it.each([
    ["status", ["status"]],
    ["history", ["history"]],
    ["deploy", ["deploy"]],
    ["switch-traffic", ["switch-traffic", "green"]],
    ["dr-drill", ["dr-drill"]],
    ["unlock", ["unlock", "--reason", "test"]],
  ])("%s: exit 2, one line naming what is missing, the exact bootstrap command; nothing is created", async (_name, args) => {
    const run = await noveli([...args, "--env", "dev", "--endpoint-url", moto.url]);
    expect(run.exitCode, run.stderr).toBe(2);
    const lines = run.stderr.split("\n").filter((line) => line.startsWith("error: ") || line.startsWith("hint: "));
    expect(lines, run.stderr).toEqual([
      `error: account 123456789012 in us-east-1 is not bootstrapped for noveli: the state bucket ${BUCKET} and the operations table noveli-ops do not exist (NOVELI_AUTO_BOOTSTRAP=0: this emulator is not bootstrapped implicitly)`,
      `hint: run noveli bootstrap --env dev --region us-east-1 --endpoint-url ${moto.url}`,
    ]);
    expect(run.stderr).not.toMatch(/bootstrapping the emulator|unexpected error/);
    expect(await bootstrapped()).toEqual({ bucket: false, table: false });
  });

  it("a value other than 0 or 1 is refused before anything runs (exit 2)", async () => {
    const run = await noveli(["status", "--env", "dev", "--endpoint-url", moto.url], { NOVELI_AUTO_BOOTSTRAP: "sometimes" });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^error: NOVELI_AUTO_BOOTSTRAP must be 1 or 0 \(true or false\), got "sometimes"$/m);
    expect(await bootstrapped()).toEqual({ bucket: false, table: false });
  });

  it("the command the hint names, run as printed, bootstraps the target; then the command that was refused runs", async () => {
    const refused = await noveli(["history", "--env", "dev", "--endpoint-url", moto.url]);
    const command = /^hint: run noveli (.+)$/m.exec(refused.stderr)?.[1];
    expect(command, refused.stderr).toBeDefined();
    const bootstrap = await noveli((command as string).split(" "));
    expect(bootstrap.exitCode, bootstrap.stderr).toBe(0);
    expect(await bootstrapped()).toEqual({ bucket: true, table: true });
    const history = await noveli(["history", "--env", "dev", "--endpoint-url", moto.url]);
    expect(history.exitCode, history.stderr).toBe(0);
  });
});
