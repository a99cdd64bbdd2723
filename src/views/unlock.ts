import type { UnlockResult } from "../ops/lease/unlock.js";
import type { View } from "./view.js";

/** How `noveli unlock` says whose lease it broke, or why it left it alone. */
export const unlockView: View<UnlockResult> = {
  json: (result) => ({ command: "unlock", env: result.env, outcome: result.outcome, previousHolder: result.previous?.holder ?? null, reason: result.reason }),
  human: (result, s) => {
    if (result.outcome === "none") return [`${result.env}: nobody holds the lease, nothing to break`];
    if (result.outcome === "broken") return [s.yellow(`broke the lease on ${result.env}: ${result.summary}; recorded in the history ("${result.reason}")`)];
    return [s.red(`the lease on ${result.env} changed hands while reading it; left alone: run noveli status and try again`)];
  },
};
