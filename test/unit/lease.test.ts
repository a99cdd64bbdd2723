import { describe, expect, it } from "vitest";
import type { Environment } from "../../src/core/environment.js";
import { LockError, ConfigError } from "../../src/errors.js";
import { RELEASE_RETRY_MS, acquireLease, describeHolder, fenceFreshMs, formatAge, holdLease, leaseSettings, type LeaseRecord, type LeaseStore } from "../../src/state/lease.js";
import { type Clock } from "../../src/core/clock.js";

/** The lease item's conditional operations in memory, with the same conditions as the DynamoDB store. */
class MemoryLeaseStore implements LeaseStore {
  leases = new Map<Environment, LeaseRecord>();
  async putLeaseIfFree(env: Environment, lease: LeaseRecord, now: number) {
    const current = this.leases.get(env);
    if (current && current.expiresAt >= now) return { acquired: false as const, current };
    this.leases.set(env, lease);
    return { acquired: true as const, ...(current ? { replaced: current } : {}) };
  }
  async renewLease(env: Environment, token: string, now: number, expiresAt: number) {
    const current = this.leases.get(env);
    if (!current || current.token !== token || current.expiresAt <= now) return false;
    this.leases.set(env, { ...current, heartbeatAt: new Date(now).toISOString(), expiresAt });
    return true;
  }
  async deleteLease(env: Environment, token: string) {
    if (this.leases.get(env)?.token !== token) return false;
    this.leases.delete(env);
    return true;
  }
  async readLease(env: Environment) {
    return this.leases.get(env);
  }
}

/** A clock that only moves when told to (or when something sleeps on it). */
function manualClock(start = Date.parse("2026-12-01T10:00:00Z")): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

const settings = { durationMs: 120_000, heartbeatMs: 20_000 };
const holder = (command: string, user = "ana") => ({ user, host: "laptop-a", command, pid: 4242, startedAt: "2026-12-01T10:00:00.000Z" });

describe("acquireLease", () => {
  it("takes a free lease, and refuses a second command at once naming the holder and how long it has held it", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const first = await acquireLease({ store, env: "dev", command: "switch-traffic dev → green", settings, clock, waitMs: 0, holder: holder("switch-traffic dev → green") });
    expect(first.tookOver).toBeUndefined();
    clock.advance(75_000);
    const refused = await acquireLease({ store, env: "dev", command: "deploy dev", settings, clock, waitMs: 0 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockError);
    expect((refused as LockError).exitCode).toBe(1);
    expect((refused as LockError).message).toBe(
      "deploy dev refused: switch-traffic dev → green by ana@laptop-a (pid 4242) has held the lease for 1m15s (since 2026-12-01T10:00:00.000Z, last heartbeat 1m15s ago)",
    );
    // Another environment has its own lease.
    await expect(acquireLease({ store, env: "staging", command: "deploy staging", settings, clock, waitMs: 0 })).resolves.toBeDefined();
  });

  it("names the CI run that holds it", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    await acquireLease({ store, env: "dev", command: "deploy dev", settings, clock, waitMs: 0, holder: { ...holder("deploy dev", "runner"), ciRunUrl: "https://github.com/acme/noveli/actions/runs/77" } });
    const refused = (await acquireLease({ store, env: "dev", command: "deploy dev", settings, clock, waitMs: 0 }).catch((e: unknown) => e)) as LockError;
    expect(refused.message).toMatch(/, https:\/\/github\.com\/acme\/noveli\/actions\/runs\/77$/);
  });

  it("--wait-lock waits for the holder to release, bounded by the wait", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const first = await acquireLease({ store, env: "dev", command: "deploy dev", settings, clock, waitMs: 0 });
    let sleeps = 0;
    const waiting: string[] = [];
    const releasing: Clock = {
      now: clock.now,
      sleep: async (ms) => {
        clock.advance(ms);
        if (++sleeps === 3) await store.deleteLease("dev", first.lease.token);
      },
    };
    const second = await acquireLease({ store, env: "dev", command: "rollback dev", settings, clock: releasing, waitMs: 60_000, onWait: (m) => waiting.push(m) });
    expect(second.tookOver).toBeUndefined();
    expect(sleeps).toBe(3);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatch(/^waiting up to 1m for the lease on dev: deploy dev by /);

    // Still held after the whole wait: refused, and no longer than the wait.
    const start = clock.now();
    const refused = await acquireLease({ store, env: "dev", command: "deploy dev", settings, clock, waitMs: 10_000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockError);
    expect(clock.now() - start).toBe(10_000);
  });

  it("takes over a lease whose holder stopped renewing it, only after the lease duration, and says whose it was", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const dead = await acquireLease({ store, env: "dev", command: "switch-traffic dev → green", settings, clock, waitMs: 0 });
    clock.advance(settings.durationMs); // expiresAt == now: not yet
    await expect(acquireLease({ store, env: "dev", command: "deploy dev", settings, clock, waitMs: 0 })).rejects.toBeInstanceOf(LockError);
    clock.advance(1);
    const next = await acquireLease({ store, env: "dev", command: "deploy dev", settings, clock, waitMs: 0 });
    expect(next.tookOver?.token).toBe(dead.lease.token);
    expect(next.tookOver?.holder.command).toBe("switch-traffic dev → green");
  });
});

