import { EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { runInTerminal, screenText } from "../helpers/terminal.js";

/**
 * What a newcomer sees at a terminal: `deploy` in a pseudo-terminal (no prompt on an emulator,
 * the plan by service, N/M progress from terraform's machine-readable output, the live URL and the
 * next command), the same deploy in a CI log (a few lines), and `status` in a pseudo-terminal.
 * Real terraform against this file's own moto.
 */
let moto: PrivateMoto;
let stateDir: string;

beforeAll(async () => {
  moto = await startPrivateMoto();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-terminal-"));
});
afterAll(async () => {
  await moto?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const target = () => ["--endpoint-url", moto.url, "--env", "dev"];
const terminalEnv = () => ({ NOVELI_STATE_DIR: stateDir, NO_COLOR: "1", AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" });
const awsConfig = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });

describe("a newcomer's deploy and status at a terminal", { timeout: 900_000 }, () => {
  let planned = 0;

  it("deploy at a terminal: no prompt on the emulator, the plan by service, N/M progress, then the live URL and the next command", async () => {
    const run = await runInTerminal(["deploy", ...target()], { env: terminalEnv() });
    const screen = screenText(run.output);
    expect(run.exitCode, screen.slice(-3000)).toBe(0);
    expect(screen).not.toMatch(/\[y\/N\]|Type the environment name/);
    const plan = /Plan: (\d+) to add, 0 to change, 0 to replace, 0 to destroy\./.exec(screen);
    expect(plan).not.toBeNull();
    planned = Number(plan?.[1]);
    expect(planned).toBeGreaterThan(20);
    // One line per service, with its count; the counts add up to the plan.
    const services = [...screen.matchAll(/^ {2}(API Gateway|Lambda|DynamoDB|CloudWatch|IAM|KMS|SNS|SQS|EventBridge|Secrets Manager|Budgets|CloudWatch Logs|[A-Z][A-Za-z0-9 -]*?) +(\d+) to add$/gm)];
    expect(services.map((m) => m[1])).toEqual(expect.arrayContaining(["API Gateway", "Lambda", "DynamoDB", "CloudWatch"]));
    expect(services.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(planned);
    expect(screen).not.toMatch(/^\s*create\s+module\.noveli\./m); // no flat list of addresses
    // The spinner counted up through the apply, from terraform's own events, never past the plan.
    const counts = [...screen.matchAll(new RegExp(`terraform apply \\(dev → blue\\) (\\d+)/${planned} `, "g"))].map((m) => Number(m[1]));
    expect(new Set(counts).size, screen.slice(-2000)).toBeGreaterThanOrEqual(3);
    expect(counts.every((count, i) => i === 0 || count >= (counts[i - 1] as number))).toBe(true);
    expect(Math.max(...counts)).toBeLessThanOrEqual(planned);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(planned - 1);
    expect(screen).toMatch(/✔ terraform apply \(dev → blue\) \(\d+\.\d+s\)/);
    // The result: what was applied once (no second "Plan:"), the URL, the next command.
    expect(screen.match(/Plan: \d+ to add/g)).toHaveLength(1);
    expect(screen).toMatch(new RegExp(`✓ deployed dev: new code on blue \\(Lambda version \\d+, code [A-Za-z0-9+/]{43}=\\) ${planned} added, 0 changed, 0 replaced, 0 destroyed`));
    expect(screen).toMatch(/^ {2}live API: https:\/\/\S+\/live$/m);
    expect(screen).toContain(`  next: noveli health-check blue --env dev --endpoint-url ${moto.url}`);
  });

  it("the same command in a CI log: the plan, a few progress lines, no spinner frames", async () => {
    const run = await runCli(["deploy", ...target(), "--release", "r2"], { env: { NOVELI_STATE_DIR: stateDir, ...moto.env } });
    expect(run.exitCode, run.stderr).toBe(0);
    const stderr = run.stderr.split("\n");
    expect(stderr.filter((line) => /^Plan: \d+ to add, \d+ to change, 0 to replace, 0 to destroy\.$/.test(line))).toHaveLength(1);
    expect(stderr.filter((line) => /^ {2}Lambda +\d+ to (add|change)/.test(line))).toHaveLength(1);
    const progress = stderr.filter((line) => /^ {2}terraform apply \(dev → green\): \d+\/\d+ /.test(line));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThanOrEqual(5);
    expect(progress.at(-1)).toMatch(/: (\d+)\/\1 /);
    expect(run.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(stderr.length).toBeLessThan(25);
    expect(run.stdout).toMatch(/live traffic is unchanged: it stays on blue/);
    expect(run.stdout).toContain(`next: noveli health-check green --env dev --endpoint-url ${moto.url}, then noveli switch-traffic green --env dev --endpoint-url ${moto.url}`);
  });

  it("the deployed zip is kept under the same base64 hash deploy and status show", async () => {
    const doc = JSON.parse((await runCli(["status", ...target(), "--json"], { env: { NOVELI_STATE_DIR: stateDir, ...moto.env } })).stdout) as { colors: Record<string, { codeSha256: string }> };
    const kept = readdirSync(path.join(stateDir, "artifacts", "deployed"));
    const hash = doc.colors.green?.codeSha256 as string;
    expect(hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(kept).toContain(`${hash.replace(/\+/g, "-").replace(/\//g, "_")}.zip`);
    expect(kept.every((name) => /^[A-Za-z0-9_-]{43}=\.zip$/.test(name))).toBe(true);
    expect(existsSync(path.join(stateDir, "artifacts", "deployed", `${Buffer.from(hash, "base64").toString("hex")}.zip`))).toBe(false);
  });

  it("status at a terminal: stage URLs, where story events go, relative times, base64 hashes", async () => {
    const run = await runInTerminal(["status", ...target()], { env: terminalEnv(), timeoutMs: 120_000 });
    const screen = screenText(run.output);
    expect(run.exitCode, screen).toBe(0);
    expect(screen).toMatch(/^dev: live blue, no canary$/m);
    expect(screen).toMatch(/^ {2}live API {2}https:\/\/\S+\/live$/m);
    expect(screen).toMatch(/^ {2}blue {2}API https:\/\/\S+\/blue$/m);
    expect(screen).toMatch(/^ {2}green API https:\/\/\S+\/green$/m);
    expect(screen).toMatch(/^ {2}100% blue {2}version \S+ {2}Lambda \d+ {2}code [A-Za-z0-9+/]{43}= {2}deployed (just now|\d+ (s|min) ago)$/m);
    expect(screen).toMatch(/^ {4}0% green version r2 {2}Lambda \d+ {2}code [A-Za-z0-9+/]{43}= {2}deployed (just now|\d+ (s|min) ago)$/m);
    const listed = await new EventBridgeClient(awsConfig()).send(new ListTargetsByRuleCommand({ Rule: /story events: rule (\S+) /.exec(screen)?.[1] ?? "missing" }));
    expect(listed.Targets?.[0]?.Arn).toMatch(/:blue$/);
    expect(screen).toMatch(/^story events: rule \S+ → the blue alias \(blue\), follows live$/m);
    expect(screen).toMatch(/^ {2}(just now|\d+ (s|min) ago) +deploy green r2: applied/m);
    expect(screen).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/); // no ISO timestamps for a person
    const json = JSON.parse((await runCli(["status", ...target(), "--json"], { env: { NOVELI_STATE_DIR: stateDir, ...moto.env } })).stdout) as { urls: Record<string, string>; events: Record<string, unknown>; history: { deploys: { at: string }[] } };
    expect(Object.keys(json.urls).sort()).toEqual(["blue", "green", "live"]);
    expect(json.events).toMatchObject({ alias: "blue", color: "blue", followsLive: true, targetArn: expect.stringMatching(/:blue$/) });
    expect(json.history.deploys[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T/); // the document keeps ISO times
  });
});
