import path from "node:path";
import type { CommandContext } from "../context.js";
import { OperationError, UsageError } from "../errors.js";
import { SCHEMA_VERSION } from "../output/reporter.js";
import { packageVersion, projectRoot } from "../core/version.js";

/** `noveli validate`: the well-architected rules over a Terraform tree of noveli's layout. */
export interface ValidateOptions {
  /** Terraform root with modules/ and environments/; default: the terraform/ folder shipped with noveli. */
  dir?: string;
  /** text (default), json (same document as --json) or sarif (SARIF 2.1.0 for code scanning). */
  format?: string;
}

export const VALIDATE_FORMATS = ["text", "json", "sarif"] as const;
export type ValidateFormat = (typeof VALIDATE_FORMATS)[number];

/** Pure: the output format from --format and the global --json. */
export function resolveValidateFormat(format: string | undefined, json: boolean): ValidateFormat {
  if (format !== undefined && !(VALIDATE_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)} is not one of ${VALIDATE_FORMATS.join(", ")}`);
  }
  if (json && format !== undefined && format !== "json") {
    throw new UsageError(`--json and --format ${format} ask for two different outputs: use one of them`);
  }
  return json ? "json" : ((format ?? "text") as ValidateFormat);
}

export async function validate(options: ValidateOptions, ctx: CommandContext): Promise<void> {
  const format = resolveValidateFormat(options.format, ctx.globals.json);
  const dir = options.dir !== undefined ? path.resolve(options.dir) : path.join(projectRoot(), "terraform");
  const environments = ctx.globals.env ? [ctx.globals.env] : undefined;
  ctx.reporter.debug(`checking ${dir}${environments ? ` (environment ${environments[0]})` : ""}`);

  const { validateTerraform } = await import("../validate/engine.js");
  const { jsonDocument, renderText, sarifDocument } = await import("../validate/render.js");
  const report = await validateTerraform({ dir, ...(environments ? { environments } : {}), today: new Date(), cwd: process.cwd() });

  if (format === "sarif") {
    const sarif = sarifDocument(report, { toolVersion: packageVersion() });
    ctx.reporter.result(sarif, (lines) => lines.push(JSON.stringify(sarif, null, 2)));
  } else if (format === "json" && !ctx.reporter.json) {
    // --format json without --json: the same versioned document, printed by the human renderer.
    const document = jsonDocument(report);
    ctx.reporter.result(document, (lines) => lines.push(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...document }, null, 2)));
  } else {
    ctx.reporter.result(jsonDocument(report), (lines, style) => renderText(report, lines, style));
  }

  const { errors } = report.summary;
  if (errors > 0) {
    throw new OperationError("validate-failed", `${errors} error finding${errors === 1 ? "" : "s"} in ${report.dir}`, {
      details: { errors, warnings: report.summary.warnings },
    });
  }
}
