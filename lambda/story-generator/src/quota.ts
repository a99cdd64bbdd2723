import { ApiError } from "./http.js";
import type { Logger } from "./logger.js";

/**
 * The daily beat quota: each user may have this many beats told per UTC day (start and choice
 * alike, each one a paid model call). The limit comes from NOVELI_DAILY_BEAT_QUOTA, set per
 * environment by Terraform; unset means no limit. Beats are counted in the story table with a
 * conditional update, so concurrent requests of one user, in any number of Lambda containers,
 * can never together pass the limit. A beat is counted before the model is called; a generation
 * that fails gives its beat back.
 */

/** What NOVELI_DAILY_BEAT_QUOTA says. */
export type QuotaSetting = { kind: "unlimited" } | { kind: "limit"; beats: number } | { kind: "invalid"; value: string };

export const QUOTA_VARIABLE = "NOVELI_DAILY_BEAT_QUOTA";

/** Pure: the quota setting from the function's environment. */
export function quotaSetting(env: Record<string, string | undefined>): QuotaSetting {
  const raw = env[QUOTA_VARIABLE];
  if (raw === undefined || raw.trim() === "") return { kind: "unlimited" };
  const value = raw.trim();
  if (!/^[0-9]{1,9}$/.test(value)) return { kind: "invalid", value: value.slice(0, 40) };
  return { kind: "limit", beats: Number(value) };
}

const DAY_MS = 86_400_000;

/** Pure: the UTC day of an instant, as days since the epoch (the ledger's sort key). */
export const utcDay = (now: number): number => Math.floor(now / DAY_MS);

/** Pure: whole seconds until the next UTC midnight (at least 1), the Retry-After of a 429. */
export const secondsToNextUtcDay = (now: number): number => Math.max(1, Math.ceil(((utcDay(now) + 1) * DAY_MS - now) / 1000));

export type ConsumeResult = { kind: "granted"; used: number } | { kind: "exhausted" };

/** Where beats are counted: one counter per user and UTC day. */
export interface QuotaLedger {
  /** Counts one beat for the user on `day` unless `limit` are counted already. */
  consume(userId: string, day: number, limit: number): Promise<ConsumeResult>;
  /** Gives back one counted beat (its generation failed). */
  release(userId: string, day: number): Promise<void>;
}

export function isQuotaLedger(value: unknown): value is QuotaLedger {
  return typeof (value as QuotaLedger | undefined)?.consume === "function" && typeof (value as QuotaLedger | undefined)?.release === "function";
}

/** Pure: the ledger item's key in the story table. Session ids are UUIDs, so it names no session. */
export const quotaKey = (userId: string, day: number): { sessionId: string; timestamp: number } => ({ sessionId: `quota#${userId}`, timestamp: day });

/** A counter outlives its day by one more, then TTL removes it. */
export const quotaExpiresAt = (day: number): number => (day + 2) * 86_400;

/** Gives back a beat taken by `take`; never throws. */
export type QuotaRefund = () => Promise<void>;

export interface BeatQuota {
  /** Counts one beat for the user, or refuses with 429 (Retry-After: seconds to the next UTC day). */
  take(userId: string, logger: Logger): Promise<QuotaRefund>;
}

const noRefund: QuotaRefund = async () => undefined;

export function createBeatQuota(options: { setting: QuotaSetting; ledger: QuotaLedger | undefined; now: () => number }): BeatQuota {
  const { setting, ledger, now } = options;
  return {
    async take(userId, logger) {
      if (setting.kind === "unlimited") return noRefund;
      if (setting.kind === "invalid") {
        // A limit that cannot be read is not "no limit": nobody spends until it is fixed.
        logger.error("daily beat quota misconfigured", { variable: QUOTA_VARIABLE, value: setting.value });
        throw new ApiError(503, "quota-misconfigured", `${QUOTA_VARIABLE} is not a whole number of beats; no story can be told until it is fixed`);
      }
      if (!ledger) throw new ApiError(503, "quota-unavailable", "the daily beat quota cannot be counted here");
      const at = now();
      const day = utcDay(at);
      const counted = await ledger.consume(userId, day, setting.beats);
      if (counted.kind === "exhausted") {
        const retryAfter = secondsToNextUtcDay(at);
        logger.info("daily beat quota exhausted", { userId, limit: setting.beats, retryAfterSeconds: retryAfter });
        throw new ApiError(429, "daily-quota-exceeded", `the daily limit of ${setting.beats} story beats is used up; it resets at 00:00 UTC`, {
          headers: { "retry-after": String(retryAfter) },
          details: { limit: setting.beats, retryAfterSeconds: retryAfter },
        });
      }
      return async () => {
        try {
          await ledger.release(userId, day);
        } catch (error) {
          logger.warn("could not give back a beat of the daily quota", { userId, error: error instanceof Error ? error.message.slice(0, 200) : String(error) });
        }
      };
    },
  };
}
