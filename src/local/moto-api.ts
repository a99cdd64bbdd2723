import { OperationError } from "../errors.js";

/**
 * moto's own control API (not an AWS API). Cost Explorer is not tracked by moto: its
 * GetCostAndUsage answers from a queue of results set through /moto-api/static/ce/cost-and-usage-results.
 * The first request takes the first queued result, and a request with the same parameters later
 * gets the same result again.
 */
export async function queueCostAndUsageResults(endpointUrl: string, results: object[], signal?: AbortSignal): Promise<void> {
  const response = await fetch(`${endpointUrl}/moto-api/static/ce/cost-and-usage-results`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ results }),
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new OperationError("moto-api", `the emulator refused sample Cost Explorer data: HTTP ${response.status} (is ${endpointUrl} a moto server?)`);
}
