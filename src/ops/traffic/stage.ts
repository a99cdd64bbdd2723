import type { StageTraffic } from "../../aws/apigateway.js";
import type { StagePatch } from "./planner.js";

/** The live stage as a shift sees it: read its traffic, apply patch operations; `signal` bounds one call (the rollback's deadline). */
export interface LiveStage {
  read(signal?: AbortSignal): Promise<StageTraffic>;
  /**
   * Writes the patch and answers the stage as it reads after it: API Gateway's UpdateStage answers
   * with the whole stage, so this is the write's read-back without a read of its own.
   */
  update(patchOperations: StagePatch[], signal?: AbortSignal): Promise<StageTraffic>;
}

/** Pure: the stage's traffic in words: `green`, `blue + canary 10% to green`. */
export const describeTraffic = (t: StageTraffic): string =>
  `${t.deployment ?? "(no deployment variable)"}${t.canary ? ` + canary ${t.canary.percentTraffic}% to ${t.canary.deployment ?? "?"}` : ""}`;

/** Pure: the state a failed rollback leaves, as last read. */
export function leftState(last: StageTraffic | null): string {
  return last ? `the live stage last read ${describeTraffic(last)}` : "the live stage could not be read";
}
