import type { ModelPrice } from "./catalog.js";
import type { TokenUsage } from "./types.js";

/**
 * What a call cost, from the catalog's prices. Pure. A model without a price costs `null`
 * ("unpriced"), never 0: an unknown cost must not look free.
 */
export function costUsd(price: ModelPrice | undefined, usage: TokenUsage): number | null {
  if (!price) return null;
  const cacheWrite = usage.cacheWrite ?? 0;
  const prompt = usage.input + usage.cached + cacheWrite;
  const rates = price.longContext && prompt > price.longContext.aboveInputTokens ? price.longContext : price;
  const micro =
    usage.input * rates.input + usage.output * rates.output + usage.cached * rates.cacheRead + cacheWrite * rates.cacheWrite;
  // Prices are per million tokens; 12 significant digits drop float noise, not precision.
  return tidy(micro / 1_000_000);
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cached: a.cached + b.cached,
    cacheWrite: (a.cacheWrite ?? 0) + (b.cacheWrite ?? 0),
  };
}

export const NO_USAGE: Readonly<TokenUsage> = Object.freeze({ input: 0, output: 0, cached: 0, cacheWrite: 0 });

/** Sums costs; any unpriced part makes the total unpriced (null). */
export function addCosts(costs: (number | null)[]): number | null {
  let total = 0;
  for (const cost of costs) {
    if (cost === null) return null;
    total += cost;
  }
  return tidy(total);
}

function tidy(value: number): number {
  return Number(value.toPrecision(12));
}
