import type { Clock } from "../core/clock.js";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Environment } from "../core/environment.js";
import { ConfigError, LockError, errorMessage } from "../errors.js";
import { ciRunUrl, currentUser } from "./history.js";

/**
 * The environment's lease: one item per environment in the account's operations table, taken with
 * a conditional write before a command changes anything, renewed by a heartbeat, released when the
 * command ends (success, failure, SIGINT, SIGTERM). A holder that died stops renewing: its lease
 * expires one lease duration (2 minutes) after its last heartbeat and the next command takes it
 * over. Every traffic write is fenced: the writer proves, with a conditional update of the lease
 * right before the write, that it still holds the lease it took (same token, not expired).
 */

export interface LeaseHolder {
  user: string;
  host: string;
  /** What holds it, e.g. `switch-traffic dev → green`. */
  command: string;
  pid: number;
  startedAt: string;
  ciRunUrl?: string;
}

export interface LeaseRecord {
  /** Fencing token: unique per acquisition. */
  token: string;
  holder: LeaseHolder;
  heartbeatAt: string;
  /** Epoch ms after which another command may take the lease over. */
  expiresAt: number;
}

/** The lease item's conditional operations (DynamoDB in ops-store.ts, in memory in unit tests). */
export interface LeaseStore {
  /** Writes the lease if there is none or it expired before `now`; else returns the current one. */
  putLeaseIfFree(env: Environment, lease: LeaseRecord, now: number): Promise<{ acquired: true; replaced?: LeaseRecord } | { acquired: false; current?: LeaseRecord }>;
  /** Extends the lease if it still carries `token` and has not expired at `now`. */
  renewLease(env: Environment, token: string, now: number, expiresAt: number): Promise<boolean>;
  /** Deletes the lease if it still carries `token`. */
  deleteLease(env: Environment, token: string): Promise<boolean>;
  readLease(env: Environment): Promise<LeaseRecord | undefined>;
}

export interface LeaseSettings {
  /** How long after its last heartbeat a lease may be taken over. */
  durationMs: number;
  heartbeatMs: number;
}

export const DEFAULT_LEASE_MS = 120_000;
export const DEFAULT_HEARTBEAT_MS = 20_000;

/**
 * The lease duration and heartbeat: 2 minutes and 20 seconds, or NOVELI_LEASE_SECONDS (2 to 3600)
 * and NOVELI_LEASE_HEARTBEAT_SECONDS (1 to a third of the duration) for tests and operators who
 * need a shorter takeover. Every machine of a team should use the same duration.
 */