describe("holdLease: fencing", () => {
  const hold = (store: MemoryLeaseStore, lease: LeaseRecord, clock: Clock, lost: string[] = []) =>
    holdLease({ store, env: "dev", lease, settings: { durationMs: 120_000, heartbeatMs: 3_600_000 }, clock, onLost: (m) => lost.push(m), onError: () => undefined });

  it("a write fenced by a held lease goes ahead and extends the lease", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const { lease } = await acquireLease({ store, env: "dev", command: "switch-traffic dev → green", settings, clock, waitMs: 0 });
    const held = hold(store, lease, clock);
    clock.advance(100_000);
    await held.fence("UpdateStage live");
    expect(store.leases.get("dev")?.expiresAt).toBe(clock.now() + 120_000);
    await held.release();
    expect(store.leases.has("dev")).toBe(false);
  });

  it("a stalled holder that wakes up after a takeover cannot write, and its release leaves the new lease alone", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const { lease } = await acquireLease({ store, env: "dev", command: "switch-traffic dev → green", settings, clock, waitMs: 0 });
    const lost: string[] = [];
    const stalled = hold(store, lease, clock, lost);
    clock.advance(121_000);
    const other = await acquireLease({ store, env: "dev", command: "rollback dev", settings, clock, waitMs: 0, holder: holder("rollback dev", "ben") });
    const refused = await stalled.fence("UpdateStage live").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockError);
    expect((refused as LockError).message).toMatch(/^UpdateStage live refused: this command no longer holds the lease \(the lease on dev was taken over: rollback dev by ben@laptop-a/);
    expect(stalled.lost).toBe(true);
    expect(lost).toHaveLength(1);
    await stalled.release();
    expect(store.leases.get("dev")?.token).toBe(other.lease.token);
  });

  it("a release that fails is tried again, for a bounded time", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const { lease } = await acquireLease({ store, env: "dev", command: "dr-drill dev", settings, clock, waitMs: 0 });
    const realDelete = store.deleteLease.bind(store);
    let failures = 2;
    store.deleteLease = async (env, token) => {
      if (failures-- > 0) throw new Error("a request has exceeded the configured 1000 ms requestTimeout");
      return realDelete(env, token);
    };
    const started = clock.now();
    await hold(store, lease, clock).release();
    expect(store.leases.has("dev")).toBe(false);
    expect(clock.now() - started).toBe(3_000); // waited 1 s, then 2 s

    const again = await acquireLease({ store, env: "dev", command: "dr-drill dev", settings, clock, waitMs: 0 });
    store.deleteLease = async () => {
      throw new Error("endpoint frozen");
    };
    const since = clock.now();
    await expect(hold(store, again.lease, clock).release()).rejects.toThrow("endpoint frozen");
    expect(clock.now() - since).toBeLessThanOrEqual(RELEASE_RETRY_MS);
    expect(store.leases.get("dev")?.token).toBe(again.lease.token);
  });

  it("a write right after a proof of the lease (its acquisition, a fence) needs no request; one a second later does", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const { lease } = await acquireLease({ store, env: "dev", command: "rollback dev", settings, clock, waitMs: 0 });
    let renewals = 0;
    const renew = store.renewLease.bind(store);
    store.renewLease = async (...args) => {
      renewals += 1;
      return renew(...args);
    };
    const held = hold(store, lease, clock);
    clock.advance(fenceFreshMs(settings) - 1);
    await held.fence("UpdateStage live");
    expect(renewals).toBe(0);
    clock.advance(1);
    await held.fence("PutTargets story-events");
    expect(renewals).toBe(1);
    expect(store.leases.get("dev")?.expiresAt).toBe(clock.now() + 120_000);
    clock.advance(10);
    await held.fence("UpdateStage live"); // proven 10 ms ago by the fence above
    expect(renewals).toBe(1);
    expect(fenceFreshMs({ durationMs: 2_000, heartbeatMs: 1_000 })).toBe(500);
  });

  it("a lease broken right after its proof is seen by the first fence once the proof is a second old", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const { lease } = await acquireLease({ store, env: "dev", command: "switch-traffic dev → green", settings, clock, waitMs: 0 });
    const held = hold(store, lease, clock);
    store.leases.delete("dev"); // noveli unlock, on another machine
    clock.advance(fenceFreshMs(settings));
    await expect(held.fence("UpdateStage live")).rejects.toBeInstanceOf(LockError);
    expect(held.lost).toBe(true);
  });

  it("an expired lease nobody took over is not enough to write either", async () => {
    const store = new MemoryLeaseStore();
    const clock = manualClock();
    const { lease } = await acquireLease({ store, env: "dev", command: "switch-traffic dev → green", settings, clock, waitMs: 0 });
    const stalled = hold(store, lease, clock);
    clock.advance(130_000);
    await expect(stalled.fence("UpdateStage live")).rejects.toBeInstanceOf(LockError);
  });
});

