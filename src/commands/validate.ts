import path from "node:path";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { packageVersion, projectRoot } from "../core/version.js";
import { runValidate, validationFailure } from "../ops/validate/validate.js";
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
  const report = await runValidate({ dir, ...(ctx.globals.env ? { env: ctx.globals.env } : {}), today: new Date(), cwd: process.cwd() }, ctx.reporter);
  render(ctx.reporter, validateView(format, packageVersion()), report);
  const failure = validationFailure(report);
  if (failure) throw failure;
  return report;
}
