import type { CommandContext } from "../context.js";
import { ConfigError, OperationError, UsageError } from "../errors.js";
import type { ModelCheckReport, ModelListers } from "../ops/models/check.js";
import type { ModelRow } from "../ops/models/rows.js";
import type { Style } from "../output/style.js";
import type { ProviderConfig, ProviderConfigOverrides } from "@noveli/providers";

/** Options of `noveli models`, as commander hands them over. */
export interface ModelsCommandOptions {
  /** Ask each configured provider for its own model list and judge every id against it. Default false. */
  check?: boolean;
  /** Providers to show and check, e.g. "anthropic,openai". Default: NOVELI_PROVIDERS, else all three. */
  provider?: string;
}

/** How long one provider's model list may take (each Bedrock call included). */
const LIST_TIMEOUT_MS = 20_000;

/**
 * `noveli models`: the catalog as a table (provider, id, prices with their source and date,
 * thinking, structured-output mode, status); `--check` asks each configured provider's own list
 * (OpenAI and Anthropic `GET /v1/models`, Bedrock ListFoundationModels and ListInferenceProfiles)
 * and exits 1 when a configured model cannot be called.
 */
export async function models(options: ModelsCommandOptions, ctx: CommandContext): Promise<void> {
  const providers = await import("@noveli/providers");
  const { modelRows } = await import("../ops/models/rows.js");
  let config: ProviderConfig;
  try {
    const overrides: ProviderConfigOverrides = {};
    if (options.provider !== undefined) overrides.providers = providers.parseProviderList(options.provider, "--provider");
    if (ctx.globals.endpointUrl) overrides.endpointUrl = ctx.globals.endpointUrl;
    if (ctx.globals.region) overrides.region = ctx.globals.region;
    if (ctx.globals.profile) overrides.profile = ctx.globals.profile;
    const { hasSharedDefaultProfile } = await import("../aws/shared-config.js");
    if (hasSharedDefaultProfile(process.env)) overrides.awsSharedDefaultProfile = true;
    config = providers.providerConfigFromEnv(process.env, overrides);
  } catch (error) {
    if (providers.isGenerationError(error)) throw new UsageError(error.message);
    throw error;
  }
  const selected = { bedrock: config.providers.bedrock.model, anthropic: config.providers.anthropic.model, openai: config.providers.openai.model };
  const rows = modelRows(selected, config.order);

  if (!options.check) {
    ctx.reporter.result(modelsDocument(rows, providers.CATALOG_CHECKED, undefined), (lines, style) => renderTable(rows, undefined, providers.CATALOG_CHECKED, lines, style));
    return;
  }

  if (!config.order.some((name) => config.providers[name].configured)) {
    throw new ConfigError("no-provider", "no AI provider is configured: nothing to check", {
      hint: `configure at least one of:\n${config.order.map((name) => `  ${providers.CONFIGURE_HINTS[name]}`).join("\n")}`,
    });
  }
  const listers = await modelListers(config, ctx);
  const { checkModels } = await import("../ops/models/check.js");
  const report = await ctx.reporter.phase("Asking each provider for its models", () => checkModels(config, listers));
  ctx.reporter.result(modelsDocument(rows, providers.CATALOG_CHECKED, report), (lines, style) => renderTable(rows, report, providers.CATALOG_CHECKED, lines, style));
  if (report.unusable.length > 0) {
    throw new OperationError(
      "model-unusable",
      `${report.unusable.length === 1 ? "a configured model is" : `${report.unusable.length} configured models are`} not usable: ${report.unusable.map((u) => `${u.provider} ${u.id} (${u.reason})`).join("; ")}`,
      { hint: "pick another with --model or NOVELI_<PROVIDER>_MODEL; `noveli models` lists the catalog", details: { unusable: report.unusable } },
    );
  }
}