describe("lease settings and wording", () => {
  it("defaults to a 2 minute lease and a 20 second heartbeat; shorter ones for tests, within bounds", () => {
    expect(leaseSettings({})).toEqual({ durationMs: 120_000, heartbeatMs: 20_000 });
    expect(leaseSettings({ NOVELI_LEASE_SECONDS: "6", NOVELI_LEASE_HEARTBEAT_SECONDS: "1" })).toEqual({ durationMs: 6_000, heartbeatMs: 1_000 });
    expect(leaseSettings({ NOVELI_LEASE_SECONDS: "6" })).toEqual({ durationMs: 6_000, heartbeatMs: 2_000 });
    expect(() => leaseSettings({ NOVELI_LEASE_SECONDS: "1" })).toThrow(ConfigError);
    expect(() => leaseSettings({ NOVELI_LEASE_SECONDS: "2m" })).toThrow(/whole number of seconds from 2 to 3600/);
    expect(() => leaseSettings({ NOVELI_LEASE_SECONDS: "6", NOVELI_LEASE_HEARTBEAT_SECONDS: "3" })).toThrow(/from 1 to 2/);
  });

  it("formats ages the way the refusal line reads", () => {
    expect([formatAge(0), formatAge(9_400), formatAge(120_000), formatAge(192_000), formatAge(3_600_000), formatAge(3_900_000)]).toEqual(["0s", "9s", "2m", "3m12s", "1h", "1h5m"]);
    const lease: LeaseRecord = { token: "t", holder: holder("deploy dev"), heartbeatAt: "2026-12-01T10:01:00.000Z", expiresAt: 0 };
    expect(describeHolder(lease, Date.parse("2026-12-01T10:01:30Z"))).toBe("deploy dev by ana@laptop-a (pid 4242) has held the lease for 1m30s (since 2026-12-01T10:00:00.000Z, last heartbeat 30s ago)");
  });
});
