/**
 * RTO and RPO from the instants the drill recorded. Pure.
 *
 * RTO: the wall time from issuing the restore call to a verified table (restore call, wait for
 * ACTIVE, verification), minus the drill's own extras in between (writing the "after" sentinel,
 * extension hooks), which a real recovery would not run.
 * RPO: how much data a recovery at this moment would lose: the time between the restore point and
 * the restore call. For PITR it is the lag of LatestRestorableDateTime; for a backup, its age.
 * The sentinels bound it independently: the "before" sentinel must be in the restore, the "after"
 * one must not.
 */

export type PhaseName =
  | "preflight"
  | "sentinel-before"
  | "pitr-catch-up"
  | "record"
  | "restore"
  | "sentinel-after"
  | "wait"
  | "hook"
  | "verify"
  | "sentinel-check"
  | "settings"
  | "cross-region"
  | "cleanup";

/** Phases whose time counts toward the RTO. */
export const RTO_PHASES: readonly PhaseName[] = ["restore", "wait", "verify"];

export interface PhaseTiming {
  name: PhaseName;
  seconds: number;
  /** Whether it is part of the RTO. */
  inRto: boolean;
  status: "done" | "skipped" | "failed";
  /** Why a phase was skipped or failed. */
  reason?: string;
}

export interface RtoInput {
  /** When the restore call was issued (epoch ms). */
  restoreRequestedAt: number;
  /** When verification finished. */
  verifiedAt: number;
  /** Milliseconds spent between the two in phases a real recovery would not run. */
  excludedMs: number;
}

const round = (ms: number) => Math.round(ms) / 1000;

/** Pure: the RTO in seconds (millisecond precision). */
export function rtoSeconds(input: RtoInput): number {
  const ms = input.verifiedAt - input.restoreRequestedAt - input.excludedMs;
  if (!(ms >= 0)) throw new Error("verification cannot finish before the restore call");
  return round(ms);
}

export interface RpoInput {
  /** The restore point (epoch ms). */
  restorePointMs: number;
  /** When the restore call was issued. */
  restoreRequestedAt: number;
  /** When its response arrived. */
  restoreReturnedAt: number;
}

/**
 * Pure: the RPO in seconds. A restore point inside the call (the service stamped it while handling
 * the request, as emulators do) is an RPO of 0; one after the response is clock skew between this
 * machine and the service, also counted as 0 and returned so the caller can say so.
 */
export function rpoSeconds(input: RpoInput): { seconds: number; skewMs: number } {
  if (input.restorePointMs <= input.restoreRequestedAt) return { seconds: round(input.restoreRequestedAt - input.restorePointMs), skewMs: 0 };
  if (input.restorePointMs <= input.restoreReturnedAt) return { seconds: 0, skewMs: 0 };
  return { seconds: 0, skewMs: input.restorePointMs - input.restoreReturnedAt };
}

/** What one sentinel proves about the restore point. */
export interface SentinelCheck {
  role: "before" | "after";
  /** Hash-key value of the sentinel item. */
  key: string;
  /** When it was written (confirmed by a consistent read for "before"). */
  writtenAt: string | null;
  expected: "present" | "absent";
  /** What the restored table held; null when not checked (the drill stopped earlier). */
  found: "present" | "absent" | null;
  ok: boolean;
}

/** Pure: a sentinel's verdict. */
export function sentinelVerdict(role: "before" | "after", key: string, writtenAt: number | null, found: boolean | null): SentinelCheck {
  const expected = role === "before" ? "present" : "absent";
  const seen = found === null ? null : found ? "present" : "absent";
  return { role, key, writtenAt: writtenAt === null ? null : new Date(writtenAt).toISOString(), expected, found: seen, ok: seen === expected };
}

/** Pure: per-phase durations from recorded start/end instants, in step order. */
export function phaseTimings(records: readonly { name: PhaseName; startedAt: number; endedAt: number; status: PhaseTiming["status"]; reason?: string }[]): PhaseTiming[] {
  return records.map((r) => ({
    name: r.name,
    seconds: round(Math.max(0, r.endedAt - r.startedAt)),
    inRto: RTO_PHASES.includes(r.name),
    status: r.status,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
  }));
}
