import { DEFAULT_MODELS, isCatalogModel, MODELS, modelProfile, type ModelPrice, type ModelProfile, type ThinkingProfile } from "@noveli/providers/catalog";
import type { ProviderName } from "@noveli/providers/types";

/** One line of `noveli models`: a catalog model, or a configured model the catalog does not know. Pure. */
export interface ModelRow {
  provider: ProviderName;
  id: string;
  label: string;
  /** The catalog's default for its provider. */
  catalogDefault: boolean;
  /** The model this configuration would call for its provider (NOVELI_<PROVIDER>_MODEL, else the default). */
  selected: boolean;
  inCatalog: boolean;
  price: ModelPrice | null;
  thinking: string;
  structured: ModelProfile["structured"];
  sampling: boolean;
  status: ModelProfile["status"] | "not in catalog";
  lifecycle?: string;
}

export function modelRows(selected: Readonly<Record<ProviderName, string>>, providers: readonly ProviderName[]): ModelRow[] {
  const profiles: ModelProfile[] = [
    ...MODELS.filter((m) => providers.includes(m.provider)),
    ...providers.filter((p) => !isCatalogModel(p, selected[p])).map((p) => modelProfile(p, selected[p])),
  ];
  return profiles.map((m) => ({
    provider: m.provider,
    id: m.id,
    label: m.label,
    catalogDefault: DEFAULT_MODELS[m.provider] === m.id,
    selected: selected[m.provider] === m.id,
    inCatalog: isCatalogModel(m.provider, m.id),
    price: m.price ?? null,
    thinking: describeThinking(m.thinking),
    structured: m.structured,
    sampling: m.sampling,
    status: isCatalogModel(m.provider, m.id) ? m.status : "not in catalog",
    ...(m.lifecycle ? { lifecycle: m.lifecycle } : {}),
  }));
}

export function describeThinking(thinking: ThinkingProfile): string {
  switch (thinking.mode) {
    case "none":
      return "none";
    case "disable":
      return "adaptive, sent off";
    case "always":
      return `always (+${thinking.reserveTokens} tokens${thinking.effort ? `, effort ${thinking.effort}` : ""})`;
    case "reasoning":
      return thinking.effort === "none" ? "effort none" : `effort ${thinking.effort} (+${thinking.reserveTokens} tokens)`;
  }
}
