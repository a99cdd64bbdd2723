import type { CommandContext } from "../context.js";
import { OperationError } from "../errors.js";
import type { ModelsResult } from "../ops/models/models.js";
import { modelsView } from "../views/models.js";
import { render } from "../views/view.js";

/** Options of `noveli models`, as commander hands them over. */
export interface ModelsCommandOptions {
  /** Ask each configured provider for its own model list and judge every id against it. Default false. */
  check?: boolean;
  /** Providers to show and check, e.g. "anthropic,openai". Default: NOVELI_PROVIDERS, else all three. */
  provider?: string;
}

/**
 * `noveli models`: the catalog as a table (provider, id, prices with their source and date,
 * thinking, structured-output mode, status); `--check` asks each configured provider's own list
 * and exits 1 when a configured model cannot be called.
 */
export async function models(options: ModelsCommandOptions, ctx: CommandContext): Promise<ModelsResult> {
  const { runModels } = await import("../ops/models/models.js");
  const result = await runModels(ctx, { check: options.check === true, ...(options.provider !== undefined ? { provider: options.provider } : {}) });
  render(ctx.reporter, modelsView, result);
  const unusable = result.report?.unusable ?? [];
  if (unusable.length > 0) {
    throw new OperationError(
      "model-unusable",
      `${unusable.length === 1 ? "a configured model is" : `${unusable.length} configured models are`} not usable: ${unusable.map((u) => `${u.provider} ${u.id} (${u.reason})`).join("; ")}`,
      { hint: "pick another with --model or NOVELI_<PROVIDER>_MODEL; `noveli models` lists the catalog", details: { unusable } },
    );
  }
  return result;
}
