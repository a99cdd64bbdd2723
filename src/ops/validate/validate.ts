import type { Environment } from "../../core/environment.js";
import { OperationError, type NoveliError } from "../../errors.js";
import type { Reporter } from "../../output/reporter.js";
import type { ValidationReport } from "../../validate/engine.js";

export interface ValidateInput {
  /** Terraform root with modules/ and environments/. */
  dir: string;
  /** Only this environment (--env); default: every one under environments/. */
  env?: Environment;
  today: Date;
  /** Paths in findings are relative to it. */
  cwd: string;
}

/** The well-architected rules over a Terraform tree of noveli's layout. Reads files only. */
export async function runValidate(input: ValidateInput, reporter: Reporter): Promise<ValidationReport> {
  reporter.debug(`checking ${input.dir}${input.env ? ` (environment ${input.env})` : ""}`);
  const { validateTerraform } = await import("../../validate/engine.js");
  return validateTerraform({ dir: input.dir, ...(input.env ? { environments: [input.env] } : {}), today: input.today, cwd: input.cwd });
}

/** Why the findings fail `noveli validate` (exit 1): an error finding; undefined on warnings only. */
export function validationFailure(report: ValidationReport): NoveliError | undefined {
  const { errors, warnings } = report.summary;
  if (errors === 0) return undefined;
  return new OperationError("validate-failed", `${errors} error finding${errors === 1 ? "" : "s"} in ${report.dir}`, { details: { errors, warnings } });
}
