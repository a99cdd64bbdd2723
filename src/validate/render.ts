import type { Style } from "../output/style.js";
import type { Finding, ValidationReport } from "./engine.js";

/** Human text, grouped by file like a linter, with a one-line summary. */
export function renderText(report: ValidationReport, lines: string[], style: Style): void {
  const scope = report.environments.length > 0 ? `environments ${report.environments.join(", ")}` : "no environments";
  const standalone = report.standaloneModules.length > 0 ? `; modules on their own: ${report.standaloneModules.join(", ")}` : "";
  lines.push(style.bold(`noveli validate ${report.dir}`) + style.dim(` (${scope}${standalone}; ${report.rules.length} rules)`));
  const byFile = new Map<string, Finding[]>();
  for (const finding of report.findings) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);
  for (const [file, findings] of [...byFile.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push("", style.bold(file));
    for (const finding of findings.sort((a, b) => a.line - b.line || a.ruleId.localeCompare(b.ruleId))) {
      const severity = finding.severity === "error" ? style.red("error  ") : style.yellow("warning");
      const where = finding.environments.length > 0 ? style.dim(`  [${finding.environments.join(", ")}]`) : "";
      lines.push(`  ${String(finding.line).padStart(4)}  ${severity}  ${style.cyan(finding.ruleId)}  ${finding.resource}: ${finding.message}${where}`);
    }
  }
  for (const skipped of report.skipped) lines.push("", style.dim(`not checked: ${skipped.module} at ${skipped.file}:${skipped.line} (${skipped.reason})`));
  const { errors, warnings } = report.summary;
  const counts = `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
  lines.push("");
  if (errors > 0) lines.push(style.red(`✗ ${counts}`));
  else if (warnings > 0) lines.push(style.yellow(`! ${counts}`));
  else lines.push(style.green(`✓ all ${report.rules.length} rules pass`));
}

/** The --json / --format json document (without schemaVersion, which the reporter adds). */
export function jsonDocument(report: ValidationReport): object {
  return {
    dir: report.dir,
    environments: report.environments,
    standaloneModules: report.standaloneModules,
    summary: report.summary,
    findings: report.findings,
    skipped: report.skipped,
    rules: report.rules,
  };
}

export interface SarifOptions {
  toolVersion: string;
}

const SARIF_LEVEL = { error: "error", warning: "warning" } as const;

/** SARIF 2.1.0 (what GitHub code scanning and most CI viewers read). */
export function sarifDocument(report: ValidationReport, options: SarifOptions): object {
  const ruleIndex = new Map(report.rules.map((rule, index) => [rule.id, index]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "noveli validate",
            version: options.toolVersion,
            rules: report.rules.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.help },
              defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
              help: { text: rule.help },
            })),
          },
        },
        originalUriBaseIds: { "%SRCROOT%": { description: { text: "the working directory noveli validate ran in" } } },
        results: report.findings.map((finding) => ({
          ruleId: finding.ruleId,
          ruleIndex: ruleIndex.get(finding.ruleId) ?? -1,
          level: SARIF_LEVEL[finding.severity],
          message: {
            text: `${finding.resource}: ${finding.message}${finding.environments.length > 0 ? ` [${finding.environments.join(", ")}]` : ""}`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: finding.file.startsWith("/") ? { uri: `file://${finding.file}` } : { uri: finding.file, uriBaseId: "%SRCROOT%" },
                region: { startLine: finding.line },
              },
              logicalLocations: [{ fullyQualifiedName: finding.resource, kind: "resource" }],
            },
          ],
          properties: { environments: finding.environments },
        })),
      },
    ],
  };
}
