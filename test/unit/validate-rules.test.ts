import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, UsageError } from "../../src/errors.js";
import { validateTerraform, type Finding, type ValidationReport } from "../../src/validate/engine.js";
import { RULES } from "../../src/validate/rules/index.js";
import { dataWildcard } from "../../src/validate/rules/iam.js";
import { runtimeStatus } from "../../src/validate/runtimes.js";
import { repoRoot } from "../helpers/cli.js";

const TODAY = new Date("2026-11-25T12:00:00Z");
const BROKEN = "test/fixtures/terraform-broken";

function check(dir: string, options: { environments?: string[]; today?: Date; cwd?: string } = {}): Promise<ValidationReport> {
  return validateTerraform({
    dir,
    today: options.today ?? TODAY,
    cwd: options.cwd ?? repoRoot,
    ...(options.environments ? { environments: options.environments } : {}),
  });
}

function find(report: ValidationReport, ruleId: string, resource: string): Finding[] {
  return report.findings.filter((f) => f.ruleId === ruleId && f.resource === resource);
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway tree from a map of relative paths to file contents. */
function temp(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "noveli-validate-"));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("rule catalogue", () => {
  it("has stable, unique NOV### ids in order, each with a severity, title and help", () => {
    const ids = RULES.map((r) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^NOV\d{3}$/);
      expect(["error", "warning"]).toContain(rule.severity);
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.help.length).toBeGreaterThan(10);
    }
  });
});

