import { describe, expect, it } from "vitest";
import { answerConfirms, chooseTargetColor, decideApply, deployVariables } from "../../src/ops/deploy/planner.js";
import { changesByService, renderPlanSummary, serviceOf, summarizePlan } from "../../src/ops/deploy/plan-summary.js";

const show = (changes: [string, string, string[]][]) => ({
  resource_changes: changes.map(([address, type, actions]) => ({ address, type, change: { actions } })),
});

describe("summarizePlan", () => {
  it("counts creates, updates, replaces and deletes and flags data-bearing ones", () => {
    const summary = summarizePlan(
      show([
        ["module.noveli.aws_lambda_function.story", "aws_lambda_function", ["update"]],
        ["module.noveli.aws_dynamodb_table.stories", "aws_dynamodb_table", ["delete", "create"]],
        ["module.noveli.aws_kms_key.main", "aws_kms_key", ["delete"]],
        ["module.noveli.aws_sqs_queue.dlq", "aws_sqs_queue", ["create"]],
        ["module.noveli.aws_iam_role.x", "aws_iam_role", ["no-op"]],
        ["module.noveli.aws_cloudwatch_log_group.x", "aws_cloudwatch_log_group", ["create", "delete"]],
      ]),
    );
    expect(summary).toMatchObject({ add: 1, change: 1, replace: 2, destroy: 1 });
    expect(summary.destructive.map((c) => c.address)).toEqual(["module.noveli.aws_dynamodb_table.stories", "module.noveli.aws_kms_key.main"]);
    expect(renderPlanSummary(summary)).toEqual([
      "Plan: 1 to add, 1 to change, 2 to replace, 1 to destroy.",
      "  Lambda           1 to change",
      "  DynamoDB         1 to replace",
      "  KMS              1 to destroy",
      "  SQS              1 to add",
      "  CloudWatch Logs  1 to replace",
      "Deletes and replaces:",
      "  !! replace module.noveli.aws_dynamodb_table.stories (holds stored data or its key)",
      "  !! destroy module.noveli.aws_kms_key.main (holds stored data or its key)",
      "  replace module.noveli.aws_cloudwatch_log_group.x",
    ]);
  });

  it("groups a first deploy by service with counts, and lists no deletes when there are none", () => {
    const summary = summarizePlan(
      show([
        ["module.noveli.aws_api_gateway_rest_api.api", "aws_api_gateway_rest_api", ["create"]],
        ["module.noveli.aws_api_gateway_stage.live", "aws_api_gateway_stage", ["create"]],
        ["module.noveli.aws_lambda_alias.blue", "aws_lambda_alias", ["create"]],
        ["module.noveli.aws_lambda_alias.green", "aws_lambda_alias", ["update"]],
        ["module.noveli.aws_route53_record.api", "aws_route53_record", ["create"]],
        ["module.noveli.aws_route_table.private", "aws_route_table", ["create"]],
      ]),
    );
    expect(changesByService(summary)).toEqual([
      { service: "API Gateway", create: 2, update: 0, replace: 0, delete: 0 },
      { service: "Lambda", create: 1, update: 1, replace: 0, delete: 0 },
      { service: "Route 53", create: 1, update: 0, replace: 0, delete: 0 },
      { service: "VPC", create: 1, update: 0, replace: 0, delete: 0 },
    ]);
    expect(renderPlanSummary(summary)).toEqual([
      "Plan: 5 to add, 1 to change, 0 to replace, 0 to destroy.",
      "  API Gateway  2 to add",
      "  Lambda       1 to add, 1 to change",
      "  Route 53     1 to add",
      "  VPC          1 to add",
    ]);
  });

  it.each([
    ["aws_cloudwatch_event_rule", "EventBridge"],
    ["aws_cloudwatch_metric_alarm", "CloudWatch"],
    ["aws_cloudwatch_log_group", "CloudWatch Logs"],
    ["aws_route53_health_check", "Route 53"],
    ["aws_route", "VPC"],
    ["aws_ce_anomaly_monitor", "Cost Explorer"],
    ["aws_xray_group", "XRAY"],
    ["random_id", "random"],
    ["terraform_data", "terraform"],
  ])("serviceOf(%s) is %s", (type, service) => {
    expect(serviceOf(type)).toBe(service);
  });
});

describe("chooseTargetColor", () => {
  it("first deploy goes to blue and sets up both colors", () => {
    expect(chooseTargetColor({})).toMatchObject({ color: "blue", firstDeploy: true });
  });
  it("new code always goes to the idle color", () => {
    expect(chooseTargetColor({ liveColor: "blue" }).color).toBe("green");
    expect(chooseTargetColor({ liveColor: "green" }).color).toBe("blue");
  });
  it("--color overrides and says when it targets live", () => {
    expect(chooseTargetColor({ liveColor: "blue" }, "blue").reason).toMatch(/LIVE/);
  });
});

describe("deployVariables", () => {
  it("pins the color not being deployed and releases the deployed one", () => {
    const vars = deployVariables({ packagePath: "/z.zip", color: "green", live: { liveColor: "blue", aliasVersions: { blue: "3", green: "2" } }, appVersion: "1.0.0", emulator: true, region: "us-east-1" });
    expect(vars.alias_versions).toEqual({ blue: "3" });
    expect(vars.target_color).toBe("green");
  });
});

describe("decideApply", () => {
  const calm = summarizePlan(show([["a.b", "aws_lambda_function", ["update"]]]));
  const destructive = summarizePlan(show([["a.t", "aws_dynamodb_table", ["delete"]]]));
  const base = { env: "dev" as const, summary: calm, allowDestroy: false, yes: false, interactive: false, emulator: true };

  it("refuses to destroy data without --allow-destroy, even with --yes", () => {
    expect(decideApply({ ...base, summary: destructive, yes: true }).kind).toBe("refuse");
    expect(decideApply({ ...base, summary: destructive, allowDestroy: true, yes: true }).kind).toBe("apply");
  });
  it("production on real AWS needs --yes outside a terminal and the typed name inside one", () => {
    const aws = { ...base, emulator: false };
    expect(decideApply({ ...aws, env: "production" }).kind).toBe("refuse");
    expect(decideApply({ ...aws, env: "production", yes: true }).kind).toBe("apply");
    const decision = decideApply({ ...aws, env: "production", interactive: true });
    expect(decision).toMatchObject({ kind: "confirm", expect: "env-name" });
    if (decision.kind === "confirm") {
      expect(answerConfirms(decision, "production", "production")).toBe(true);
      expect(answerConfirms(decision, "yes", "production")).toBe(false);
    }
  });
  it("emulators apply without a prompt, at a terminal too and whatever the environment; real AWS asks or needs --yes", () => {
    expect(decideApply(base).kind).toBe("apply");
    expect(decideApply({ ...base, interactive: true }).kind).toBe("apply");
    expect(decideApply({ ...base, env: "production", interactive: true }).kind).toBe("apply");
    expect(decideApply({ ...base, env: "production" }).kind).toBe("apply");
    expect(decideApply({ ...base, emulator: false }).kind).toBe("refuse");
    expect(decideApply({ ...base, emulator: false, interactive: true })).toMatchObject({ kind: "confirm", expect: "yes" });
  });
  it("an emulator still refuses to destroy data without --allow-destroy", () => {
    expect(decideApply({ ...base, summary: destructive, interactive: true }).kind).toBe("refuse");
  });
});
