import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

/** `noveli validate` as a user runs it: the built CLI, exit codes, stdout documents. */

const BROKEN = "test/fixtures/terraform-broken";
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("noveli validate", () => {
  it("passes the project's own Terraform (exit 0) with a text report", async () => {
    const run = await runCli(["validate"]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^noveli validate terraform \(environments dev, production, staging; 20 rules\)/);
    expect(run.stdout).not.toMatch(/\berror\b/);
  });

  it("fails a broken tree with exit 1, naming each finding's rule, file, line and resource", async () => {
    const run = await runCli(["validate", "--dir", BROKEN]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`${BROKEN}/modules/app/data.tf`);
    expect(run.stdout).toMatch(/^ +13 {2}error {4}NOV001 {2}aws_dynamodb_table\.sessions: point-in-time recovery is off/m);
    expect(run.stdout).toMatch(/✗ \d+ errors, 4 warnings/);
    expect(run.stderr).toMatch(/^error: \d+ error findings in test\/fixtures\/terraform-broken\n$/);
  });

  it("prints one versioned JSON document with --json", async () => {
    const run = await runCli(["validate", "--dir", BROKEN, "--json"]);
    expect(run.exitCode).toBe(1);
    const document = JSON.parse(run.stdout) as { schemaVersion: number; summary: { errors: number }; findings: { ruleId: string }[]; rules: { id: string }[] };
    expect(document.schemaVersion).toBe(1);
    expect(document.summary.errors).toBeGreaterThan(0);
    expect(new Set(document.findings.map((f) => f.ruleId)).size).toBe(20);
    expect(document.rules).toHaveLength(20);
  });

  it("prints the same document with --format json", async () => {
    const [viaFormat, viaJson] = await Promise.all([runCli(["validate", "--dir", BROKEN, "--format", "json"]), runCli(["validate", "--dir", BROKEN, "--json"])]);
    expect(viaFormat.exitCode).toBe(1);
    expect(JSON.parse(viaFormat.stdout)).toEqual(JSON.parse(viaJson.stdout));
  });

  it("prints SARIF 2.1.0 with --format sarif", async () => {
    const run = await runCli(["validate", "--dir", BROKEN, "--format", "sarif"]);
    expect(run.exitCode).toBe(1);
    const sarif = JSON.parse(run.stdout) as { version: string; runs: { tool: { driver: { rules: unknown[] } }; results: { ruleId: string; level: string }[] }[] };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]?.tool.driver.rules).toHaveLength(20);
    expect(sarif.runs[0]?.results.some((r) => r.ruleId === "NOV008" && r.level === "error")).toBe(true);
  });

  it("checks only the environment given with --env", async () => {
    const run = await runCli(["validate", "--dir", BROKEN, "--env", "production", "--json"]);
    expect(run.exitCode).toBe(1);
    const document = JSON.parse(run.stdout) as { environments: string[]; findings: { ruleId: string; environments: string[] }[] };
    expect(document.environments).toEqual(["production"]);
    expect(document.findings.every((f) => f.environments.join() === "production")).toBe(true);
    expect(document.findings.some((f) => f.ruleId === "NOV014")).toBe(true);
    expect(document.findings.some((f) => f.ruleId === "NOV008" || f.ruleId === "NOV009")).toBe(false);
  });

  it("exits 0 on warnings only", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-validate-cli-"));
    made.push(dir);
    mkdirSync(path.join(dir, "modules", "m"), { recursive: true });
    writeFileSync(path.join(dir, "modules", "m", "main.tf"), 'resource "aws_sns_topic" "plain" {\n  name = "plain"\n}\n');
    const run = await runCli(["validate", "--dir", dir]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/NOV013 {2}aws_sns_topic\.plain/);
    expect(run.stdout).toMatch(/! 0 errors, 1 warning\n$/);
  });

  it("answers bad input with a one-line error and exit 2", async () => {
    const missing = await runCli(["validate", "--dir", "no/such/dir"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe("error: --dir no/such/dir is not a directory\n");

    const both = await runCli(["validate", "--json", "--format", "sarif"]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/^error: --json and --format sarif ask for two different outputs/);
    expect(JSON.parse(both.stdout)).toMatchObject({ error: { code: "usage" } });

    const format = await runCli(["validate", "--format", "yaml"]);
    expect(format.exitCode).toBe(2);

    const env = await runCli(["validate", "--dir", BROKEN, "--env", "dev"]);
    expect(env.exitCode).toBe(1); // dev exists in the broken tree

    const dir = mkdtempSync(path.join(tmpdir(), "noveli-validate-cli-"));
    made.push(dir);
    mkdirSync(path.join(dir, "environments", "dev"), { recursive: true });
    writeFileSync(path.join(dir, "environments", "dev", "main.tf"), 'module "x" {\n  source = \n');
    const broken = await runCli(["validate", "--dir", dir]);
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr.split("\n")[0]).toMatch(/^error: cannot parse .*environments\/dev\/main\.tf: /);
    expect(broken.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