describe("the deliberately broken tree", () => {
  let report: ValidationReport;
  beforeAll(async () => {
    report = await check(BROKEN);
  });

  const app = `${BROKEN}/modules/app`;
  const env = (name: string, file = "main.tf") => `${BROKEN}/environments/${name}/${file}`;
  const all = ["dev", "production", "staging"];
  const expected: { ruleId: string; severity: "error" | "warning"; file: string; line: number; resource: string; environments: string[]; message: RegExp }[] = [
    { ruleId: "NOV001", severity: "error", file: `${app}/data.tf`, line: 13, resource: "aws_dynamodb_table.sessions", environments: all, message: /no point_in_time_recovery block/ },
    { ruleId: "NOV001", severity: "error", file: `${app}/data.tf`, line: 29, resource: "aws_dynamodb_table.events", environments: all, message: /point-in-time recovery is off \(point_in_time/ },
    { ruleId: "NOV002", severity: "error", file: `${app}/data.tf`, line: 13, resource: "aws_dynamodb_table.sessions", environments: all, message: /AWS managed key aws\/dynamodb/ },
    { ruleId: "NOV002", severity: "error", file: `${app}/data.tf`, line: 29, resource: "aws_dynamodb_table.events", environments: all, message: /AWS owned key/ },
    { ruleId: "NOV003", severity: "error", file: `${app}/data.tf`, line: 2, resource: "aws_kms_key.data", environments: all, message: /rotation is off/ },
    { ruleId: "NOV004", severity: "error", file: `${app}/lambda.tf`, line: 3, resource: "aws_lambda_function.worker", environments: all, message: /tracing is off/ },
    { ruleId: "NOV005", severity: "error", file: `${app}/lambda.tf`, line: 3, resource: "aws_lambda_function.worker", environments: all, message: /no dead-letter queue/ },
    { ruleId: "NOV006", severity: "error", file: `${app}/lambda.tf`, line: 3, resource: "aws_lambda_function.worker", environments: all, message: /nodejs20\.x reached end of support on 2026-04-30/ },
    { ruleId: "NOV007", severity: "error", file: `${app}/iam.tf`, line: 14, resource: "aws_iam_role_policy.worker", environments: all, message: /"dynamodb:\*" is a wildcard on dynamodb data/ },
    { ruleId: "NOV007", severity: "error", file: `${app}/iam.tf`, line: 35, resource: "data.aws_iam_policy_document.reports", environments: all, message: /"s3:Get\*"/ },
    { ruleId: "NOV007", severity: "error", file: `${app}/iam.tf`, line: 62, resource: "aws_iam_role_policy_attachment.dynamodb_full", environments: all, message: /AmazonDynamoDBFullAccess/ },
    { ruleId: "NOV008", severity: "error", file: env("staging"), line: 16, resource: "module.app.aws_api_gateway_stage.live", environments: ["staging"], message: /no WAF web ACL protects the API in staging/ },
    { ruleId: "NOV009", severity: "error", file: env("staging"), line: 17, resource: "module.app.aws_lambda_function.worker", environments: ["staging"], message: /outside a VPC in staging/ },
    { ruleId: "NOV009", severity: "error", file: env("staging"), line: 17, resource: "module.app.aws_lambda_function.reporter", environments: ["staging"], message: /outside a VPC in staging/ },
    { ruleId: "NOV010", severity: "error", file: `${app}/lambda.tf`, line: 65, resource: "aws_cloudwatch_log_group.audit", environments: all, message: /never expire/ },
    { ruleId: "NOV011", severity: "warning", file: `${app}/lambda.tf`, line: 3, resource: "aws_lambda_function.worker", environments: all, message: /\/aws\/lambda\// },
    { ruleId: "NOV012", severity: "error", file: `${app}/monitoring.tf`, line: 7, resource: "aws_cloudwatch_metric_alarm.errors", environments: all, message: /notifies nobody/ },
    { ruleId: "NOV013", severity: "warning", file: `${app}/monitoring.tf`, line: 2, resource: "aws_sns_topic.alerts", environments: all, message: /not encrypted/ },
    { ruleId: "NOV014", severity: "error", file: env("production"), line: 18, resource: "module.app.aws_lambda_function.worker", environments: ["production"], message: /no reserved concurrency/ },
    { ruleId: "NOV014", severity: "error", file: env("production"), line: 18, resource: "module.app.aws_lambda_function.worker", environments: ["production"], message: /no provisioned concurrency/ },
    { ruleId: "NOV014", severity: "error", file: env("production"), line: 18, resource: "module.app.aws_lambda_function.reporter", environments: ["production"], message: /no provisioned concurrency/ },
    { ruleId: "NOV015", severity: "error", file: env("dev"), line: 3, resource: "terraform.backend.local", environments: ["dev"], message: /backend "local" instead of "s3"/ },
    { ruleId: "NOV015", severity: "error", file: env("staging", "backend.tf"), line: 3, resource: "terraform.backend.s3", environments: ["staging"], message: /not locked/ },
    { ruleId: "NOV015", severity: "error", file: env("staging", "backend.tf"), line: 3, resource: "terraform.backend.s3", environments: ["staging"], message: /not encrypted/ },
    { ruleId: "NOV016", severity: "warning", file: env("dev"), line: 6, resource: "provider.aws", environments: ["dev"], message: /no default_tags/ },
    { ruleId: "NOV016", severity: "warning", file: env("production"), line: 9, resource: "provider.aws", environments: ["production"], message: /Project is "someone-else"/ },
    // The API rules point at the offending attribute's line, not at the start of the block.
    { ruleId: "NOV017", severity: "error", file: `${app}/api.tf`, line: 66, resource: "aws_api_gateway_method.items", environments: all, message: /anyone can invoke the function through "POST": its authorization is NONE/ },
    { ruleId: "NOV018", severity: "error", file: `${app}/api.tf`, line: 132, resource: "aws_lambda_permission.anyone", environments: all, message: /principal = "\*", no source_arn/ },
    { ruleId: "NOV018", severity: "error", file: `${app}/api.tf`, line: 146, resource: "aws_api_gateway_rest_api_policy.api", environments: all, message: /1 Allow statement\(s\) granting principal "\*"/ },
    { ruleId: "NOV018", severity: "error", file: `${app}/api.tf`, line: 165, resource: "data.aws_iam_policy_document.queue", environments: all, message: /1 Allow statement\(s\) grant principal "\*"/ },
    { ruleId: "NOV019", severity: "error", file: `${app}/api.tf`, line: 6, resource: "aws_api_gateway_stage.live", environments: all, message: /no access_log_settings/ },
    { ruleId: "NOV020", severity: "error", file: env("production"), line: 18, resource: "module.app.aws_wafv2_web_acl.api", environments: ["production"], message: /logs nothing in production/ },
  ];

  it.each(expected)("$ruleId fires on $resource ($message)", (want) => {
    const hits = find(report, want.ruleId, want.resource).filter((f) => want.message.test(f.message));
    expect(hits, JSON.stringify(report.findings.filter((f) => f.ruleId === want.ruleId), null, 2)).toHaveLength(1);
    expect(hits[0]).toMatchObject({ severity: want.severity, file: want.file, line: want.line, environments: want.environments });
  });

  it("fires every rule and nothing beyond the expected findings", () => {
    expect(new Set(report.findings.map((f) => f.ruleId))).toEqual(new Set(RULES.map((r) => r.id)));
    const unexpected = report.findings.filter((f) => !expected.some((e) => e.ruleId === f.ruleId && e.resource === f.resource && e.message.test(f.message)));
    expect(unexpected).toEqual([]);
    expect(report.findings).toHaveLength(expected.length);
    expect(report.summary).toEqual({ errors: expected.filter((e) => e.severity === "error").length, warnings: expected.filter((e) => e.severity === "warning").length });
  });

  it("stays quiet on the resources configured correctly", () => {
    const quiet = (ruleId: string, resource: string) => expect(find(report, ruleId, resource), `${ruleId} on ${resource}`).toEqual([]);
    quiet("NOV001", "aws_dynamodb_table.audit");
    quiet("NOV002", "aws_dynamodb_table.audit");
    quiet("NOV003", "aws_kms_key.rotated");
    for (const id of ["NOV004", "NOV005", "NOV006", "NOV011"]) quiet(id, "aws_lambda_function.reporter");
    quiet("NOV007", "data.aws_iam_policy_document.key_policy"); // kms:* for the root in a key policy
    quiet("NOV010", "aws_cloudwatch_log_group.reporter");
    quiet("NOV012", "aws_cloudwatch_metric_alarm.throttles");
    // reserved concurrency 5: only the provisioned-concurrency finding, not the reserved one
    expect(find(report, "NOV014", "module.app.aws_lambda_function.reporter").filter((f) => /reserved/.test(f.message))).toEqual([]);
    // production turns WAF and VPC on; staging tags correctly; production's backend is right.
    expect(report.findings.filter((f) => (f.ruleId === "NOV008" || f.ruleId === "NOV009") && f.environments.includes("production"))).toEqual([]);
    expect(report.findings.filter((f) => f.ruleId === "NOV016" && f.environments.includes("staging"))).toEqual([]);
    expect(report.findings.filter((f) => f.ruleId === "NOV015" && f.environments.includes("production"))).toEqual([]);
    // the open health route, an authorized method and a mock stay quiet; so do a bound permission and a logged stage
    for (const method of ["health", "items_read", "items_options"]) quiet("NOV017", `aws_api_gateway_method.${method}`);
    quiet("NOV018", "aws_lambda_permission.api");
    quiet("NOV019", "aws_api_gateway_stage.logged");
    // the jsonencode policy's logs statement names its actions: one finding, for dynamodb:*
    expect(find(report, "NOV007", "aws_iam_role_policy.worker")).toHaveLength(1);
  });

  it("checks one environment when asked", async () => {
    const staging = await check(BROKEN, { environments: ["staging"] });
    expect(staging.environments).toEqual(["staging"]);
    expect(staging.findings.length).toBeGreaterThan(0);
    expect(staging.findings.every((f) => f.environments.length === 1 && f.environments[0] === "staging")).toBe(true);
    expect(staging.findings.some((f) => f.ruleId === "NOV014")).toBe(false);
  });
});

describe("the project's own Terraform", () => {
  it("has no error finding; its one warning is nodejs22.x nearing end of support", async () => {
    const report = await check("terraform");
    expect(report.environments).toEqual(["dev", "production", "staging"]);
    expect(report.summary.errors).toBe(0);
    expect(report.findings.map((f) => [f.ruleId, f.severity, f.resource, f.message])).toEqual([
      ["NOV006", "warning", "aws_lambda_function.story_generator", "runtime nodejs22.x reaches end of support on 2027-04-30 (in 156 days)"],
    ]);
  });

  it("is entirely quiet before the runtime warning window opens", async () => {
    const report = await check("terraform", { today: new Date("2026-09-01T00:00:00Z") });
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([]);
  });

  it("turns the runtime into an error once nodejs22.x is past end of support", async () => {
    const report = await check("terraform", { today: new Date("2027-05-01T00:00:00Z") });
    expect(report.findings.map((f) => [f.ruleId, f.severity])).toEqual([["NOV006", "error"]]);
  });
});

describe("rules on small trees", () => {
  it("reports what it cannot decide statically as a warning, not an error", async () => {
    const dir = temp({
      "modules/m/main.tf": [
        'variable "pitr" {',
        "  type = bool",
        "}",
        "",
        'resource "aws_dynamodb_table" "t" {',
        '  name     = "t"',
        '  hash_key = "id"',
        "",
        "  point_in_time_recovery {",
        "    enabled = var.pitr",
        "  }",
        "",
        "  server_side_encryption {",
        "    enabled     = true",
        "    kms_key_arn = aws_kms_key.k.arn",
        "  }",
        "}",
        "",
        'resource "aws_kms_key" "k" {',
        "  enable_key_rotation = true",
        "}",
        "",
      ].join("\n"),
    });
    const report = await check(dir, { cwd: dir });
    expect(report.environments).toEqual([]);
    expect(report.standaloneModules).toEqual(["modules/m"]);
    expect(report.findings).toEqual([
      expect.objectContaining({ ruleId: "NOV001", severity: "warning", file: "modules/m/main.tf", line: 5, resource: "aws_dynamodb_table.t", environments: [] }),
    ]);
    expect(report.findings[0]?.message).toMatch(/cannot tell statically/);
  });

  it("flags NotAction and broad managed policies, and lets Deny wildcards pass", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
        { Effect: "Deny", Action: "s3:*", Resource: "*" },
      ],
    });
    const dir = temp({
      "modules/m/main.tf": [
        'resource "aws_iam_policy" "broad" {',
        "  policy = <<POLICY",
        policy,
        "POLICY",
        "}",
        "",
        'resource "aws_iam_role" "admin" {',
        '  name                = "admin"',
        '  assume_role_policy  = "{}"',
        '  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]',
        "}",
        "",
      ].join("\n"),
    });
    const report = await check(dir, { cwd: dir });
    expect(report.findings.map((f) => [f.ruleId, f.resource, f.message])).toEqual([
      ["NOV007", "aws_iam_policy.broad", "an Allow statement with NotAction allows every other action, data included"],
      ["NOV007", "aws_iam_role.admin", "managed policy arn:aws:iam::aws:policy/AdministratorAccess allows wildcard actions on data"],
    ]);
  });

  it("reads an environment's terraform.tfvars and *.auto.tfvars, later files winning", async () => {
    const files: Record<string, string> = {
      "modules/api/main.tf": [
        'variable "enable_waf" {',
        "  type = bool",
        "}",
        "",
        'resource "aws_api_gateway_stage" "live" {',
        '  stage_name = "live"',
        "}",
        "",
        'resource "aws_wafv2_web_acl" "api" {',
        "  count = var.enable_waf ? 1 : 0",
        '  scope = "REGIONAL"',
        "}",
        "",
        'resource "aws_wafv2_web_acl_association" "live" {',
        "  count        = var.enable_waf ? 1 : 0",
        "  resource_arn = aws_api_gateway_stage.live.arn",
        "}",
        "",
      ].join("\n"),
      "environments/staging/main.tf": [
        'variable "enable_waf" {',
        "  type    = bool",
        "  default = true",
        "}",
        "",
        'module "api" {',
        '  source     = "../../modules/api"',
        "  enable_waf = var.enable_waf",
        "}",
        "",
      ].join("\n"),
      "environments/staging/terraform.tfvars": "enable_waf = false\n",
    };
    const off = await check(temp(files), { environments: ["staging"] });
    expect(off.findings.filter((f) => f.ruleId === "NOV008").map((f) => [f.resource, f.message])).toEqual([
      ["module.api.aws_api_gateway_stage.live", "no WAF web ACL protects the API in staging"],
    ]);
    const on = await check(temp({ ...files, "environments/staging/zz.auto.tfvars.json": '{ "enable_waf": true }' }), { environments: ["staging"] });
    expect(on.findings.filter((f) => f.ruleId === "NOV008")).toEqual([]);
  });

  it("lists module calls it cannot follow instead of silently passing them", async () => {
    const dir = temp({
      "environments/dev/main.tf": [
        "terraform {",
        '  backend "s3" {',
        '    bucket       = "b"',
        '    key          = "k"',
        '    region       = "us-east-1"',
        "    encrypt      = true",
        "    use_lockfile = true",
        "  }",
        "}",
        "",
        'module "remote" {',
        '  source = "terraform-aws-modules/lambda/aws"',
        "}",
        "",
      ].join("\n"),
    });
    const report = await check(dir, { cwd: dir });
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([
      { file: "environments/dev/main.tf", line: 11, module: "module.remote", reason: "module source terraform-aws-modules/lambda/aws is not a local path" },
    ]);
  });

  it("refuses what it cannot check with a one-line usage or configuration error", async () => {
    await expect(check("test/fixtures/does-not-exist")).rejects.toThrow(UsageError);
    await expect(check("test/fixtures")).rejects.toThrow(/neither modules\/<name>\/ nor environments\/<env>\//);
    await expect(check(BROKEN, { environments: ["qa"] })).rejects.toThrow(/has no environment qa/);
    const bad = temp({ "modules/m/main.tf": 'resource "aws_kms_key" "k" {\n  enable_key_rotation = \n' });
    const failure = check(bad, { cwd: bad });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/^cannot parse modules\/m\/main\.tf: /);
  });
});

