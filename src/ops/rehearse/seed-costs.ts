import { putMonthlyCostBudget } from "../../aws/budgets.js";
import { putMetricData } from "../../aws/cloudwatch.js";
import { createCostClients, destroyCostClients } from "../../aws/cost-clients.js";
import { getAccountId } from "../../aws/sts.js";
import type { EmulatorTarget } from "../../core/target.js";
import type { Environment } from "../../core/environment.js";
import { queueCostAndUsageResults } from "../../local/moto-api.js";
import { markSampleCosts } from "../cost/sample-data.js";
import { sampleCostData } from "./sample-costs.js";

/** A sample monthly budget for the rehearsal's report (the emulator deploys none of its own). */
export const SAMPLE_BUDGET_USD = 50;

export interface SeededCosts {
  from: string;
  to: string;
  total: number;
  budget: string;
  metrics: number;
}

/**
 * Writes sample cost data into an emulator through its own APIs: a queued Cost Explorer answer
 * (moto's static-results API), a monthly budget with its spend (Budgets), and AI provider and
 * story metrics (CloudWatch); then marks the emulator as holding sample data.
 */
export async function seedSampleCosts(input: {
  target: EmulatorTarget;
  env: Environment;
  from: string;
  today: string;
  stateDir: string;
  instanceId: string | null;
  signal: AbortSignal;
}): Promise<SeededCosts> {
  const data = sampleCostData({ from: input.from, to: input.today, env: input.env, today: input.today, monthlyBudgetUsd: SAMPLE_BUDGET_USD });
  const clients = createCostClients(input.target);
  try {
    await queueCostAndUsageResults(input.target.endpointUrl, [data.costAndUsage], input.signal);
    await putMonthlyCostBudget(clients.budgets, await getAccountId(clients.sts, input.signal), data.budget, input.signal);
    for (const { namespace, data: values } of data.metrics) await putMetricData(clients.cloudwatch, namespace, values, input.signal);
  } finally {
    destroyCostClients(clients);
  }
  markSampleCosts(input.stateDir, input.target.endpointUrl, { seededBy: "noveli rehearse", seededAt: new Date().toISOString(), instanceId: input.instanceId });
  return { from: input.from, to: input.today, total: data.total, budget: data.budget.name, metrics: data.metrics.reduce((n, m) => n + m.data.length, 0) };
}
