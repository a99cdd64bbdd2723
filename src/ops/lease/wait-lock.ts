import { UsageError } from "../../errors.js";
import { parseDuration } from "../health/duration.js";

/** The longest --wait-lock: a command should not sit in a CI job for longer than this. */
export const MAX_WAIT_LOCK_MS = 3_600_000;

/** Pure: --wait-lock <duration> in ms (0 when not given), at most an hour. */
export function parseWaitLock(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const ms = parseDuration(raw, "--wait-lock");
  if (ms > MAX_WAIT_LOCK_MS) throw new UsageError(`--wait-lock ${raw} is longer than the 1h it may wait`);
  return ms;
}
