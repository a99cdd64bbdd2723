import { BudgetsClient, CreateBudgetCommand, DeleteBudgetCommand, DescribeBudgetsCommand, type Budget } from "@aws-sdk/client-budgets";
import { nextPageToken } from "./pagination.js";

export { BudgetsClient };
export type { Budget };

export interface CostBudget {
  name: string;
  limitUsd: number;
  /** What AWS Budgets would have calculated; only an emulator accepts these from a caller. */
  actualUsd: number;
  forecastUsd: number;
}

/**
 * Creates a monthly cost budget, replacing the one of that name (delete, then create: moto has no
 * UpdateBudget, and this writes sample budgets into emulators only).
 */
export async function putMonthlyCostBudget(client: BudgetsClient, accountId: string, budget: CostBudget, signal?: AbortSignal): Promise<void> {
  const definition = {
    BudgetName: budget.name,
    BudgetType: "COST" as const,
    TimeUnit: "MONTHLY" as const,
    BudgetLimit: { Amount: budget.limitUsd.toFixed(2), Unit: "USD" },
    CalculatedSpend: { ActualSpend: { Amount: budget.actualUsd.toFixed(2), Unit: "USD" }, ForecastedSpend: { Amount: budget.forecastUsd.toFixed(2), Unit: "USD" } },
  };
  const options = signal ? { abortSignal: signal } : {};
  try {
    await client.send(new CreateBudgetCommand({ AccountId: accountId, Budget: definition }), options);
  } catch (error) {
    if ((error as { name?: string }).name !== "DuplicateRecordException") throw error;
    await client.send(new DeleteBudgetCommand({ AccountId: accountId, BudgetName: budget.name }), options);
    await client.send(new CreateBudgetCommand({ AccountId: accountId, Budget: definition }), options);
  }
}

/** Every budget of the account (DescribeBudgets is paginated with NextToken). */
export async function describeBudgets(client: BudgetsClient, accountId: string, signal: AbortSignal): Promise<Budget[]> {
  const all: Budget[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const response = await client.send(new DescribeBudgetsCommand({ AccountId: accountId, MaxResults: 100, ...(token ? { NextToken: token } : {}) }), { abortSignal: signal });
    all.push(...(response.Budgets ?? []));
    token = nextPageToken(seen, response.NextToken, "DescribeBudgets");
  } while (token !== undefined);
  return all;
}
