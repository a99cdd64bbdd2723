import { describe, expect, it } from "vitest";
import { resolveValidateFormat } from "../../src/commands/validate.js";
import { UsageError } from "../../src/errors.js";
import { styleFor } from "../../src/output/style.js";
import { mergeFindings, type ValidationReport } from "../../src/validate/engine.js";
import { jsonDocument, renderText, sarifDocument } from "../../src/validate/render.js";

const rules: ValidationReport["rules"] = [
  { id: "NOV001", name: "dynamodb-pitr", severity: "error", title: "DynamoDB tables have point-in-time recovery on", help: "Add point_in_time_recovery." },
  { id: "NOV013", name: "sns-encryption", severity: "warning", title: "SNS topics are encrypted with a KMS key", help: "Set kms_master_key_id." },
];

function report(findings: ValidationReport["findings"]): ValidationReport {
  return {
    dir: "terraform",
    environments: ["dev", "staging"],
    standaloneModules: [],
    rules,
    findings,
    skipped: [],
    summary: { errors: findings.filter((f) => f.severity === "error").length, warnings: findings.filter((f) => f.severity === "warning").length },
  };
}

const pitr = {
  ruleId: "NOV001",
  rule: "dynamodb-pitr",
  severity: "error" as const,
  message: "point-in-time recovery is off",
  file: "terraform/modules/app/data.tf",
  line: 13,
  resource: "aws_dynamodb_table.sessions",
  environments: ["dev", "staging"],
};
const topic = {
  ruleId: "NOV013",
  rule: "sns-encryption",
  severity: "warning" as const,
  message: "messages are not encrypted at rest",
  file: "terraform/modules/app/monitoring.tf",
  line: 2,
  resource: "aws_sns_topic.alerts",
  environments: ["dev"],
};

describe("mergeFindings", () => {
  it("merges one finding across environments and sorts errors first, then by file and line", () => {
    const { environments: _a, ...pitrBase } = pitr;
    const { environments: _b, ...topicBase } = topic;
    const merged = mergeFindings([
      { ...topicBase, environment: "dev" },
      { ...pitrBase, environment: "dev" },
      { ...pitrBase, environment: "staging" },
      { ...pitrBase, environment: "staging" },
      { ...pitrBase, line: 2, message: "other", environment: null },
    ]);
    expect(merged.map((f) => [f.ruleId, f.line, f.environments])).toEqual([
      ["NOV001", 2, []],
      ["NOV001", 13, ["dev", "staging"]],
      ["NOV013", 2, ["dev"]],
    ]);
  });
});

describe("renderText", () => {
  it("groups findings by file with line, severity, rule, resource and environments", () => {
    const lines: string[] = [];
    renderText(report([pitr, topic]), lines, styleFor(false));
    expect(lines).toEqual([
      "noveli validate terraform (environments dev, staging; 2 rules)",
      "",
      "terraform/modules/app/data.tf",
      "    13  error    NOV001  aws_dynamodb_table.sessions: point-in-time recovery is off  [dev, staging]",
      "",
      "terraform/modules/app/monitoring.tf",
      "     2  warning  NOV013  aws_sns_topic.alerts: messages are not encrypted at rest  [dev]",
      "",
      "✗ 1 error, 1 warning",
    ]);
  });

  it("says so when every rule passes", () => {
    const lines: string[] = [];
    renderText(report([]), lines, styleFor(false));
    expect(lines.at(-1)).toBe("✓ all 2 rules pass");
  });
});

describe("jsonDocument", () => {
  it("carries the summary, findings and rule catalogue", () => {
    const document = jsonDocument(report([pitr])) as Record<string, unknown>;
    expect(document).toMatchObject({ dir: "terraform", environments: ["dev", "staging"], summary: { errors: 1, warnings: 0 }, findings: [pitr] });
    expect((document.rules as unknown[]).length).toBe(2);
  });
});

describe("sarifDocument", () => {
  it("is SARIF 2.1.0 with one rule per check and one result per finding", () => {
    const sarif = sarifDocument(report([pitr, topic]), { toolVersion: "0.1.0" }) as {
      version: string;
      runs: { tool: { driver: { name: string; version: string; rules: { id: string; defaultConfiguration: { level: string } }[] } }; results: Record<string, unknown>[] }[];
    };
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0];
    expect(run?.tool.driver).toMatchObject({ name: "noveli validate", version: "0.1.0" });
    expect(run?.tool.driver.rules.map((r) => [r.id, r.defaultConfiguration.level])).toEqual([
      ["NOV001", "error"],
      ["NOV013", "warning"],
    ]);
    expect(run?.results[0]).toEqual({
      ruleId: "NOV001",
      ruleIndex: 0,
      level: "error",
      message: { text: "aws_dynamodb_table.sessions: point-in-time recovery is off [dev, staging]" },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: "terraform/modules/app/data.tf", uriBaseId: "%SRCROOT%" }, region: { startLine: 13 } },
          logicalLocations: [{ fullyQualifiedName: "aws_dynamodb_table.sessions", kind: "resource" }],
        },
      ],
      properties: { environments: ["dev", "staging"] },
    });
    expect(run?.results[1]).toMatchObject({ ruleId: "NOV013", ruleIndex: 1, level: "warning" });
  });

  it("uses a file URI for findings outside the working directory", () => {
    const sarif = sarifDocument(report([{ ...pitr, file: "/elsewhere/main.tf" }]), { toolVersion: "0.1.0" }) as { runs: { results: { locations: { physicalLocation: { artifactLocation: unknown } }[] }[] }[] };
    expect(sarif.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation).toEqual({ uri: "file:///elsewhere/main.tf" });
  });
});

describe("resolveValidateFormat", () => {
  it("defaults to text, lets --json mean json, and refuses contradictions", () => {
    expect(resolveValidateFormat(undefined, false)).toBe("text");
    expect(resolveValidateFormat(undefined, true)).toBe("json");
    expect(resolveValidateFormat("json", true)).toBe("json");
    expect(resolveValidateFormat("sarif", false)).toBe("sarif");
    expect(() => resolveValidateFormat("sarif", true)).toThrow(UsageError);
    expect(() => resolveValidateFormat("yaml", false)).toThrow(/--format "yaml" is not one of text, json, sarif/);
  });
});
