import path from "node:path";
import { UsageError } from "../errors.js";
import { loadTree } from "./hcl.js";
import { instantiateTree } from "./instances.js";
import type { RawFinding, Rule, Severity } from "./rule.js";
import { RULES } from "./rules/index.js";

/** One finding, merged across the environments where it occurs. */
export interface Finding {
  ruleId: string;
  rule: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  resource: string;
  /** Environments where it occurs; empty for a module checked on its own. */
  environments: string[];
}

export interface RuleSummary {
  id: string;
  name: string;
  severity: Severity;
  title: string;
  help: string;
}

export interface ValidationReport {
  /** The Terraform root that was checked, as shown to the user. */
  dir: string;
  environments: string[];
  /** Modules checked on their own because no environment calls them. */
  standaloneModules: string[];
  rules: RuleSummary[];
  findings: Finding[];
  /** Module calls that could not be followed, so their resources were not checked. */
  skipped: { file: string; line: number; module: string; reason: string }[];
  summary: { errors: number; warnings: number };
}

export interface ValidateTerraformOptions {
  dir: string;
  /** Only these environments (default: all under environments/). */
  environments?: readonly string[];
  today: Date;
  /** Paths in findings are relative to it. */
  cwd: string;
  rules?: readonly Rule[];
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1 };

/** Pure: merges the same finding reported by several environments, and sorts (errors first, then by place). */
export function mergeFindings(raw: readonly (RawFinding & { ruleId: string; rule: string })[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of raw) {
    const key = JSON.stringify([finding.ruleId, finding.severity, finding.file, finding.line, finding.resource, finding.message]);
    let merged = byKey.get(key);
    if (!merged) {
      merged = {
        ruleId: finding.ruleId,
        rule: finding.rule,
        severity: finding.severity,
        message: finding.message,
        file: finding.file,
        line: finding.line,
        resource: finding.resource,
        environments: [],
      };
      byKey.set(key, merged);
    }
    if (finding.environment !== null && !merged.environments.includes(finding.environment)) merged.environments.push(finding.environment);
  }
  return [...byKey.values()].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.message.localeCompare(b.message),
  );
}

/** Loads a Terraform tree, evaluates it per environment and runs every rule. */
export async function validateTerraform(options: ValidateTerraformOptions): Promise<ValidationReport> {
  const rules = options.rules ?? RULES;
  const tree = await loadTree(path.resolve(options.cwd, options.dir), options.cwd);
  if (options.environments) {
    const known = tree.environments.map((env) => env.name);
    const missing = options.environments.filter((env) => !known.includes(env));
    if (missing.length > 0) {
      throw new UsageError(`${tree.display} has no environment ${missing.join(", ")} (environments: ${known.join(", ") || "none"})`);
    }
  }
  const instances = await instantiateTree(tree, options.environments);
  const raw = rules.flatMap((rule) => rule.check({ tree, instances, today: options.today }).map((finding) => ({ ...finding, ruleId: rule.id, rule: rule.name })));
  const findings = mergeFindings(raw);
  const skipped = new Map<string, ValidationReport["skipped"][number]>();
  for (const instance of instances) {
    for (const { call, reason } of instance.unresolvedCalls) {
      skipped.set(`${call.file.display}:${call.line}`, { file: call.file.display, line: call.line, module: `module.${call.name}`, reason });
    }
  }
  return {
    dir: tree.display,
    environments: instances.flatMap((instance) => (instance.environment === null ? [] : [instance.environment])),
    standaloneModules: instances.filter((instance) => instance.environment === null).map((instance) => instance.root.display),
    rules: rules.map(({ id, name, severity, title, help }) => ({ id, name, severity, title, help })),
    findings,
    skipped: [...skipped.values()],
    summary: {
      errors: findings.filter((finding) => finding.severity === "error").length,
      warnings: findings.filter((finding) => finding.severity === "warning").length,
    },
  };
}
