import path from "node:path";
import type { CommandContext } from "../context.js";
import { OperationError, UsageError } from "../errors.js";
import { packageVersion, projectRoot } from "../core/version.js";
import type { ValidationReport } from "../validate/engine.js";
import { VALIDATE_FORMATS, validateView, type ValidateFormat } from "../views/validate.js";
import { render } from "../views/view.js";

export { VALIDATE_FORMATS, type ValidateFormat };

/** `noveli validate`: the well-architected rules over a Terraform tree of noveli's layout. */
export interface ValidateOptions {
  /** Terraform root with modules/ and environments/; default: the terraform/ folder shipped with noveli. */
  dir?: string;
  /** text (default), json (same document as --json) or sarif (SARIF 2.1.0 for code scanning). */
  format?: string;
}

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

export async function validate(options: ValidateOptions, ctx: CommandContext): Promise<ValidationReport> {
  const format = resolveValidateFormat(options.format, ctx.globals.json);
  const dir = options.dir !== undefined ? path.resolve(options.dir) : path.join(projectRoot(), "terraform");
  const environments = ctx.globals.env ? [ctx.globals.env] : undefined;
  ctx.reporter.debug(`checking ${dir}${environments ? ` (environment ${environments[0]})` : ""}`);

  const { validateTerraform } = await import("../validate/engine.js");
  const report = await validateTerraform({ dir, ...(environments ? { environments } : {}), today: new Date(), cwd: process.cwd() });
  render(ctx.reporter, validateView(format, packageVersion()), report);

  const { errors } = report.summary;
  if (errors > 0) {
    throw new OperationError("validate-failed", `${errors} error finding${errors === 1 ? "" : "s"} in ${report.dir}`, {
      details: { errors, warnings: report.summary.warnings },
    });
  }
  return report;
}
