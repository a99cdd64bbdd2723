import type { Target } from "../core/target.js";
import { BudgetsClient } from "./budgets.js";
import { createClient } from "./clients.js";
import { CloudWatchClient } from "./cloudwatch.js";
import { CostExplorerClient } from "./cost-explorer.js";
import { STSClient } from "./sts.js";

/** The clients the cost report (and the rehearsal's sample costs) read and write with. */
export interface CostClients {
  ce: CostExplorerClient;
  budgets: BudgetsClient;
  cloudwatch: CloudWatchClient;
  sts: STSClient;
}

/**
 * Cost Explorer and Budgets are global services served from us-east-1; on real AWS their
 * clients use that region whatever the target's. CloudWatch stays in the target's region, where
 * the Lambda publishes its metrics.
 */
export function createCostClients(target: Target): CostClients {
  const global = target.kind === "aws" ? { region: "us-east-1" } : {};
  return {
    ce: createClient(CostExplorerClient, target, global),
    budgets: createClient(BudgetsClient, target, global),
    cloudwatch: createClient(CloudWatchClient, target),
    sts: createClient(STSClient, target),
  };
}

export function destroyCostClients(clients: CostClients): void {
  clients.ce.destroy();
  clients.budgets.destroy();
  clients.cloudwatch.destroy();
  clients.sts.destroy();
}
