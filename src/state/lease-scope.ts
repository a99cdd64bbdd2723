import type { Environment } from "../core/environment.js";
import type { Target } from "../core/target.js";
import { errorMessage } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
import { sleep } from "../core/clock.js";
import { appendHistory, historyId, newRecord, type HistoryRecord, type HistoryStore, type NewHistoryRecord } from "./history.js";
import { acquireLease, describeHolder, formatAge, holdLease, leaseSettings, type HeldLease } from "./lease.js";
import { type Clock } from "../core/clock.js";
import { accountResources, opsClientFor, withCheckedAccount } from "./account.js";
import { OpsStore } from "./ops-store.js";

/**
 * Runs a changing command under the environment's lease: acquire (or refuse, or wait with
 * --wait-lock), record a takeover in the history, heartbeat while it runs, release when it ends,
 * whether it succeeded, failed or was interrupted. Nested calls for the same environment in one
 * process (rehearse runs deploy, switch-traffic, dr-drill) share the outer lease.
 */

export interface LeaseScopeInput {
  target: Target;
  env: Environment;
  reporter: Reporter;
  signal: AbortSignal;
  /** What takes the lease, e.g. `deploy dev`. */
  command: string;
  /** --wait-lock in ms; 0 (default) refuses at once when the lease is held. */
  waitMs?: number;
}

export interface LeaseScope {
  lease: HeldLease;
  /** The operations table, for the command's history records. */
  store: OpsStore;
  /**
   * The command's own history record, written when the lease is released and in the same request
   * (one transaction): what the command did is recorded before anyone else can take over, one
   * round trip sooner than a record and then a release. Set once; a nested scope records at once.
   */
  recordAtRelease(record: NewHistoryRecord): Promise<void>;
}

const systemClock: Clock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, signal) };
const held = new Map<string, LeaseScope>();

export async function withLease<T>(input: LeaseScopeInput, run: (scope: LeaseScope) => Promise<T>): Promise<T> {
  const { env, reporter } = input;
  const outer = held.get(env);
  // The outer command releases the lease: a nested one's record goes in at once, in its order.
  if (outer) return run({ ...outer, recordAtRelease: (record) => recordHistory(outer.store, env, reporter, record) });
  // The lease's conditional write is the bootstrap check: only when it fails is the account
  // checked (withCheckedAccount), so a healthy account reaches its lease one round trip sooner.
  const names = await accountResources(input.target, input.signal);
  const store = new OpsStore(opsClientFor(input.target, names.region), names.table);
  try {
    const settings = leaseSettings();
    const acquired = await withCheckedAccount(input, () =>
      acquireLease({
        store,
        env,
        command: input.command,
        settings,
        clock: systemClock,
        waitMs: input.waitMs ?? 0,
        signal: input.signal,
        onWait: (message) => reporter.info(message),
      }),
    );
    if (acquired.tookOver) {
      const dead = acquired.tookOver;
      const warning = `its change may not have finished: check noveli status --env ${env} before going on`;
      reporter.warn(`took over the lease on ${env} from a holder that stopped renewing it: ${describeHolder(dead, Date.now())}; ${warning}`);
      await recordHistory(store, env, reporter, {
        type: "lease",
        outcome: "takeover",
        command: input.command,
        previousHolder: dead.holder,
        previousHeartbeatAt: dead.heartbeatAt,
        silentFor: formatAge(Date.now() - Date.parse(dead.heartbeatAt)),
        warning,
      });
    }
    const lease = holdLease({
      store,
      env,
      lease: acquired.lease,
      settings,
      clock: systemClock,
      onLost: (message) => reporter.warn(`${message}: this command's further traffic writes will be refused`),
      onError: (message) => reporter.debug(message),
    });
    let atRelease: HistoryRecord | undefined;
    const scope: LeaseScope = {
      lease,
      store,
      recordAtRelease: async (record) => {
        if (atRelease) throw new Error("recordAtRelease: a command has one record at release");
        atRelease = newRecord(env, record);
      },
    };
    held.set(env, scope);
    try {
      return await run(scope);
    } finally {
      held.delete(env);
      await releaseRecording(store, lease, env, reporter, atRelease).catch((error: unknown) => {
        reporter.warn(`could not release the lease on ${env} (${errorMessage(error)}): it expires ${formatAge(settings.durationMs)} after its last heartbeat`);
      });
    }
  } finally {
    store.close();
  }
}

/**
 * The release, with the command's record when it has one: both in one transaction while the lease
 * is ours; else (lost, or the transaction failed) the record alone under the same id, which finds
 * a record the transaction did write after all, and then the plain release.
 */
async function releaseRecording(store: OpsStore, lease: HeldLease, env: Environment, reporter: Reporter, full: HistoryRecord | undefined): Promise<void> {
  if (!full) return lease.release();
  const id = historyId(full.at);
  try {
    if (await lease.releaseWith((token) => store.appendHistoryReleasingLease(env, full, id, token))) return;
  } catch (error) {
    reporter.debug(`recording the ${full.type} with the lease's release failed (${errorMessage(error)}): recording it alone, then releasing`);
  }
  try {
    await store.appendHistory(env, lease.lost && full.leaseLost === undefined ? { ...full, leaseLost: true } : full, id);
  } catch (error) {
    reporter.warn(`could not append the ${full.type} to the history of ${env}: ${errorMessage(error)}`);
  }
  await lease.release();
}

/** Appends a history record; a failure is reported and never undoes what the command did. */
export async function recordHistory(store: HistoryStore, env: Environment, reporter: Reporter, record: NewHistoryRecord): Promise<void> {
  try {
    await appendHistory(store, env, record);
  } catch (error) {
    reporter.warn(`could not append the ${record.type} to the history of ${env}: ${errorMessage(error)}`);
  }
}
