import { describe, expect, it } from "vitest";
import { summarizePlannedChanges } from "../../src/ops/deploy/plan-summary.js";
import { applyOutcome, errorDiagnostics, parseUiMessages, plannedChanges } from "../../src/terraform/json-stream.js";

/** Lines as terraform 1.11's JSON UI writes them (trimmed to the fields it always carries). */
const line = (message: Record<string, unknown>) => JSON.stringify({ "@level": "info", "@module": "terraform.ui", ...message });
const resource = (addr: string, type: string) => ({ addr, module: "module.noveli", resource: addr.split(".").slice(-2).join("."), implied_provider: "aws", resource_type: type, resource_name: "x", resource_key: null });
const planned = (addr: string, type: string, action: string) =>
  line({ "@message": `${addr}: Plan to ${action}`, "@timestamp": "2026-12-01T20:03:51.018202Z", change: { resource: resource(addr, type), action }, type: "planned_change" });

describe("terraform's JSON UI", () => {
  it("plannedChanges keeps creates, updates, replaces and deletes in plan order; no-ops, reads and moves are not changes", () => {
    const stdout = [
      line({ "@message": "Terraform 1.11.4", terraform: "1.11.4", type: "version", ui: "1.2" }),
      planned("module.noveli.aws_dynamodb_table.story_sessions", "aws_dynamodb_table", "replace"),
      planned("module.noveli.aws_lambda_function.story_generator", "aws_lambda_function", "update"),
      planned("module.noveli.data.aws_iam_policy_document.kms", "aws_iam_policy_document", "read"),
      planned("module.noveli.aws_lambda_alias.color[\"blue\"]", "aws_lambda_alias", "noop"),
      planned("module.noveli.aws_sqs_queue.story_generator_dlq[0]", "aws_sqs_queue", "delete"),
      planned("module.noveli.aws_sns_topic.alerts", "aws_sns_topic", "move"),
      planned("module.noveli.aws_kms_alias.main", "aws_kms_alias", "create"),
      line({ "@message": "Plan: 1 to add, 1 to change, 1 to destroy.", changes: { add: 1, change: 1, remove: 1, operation: "plan" }, type: "change_summary" }),
      "not json at all",
      "",
    ].join("\n");
    const changes = plannedChanges(parseUiMessages(stdout));
    expect(changes).toEqual([
      { address: "module.noveli.aws_dynamodb_table.story_sessions", type: "aws_dynamodb_table", action: "replace" },
      { address: "module.noveli.aws_lambda_function.story_generator", type: "aws_lambda_function", action: "update" },
      { address: "module.noveli.aws_sqs_queue.story_generator_dlq[0]", type: "aws_sqs_queue", action: "delete" },
      { address: "module.noveli.aws_kms_alias.main", type: "aws_kms_alias", action: "create" },
    ]);
    // The deploy's guard sees the table's replacement exactly as it did from show -json.
    const summary = summarizePlannedChanges(changes);
    expect([summary.add, summary.change, summary.replace, summary.destroy]).toEqual([1, 1, 1, 1]);
    expect(summary.destructive.map((c) => c.address)).toEqual(["module.noveli.aws_dynamodb_table.story_sessions"]);
  });

  it("applyOutcome: the outputs as output -json gives them, each resource's time slowest first", () => {
    const hook = (type: string, addr: string, at: string, extra: Record<string, unknown> = {}) =>
      line({ "@timestamp": at, hook: { resource: resource(addr, "t"), action: "create", ...extra }, type });
    const stdout = [
      line({ "@message": "Terraform 1.11.4", "@timestamp": "2026-12-01T20:00:00.000Z", type: "version" }),
      hook("apply_start", "module.noveli.aws_kms_key.main", "2026-12-01T20:00:02.500Z"),
      hook("apply_start", "module.noveli.aws_iam_role.story_generator", "2026-12-01T20:00:02.500Z"),
      hook("apply_complete", "module.noveli.aws_iam_role.story_generator", "2026-12-01T20:00:02.900Z", { elapsed_seconds: 0 }),
      hook("apply_complete", "module.noveli.aws_kms_key.main", "2026-12-01T20:00:12.900Z", { elapsed_seconds: 10 }),
      hook("apply_start", "module.noveli.aws_lambda_function.story_generator", "2026-12-01T20:00:13.000Z"),
      hook("apply_complete", "module.noveli.aws_lambda_function.story_generator", "2026-12-01T20:00:18.300Z", { elapsed_seconds: 5 }),
      line({ "@message": "Outputs: 2", outputs: { api_id: { sensitive: false, type: "string", value: "abc123" }, alias_versions: { sensitive: false, type: ["object", {}], value: { blue: "1", green: "1" } } }, type: "outputs" }),
    ].join("\n");
    const outcome = applyOutcome(parseUiMessages(stdout));
    expect(outcome.outputs).toEqual({ api_id: { value: "abc123" }, alias_versions: { value: { blue: "1", green: "1" } } });
    expect(outcome.resources.map((r) => [r.address, r.seconds, r.startedAt])).toEqual([
      ["module.noveli.aws_kms_key.main", 10, 2.5],
      ["module.noveli.aws_lambda_function.story_generator", 5, 13],
      ["module.noveli.aws_iam_role.story_generator", 0, 2.5],
    ]);
  });

  it("a sensitive output leaves the outputs undefined (the caller asks output -json), and no outputs message means none", () => {
    const sensitive = line({ outputs: { token: { sensitive: true, type: "string" } }, type: "outputs" });
    expect(applyOutcome(parseUiMessages(sensitive)).outputs).toBeUndefined();
    expect(applyOutcome(parseUiMessages(line({ type: "version" }))).outputs).toBeUndefined();
  });

  it("errorDiagnostics: each error's summary with the first line of its detail; warnings are left out", () => {
    const stdout = [
      line({ "@level": "warn", diagnostic: { severity: "warning", summary: "Deprecated attribute", detail: "use x" }, type: "diagnostic" }),
      line({ "@level": "error", diagnostic: { severity: "error", summary: "local-exec provisioner error", detail: "\nError running command 'exit 7': exit status 7.\nOutput: injected" }, type: "diagnostic" }),
      line({ "@level": "error", diagnostic: { severity: "error", summary: "Invalid reference" }, type: "diagnostic" }),
    ].join("\n");
    expect(errorDiagnostics(parseUiMessages(stdout))).toBe("local-exec provisioner error (Error running command 'exit 7': exit status 7.); Invalid reference");
    expect(errorDiagnostics(parseUiMessages(line({ type: "version" })))).toBeUndefined();
  });
});