export function leaseSettings(env: NodeJS.ProcessEnv = process.env): LeaseSettings {
  const seconds = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) throw new ConfigError("lease-settings", `${name} must be a whole number of seconds from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return value * 1_000;
  };
  const durationMs = seconds("NOVELI_LEASE_SECONDS", 2, 3_600) ?? DEFAULT_LEASE_MS;
  const heartbeatMs = seconds("NOVELI_LEASE_HEARTBEAT_SECONDS", 1, Math.max(1, Math.floor(durationMs / 3_000))) ?? Math.min(DEFAULT_HEARTBEAT_MS, Math.max(1_000, Math.floor(durationMs / 3)));
  return { durationMs, heartbeatMs };
}

export function currentHolder(command: string, now: Date = new Date(), env: NodeJS.ProcessEnv = process.env): LeaseHolder {
  const url = ciRunUrl(env);
  return { user: currentUser(env), host: hostname(), command, pid: process.pid, startedAt: now.toISOString(), ...(url ? { ciRunUrl: url } : {}) };
}

/** Pure: `3m12s` from milliseconds. */
export function formatAge(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1_000));
  const hours = Math.floor(total / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  if (hours > 0) return minutes > 0 ? `${hours}h${minutes}m` : `${hours}h`;
  if (minutes > 0) return seconds > 0 ? `${minutes}m${seconds}s` : `${minutes}m`;
  return `${seconds}s`;
}

/** Pure: one line naming the holder and how long it has held the lease. */
export function describeHolder(lease: LeaseRecord, now: number): string {
  const h = lease.holder;
  const held = formatAge(now - Date.parse(h.startedAt));
  const beat = formatAge(now - Date.parse(lease.heartbeatAt));
  return `${h.command} by ${h.user}@${h.host} (pid ${h.pid}) has held the lease for ${held} (since ${h.startedAt}, last heartbeat ${beat} ago)${h.ciRunUrl ? `, ${h.ciRunUrl}` : ""}`;
}


export interface AcquireInput {
  store: LeaseStore;
  env: Environment;
  command: string;
  settings: LeaseSettings;
  clock: Clock;
  /** --wait-lock: how long to wait for a held lease; 0 refuses at once. */
  waitMs: number;
  signal?: AbortSignal;
  /** Told once while waiting. */
  onWait?(message: string): void;
  holder?: LeaseHolder;
}

export interface Acquired {
  lease: LeaseRecord;
  /** The expired lease of a holder that died, taken over by this acquisition. */
  tookOver?: LeaseRecord;
}

const WAIT_POLL_MS = 1_000;

/** Takes the environment's lease, or refuses with a LockError naming the holder (after --wait-lock, if given). */
export async function acquireLease(input: AcquireInput): Promise<Acquired> {
  const { store, env, settings, clock } = input;
  const deadline = clock.now() + input.waitMs;
  let told = false;
  for (;;) {
    const now = clock.now();
    const holder = input.holder ?? currentHolder(input.command, new Date(now));
    const lease: LeaseRecord = { token: randomUUID(), holder, heartbeatAt: new Date(now).toISOString(), expiresAt: now + settings.durationMs };
    const result = await store.putLeaseIfFree(env, lease, now);
    if (result.acquired) return { lease, ...(result.replaced ? { tookOver: result.replaced } : {}) };
    const current = result.current ?? (await store.readLease(env));
    if (current === undefined) continue; // released between the write and the read: try again
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      throw new LockError(`${input.command} refused: ${describeHolder(current, clock.now())}`, {
        hint: `wait for it (--wait-lock 5m); a holder that died loses the lease ${formatAge(settings.durationMs)} after its last heartbeat; noveli unlock --env ${env} --reason <why> breaks it on purpose`,
        details: { holder: current.holder, heartbeatAt: current.heartbeatAt, expiresAt: new Date(current.expiresAt).toISOString() },
      });
    }
    if (!told) {
      told = true;
      input.onWait?.(`waiting up to ${formatAge(remaining)} for the lease on ${env}: ${describeHolder(current, clock.now())}`);
    }
    await clock.sleep(Math.min(WAIT_POLL_MS, remaining), input.signal);
  }
}

export interface HeldLease {
  readonly env: Environment;
  readonly token: string;
  readonly holder: LeaseHolder;
  /** Set once a heartbeat or a fence found the lease taken over or expired. */
  readonly lost: boolean;
  /**
   * Proves the lease is still held (and extends it) right before a write; throws LockError when
   * not. A proof sent less than fenceFreshMs ago (the acquisition, a heartbeat, a fence) stands.
   */
  fence(what: string): Promise<void>;
  release(): Promise<void>;
  /**
   * Releases the lease by a write of the caller's that deletes it only while it carries this
   * lease's token (`write` answers false when it did not), e.g. together with a history record.
   * False, and the lease still held as far as this process knows, when it was lost already or the
   * write found it lost; a write that throws leaves the lease held too: `release()` then ends it.
   */
  releaseWith(write: (token: string) => Promise<boolean>): Promise<boolean>;
}

/** How long a release that fails is tried again before the lease is left to expire. */
export const RELEASE_RETRY_MS = 30_000;

/**
 * How recent a proof of the lease (its acquisition, a heartbeat or a fence: each a conditional
 * write that found our token) lets a fence pass without another one: 1 second, or a quarter of a
 * shorter lease. The proof's clock reading is taken before its request is sent, and the age is
 * judged on the same clock right before the write, so a holder that stalled (a paused process, a
 * slow network) after its proof is fenced remotely again; only a takeover inside that second
 * (possible only by breaking the lease on purpose, or on a clock minutes ahead) goes unseen, as one
 * between a fence's answer and the write it guards always could. A rollback's stage write and
 * events retarget follow its acquisition by milliseconds: they need no round trip of their own.
 */
export function fenceFreshMs(settings: LeaseSettings): number {
  return Math.min(1_000, Math.floor(settings.durationMs / 4));
}

/** Runs the heartbeat of an acquired lease and fences writes with it. */
export function holdLease(input: { store: LeaseStore; env: Environment; lease: LeaseRecord; settings: LeaseSettings; clock: Clock; onLost(message: string): void; onError(message: string): void }): HeldLease {
  const { store, env, lease, settings, clock } = input;
  let lost = false;
  let released = false;
  /** When the newest proof that we hold the lease was sent (see fenceFreshMs). */
  let provenAt = Date.parse(lease.heartbeatAt);
  const freshMs = fenceFreshMs(settings);
  const markLost = async (): Promise<string> => {
    const current = await store.readLease(env).catch(() => undefined);
    const message = current && current.token !== lease.token ? `the lease on ${env} was taken over: ${describeHolder(current, clock.now())}` : `the lease on ${env} expired, and was taken over or broken since`;
    if (!lost) {
      lost = true;
      input.onLost(message);
    }
    return message;
  };
  let beating: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (beating || lost || released) return;
    const now = clock.now();
    beating = store
      .renewLease(env, lease.token, now, now + settings.durationMs)
      .then(async (renewed) => {
        if (renewed) provenAt = Math.max(provenAt, now);
        else await markLost();
      })
      .catch((error: unknown) => input.onError(`lease heartbeat failed (will retry): ${errorMessage(error)}`))
      .finally(() => {
        beating = undefined;
      });
  }, settings.heartbeatMs);
  timer.unref();

  return {
    env,
    token: lease.token,
    holder: lease.holder,
    get lost() {
      return lost;
    },
    async fence(what: string) {
      const now = clock.now();
      if (!lost && now - provenAt >= 0 && now - provenAt < freshMs) return;
      const held = !lost && (await store.renewLease(env, lease.token, now, now + settings.durationMs));
      if (held) provenAt = Math.max(provenAt, now);
      if (!held) {
        const message = await markLost();
        throw new LockError(`${what} refused: this command no longer holds the lease (${message})`, {
          hint: "another command took the environment over; check noveli status and noveli history",
        });
      }
    },
    async releaseWith(write) {
      if (released || lost) return false;
      clearInterval(timer);
      await beating;
      if (lost) return false;
      if (await write(lease.token)) {
        released = true;
        return true;
      }
      await markLost();
      return false;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await beating;
      if (lost) return;
      // An endpoint that just came back from a stall answers slowly at first: a release that fails
      // is tried again for a while, so the environment is not blocked until the lease expires.
      const giveUpAt = clock.now() + RELEASE_RETRY_MS;
      for (let wait = 1_000; ; wait = Math.min(wait * 2, 8_000)) {
        try {
          await store.deleteLease(env, lease.token);
          return;
        } catch (error) {
          if (clock.now() + wait > giveUpAt) throw error;
          input.onError(`releasing the lease failed (will retry): ${errorMessage(error)}`);
          await clock.sleep(wait);
        }
      }
    },
  };
}