describe("runtimeStatus", () => {
  it("is supported, ending within 180 days, or past end of support", () => {
    expect(runtimeStatus("nodejs22.x", new Date("2026-06-01T00:00:00Z"))).toEqual({ kind: "supported", endOfSupport: "2027-04-30" });
    expect(runtimeStatus("nodejs22.x", TODAY)).toEqual({ kind: "ending", endOfSupport: "2027-04-30", daysLeft: 156 });
    expect(runtimeStatus("nodejs22.x", new Date("2027-04-30T08:00:00Z"))).toEqual({ kind: "unsupported", endOfSupport: "2027-04-30" });
    expect(runtimeStatus("nodejs18.x", TODAY).kind).toBe("unsupported");
    expect(runtimeStatus("nodejs24.x", TODAY).kind).toBe("supported");
    expect(runtimeStatus("cobol85", TODAY)).toEqual({ kind: "unknown" });
  });
});

describe("dataWildcard", () => {
  it("flags wildcards on data services and the global wildcard only", () => {
    expect(dataWildcard("*")).toMatch(/every action on every service/);
    expect(dataWildcard("dynamodb:*")).toMatch(/dynamodb data/);
    expect(dataWildcard("s3:Get*")).toMatch(/s3 data/);
    expect(dataWildcard("KMS:Decrypt*")).toMatch(/kms data/);
    expect(dataWildcard("dynamodb:GetItem")).toBeUndefined();
    expect(dataWildcard("xray:Put*")).toBeUndefined();
    expect(dataWildcard("cloudwatch:PutMetricData")).toBeUndefined();
  });
});
