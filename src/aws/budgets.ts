import { CreateBudgetCommand, DeleteBudgetCommand, type BudgetsClient } from "@aws-sdk/client-budgets";

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