/** The SDK calls behind the check, each bounded by LIST_TIMEOUT_MS and the command's signal. */
async function modelListers(config: ProviderConfig, ctx: CommandContext): Promise<ModelListers> {
  const listing = await import("@noveli/providers/listing");
  const signal = () => AbortSignal.any([ctx.signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
  const bedrockRegion = config.providers.bedrock.region;
  let bedrockClient: Promise<import("@aws-sdk/client-bedrock").BedrockClient> | undefined;
  const bedrock = () => {
    bedrockClient ??= (async () => {
      // The embedded emulator (moto) has no Bedrock: say so rather than fail on an unknown route.
      if (ctx.globals.local) throw new Error("the local emulator has no Bedrock; use --endpoint-url or real AWS");
      const [{ BedrockClient }, { createClient }, target] = await Promise.all([import("@aws-sdk/client-bedrock"), import("../aws/clients.js"), ctx.target()]);
      return createClient(BedrockClient, target, bedrockRegion ? { region: bedrockRegion } : {});
    })();
    return bedrockClient;
  };
  const aws = await import("../aws/bedrock.js");
  return {
    openai: (settings) => listing.listOpenAiModels(settings, { timeoutMs: LIST_TIMEOUT_MS, signal: signal() }),
    anthropic: (settings) => listing.listAnthropicModels(settings, { timeoutMs: LIST_TIMEOUT_MS, signal: signal() }),
    bedrock: {
      region: bedrockRegion,
      foundationModels: async () => aws.listFoundationModels(await bedrock(), signal()),
      inferenceProfiles: async () => aws.listInferenceProfiles(await bedrock(), signal()),
      access: async (modelId) => aws.foundationModelAccess(await bedrock(), modelId, signal()),
    },
  };
}

// ---------------------------------------------------------------- rendering (pure)

/** The --json document: every row with its price source and date, and the check when asked. */
export function modelsDocument(rows: ModelRow[], catalogChecked: string, report: ModelCheckReport | undefined): Record<string, unknown> {
  return {
    command: "models",
    catalogChecked,
    models: rows.map((row) => ({
      provider: row.provider,
      id: row.id,
      label: row.label,
      default: row.catalogDefault,
      selected: row.selected,
      inCatalog: row.inCatalog,
      status: row.status,
      structured: row.structured,
      sampling: row.sampling,
      thinking: row.thinking,
      price: row.price,
      ...(report ? { check: report.models.find((m) => m.provider === row.provider && m.id === row.id)?.availability ?? null } : {}),
    })),
    ...(report ? { providers: report.providers, unusable: report.unusable } : {}),
  };
}

function money(value: number | undefined): string {
  return value === undefined ? "-" : String(Number(value.toPrecision(6)));
}

export function renderTable(rows: ModelRow[], report: ModelCheckReport | undefined, catalogChecked: string, lines: string[], style: Style): void {
  const sources = [...new Set(rows.flatMap((r) => (r.price ? [r.price.source] : [])))];
  const header = ["PROVIDER", "MODEL", "IN", "OUT", "CACHE R", "CACHE W", "PRICE", "THINKING", "OUTPUT", "STATUS", ...(report ? ["CHECK"] : [])];
  const table = rows.map((row) => {
    const check = report?.models.find((m) => m.provider === row.provider && m.id === row.id)?.availability;
    const unconfirmed = row.price?.unconfirmed?.length ? "*" : "";
    return [
      row.provider,
      `${row.id}${row.selected ? " (selected)" : row.catalogDefault ? " (default)" : ""}`,
      money(row.price?.input),
      money(row.price?.output),
      `${money(row.price?.cacheRead)}${unconfirmed}`,
      money(row.price?.cacheWrite),
      row.price ? `[${sources.indexOf(row.price.source) + 1}] ${row.price.checked}` : "unpriced",
      row.thinking,
      row.structured === "tool" ? "forced tool" : "json schema",
      row.status,
      ...(report ? [check ? check.state : "not checked"] : []),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ");
  lines.push(style.dim(`Prices in USD per million tokens, list price, short context; catalog checked ${catalogChecked}.`), "");
  lines.push(style.bold(line(header)));
  for (const cells of table) lines.push(line(cells));
  lines.push("");
  sources.forEach((source, i) => lines.push(style.dim(`[${i + 1}] ${source}`)));
  for (const row of rows) {
    for (const open of row.price?.unconfirmed ?? []) {
      lines.push(style.dim(`* ${row.provider} ${row.id} ${open.rate} unconfirmed (${open.candidates.join(" or ")}; ${money(row.price?.[open.rate])} charged): ${open.note}`));
    }
  }
  if (!report) return;
  lines.push("");
  for (const provider of report.providers) {
    if (!provider.checked) lines.push(`${provider.provider}: not checked: ${provider.reason}`);
  }
  for (const model of report.models) {
    if (model.availability.state === "available") continue;
    const mark = model.availability.state === "deprecated" ? style.yellow("!") : style.red("✗");
    lines.push(`${mark} ${model.provider} ${model.id}${model.configured ? " (selected)" : ""}: ${model.availability.state}${model.availability.note ? `: ${model.availability.note}` : ""}`);
  }
  const checked = report.providers.filter((p) => p.checked).map((p) => p.provider);
  if (report.unusable.length === 0) lines.push(style.green(`✓ every selected model is usable${checked.length > 0 ? ` (${checked.join(", ")} checked)` : ""}`));
}

