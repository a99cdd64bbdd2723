import type { ColorHealthResult } from "../ops/health/check.js";
import type { View } from "./view.js";

/** How `noveli health-check` shows its verdict on one color. */
export const healthCheckView: View<ColorHealthResult> = {
  json: (result) => ({
    env: result.env,
    color: result.color,
    healthy: result.healthy,
    checks: result.checks,
    p50Ms: result.p50Ms,
    p95Ms: result.p95Ms,
    version: result.version,
    codeSha256: result.codeSha256,
  }),
  human: (result, s) => [
    result.healthy ? s.green(`✓ ${result.color} is healthy (${result.env})`) : s.red(`✗ ${result.color} is UNHEALTHY (${result.env})`),
    ...result.checks.map((check) => `  ${check.ok ? s.green("✓") : s.red("✗")} ${check.name.padEnd(15)} ${check.detail}`),
    s.dim(`  via ${result.via}`),
  ],
};
