import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Target } from "../../src/aws/target.js";
import { identityCacheKey, readCachedIdentity, writeCachedIdentity } from "../../src/state/account-cache.js";
import { accountResources } from "../../src/state/account.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";

/**
 * The account identity cache (<state dir>/cache/accounts.json): a command on the embedded emulator
 * asks STS once per emulator launch, and never serves one launch's identity to another.
 */

let moto: PrivateMoto;
const dirs: string[] = [];
beforeAll(async () => {
  moto = await startPrivateMoto();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function stateDirWithEmulator(instanceId: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "noveli-account-cache-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "local"), { recursive: true });
  writeFileSync(
    path.join(dir, "local", "emulator.json"),
    JSON.stringify({ pid: process.pid, port: moto.port, url: moto.url, instanceId, startedAt: new Date().toISOString(), logFile: "moto.log", executable: "moto_server", token: "t", startTicks: null }),
  );
  return dir;
}

const local = (): Target => ({ kind: "local", endpointUrl: moto.url, region: "us-east-1" });
const cacheFile = (dir: string) => path.join(dir, "cache", "accounts.json");

describe("the account identity cache", () => {
  it("keys only what cannot change: an emulator launch, or a real access key; never an endpoint URL", () => {
    const endpoint: Target = { kind: "endpoint", endpointUrl: "http://127.0.0.1:4566", region: "us-east-1", source: "flag" };
    expect(identityCacheKey(local(), { region: "us-east-1", emulatorInstanceId: "i-1" })).toContain("i-1");
    expect(identityCacheKey(local(), { region: "us-east-1" })).toBeUndefined();
    expect(identityCacheKey(endpoint, { region: "us-east-1", emulatorInstanceId: "i-1", accessKeyId: "AKIA1" })).toBeUndefined();
    expect(identityCacheKey({ kind: "aws", region: "eu-west-1" }, { region: "eu-west-1", accessKeyId: "AKIAEXAMPLE" })).toBe("aws|AKIAEXAMPLE|eu-west-1");
    expect(identityCacheKey({ kind: "aws" }, { region: "eu-west-1" })).toBeUndefined();
  });

  it("reads a broken, foreign or malformed file as a miss, and keeps the newest entries", () => {
    const dir = stateDirWithEmulator("i-files");
    mkdirSync(path.join(dir, "cache"), { recursive: true });
    writeFileSync(cacheFile(dir), "{ not json");
    expect(readCachedIdentity(dir, "k")).toBeUndefined();
    writeFileSync(cacheFile(dir), JSON.stringify({ version: 99, entries: { k: { accountId: "123456789012", partition: "aws", region: "us-east-1" } } }));
    expect(readCachedIdentity(dir, "k")).toBeUndefined();
    writeFileSync(cacheFile(dir), JSON.stringify({ version: 1, entries: { k: { accountId: "not-an-id", partition: "aws", region: "us-east-1" } } }));
    expect(readCachedIdentity(dir, "k")).toBeUndefined();
    for (let i = 0; i < 40; i++) writeCachedIdentity(dir, `k${i}`, { accountId: "123456789012", partition: "aws", region: "us-east-1" }, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    const entries = Object.keys((JSON.parse(readFileSync(cacheFile(dir), "utf8")) as { entries: object }).entries);
    expect(entries).toHaveLength(32);
    expect(entries).toContain("k39");
    expect(entries).not.toContain("k0");
  });

  it("asks STS once per emulator launch and answers from the cache after", async () => {
    const first = stateDirWithEmulator("i-1");
    expect(existsSync(cacheFile(first))).toBe(false);
    const asked = await accountResources(local(), undefined, first);
    expect(asked.accountId).toBe("123456789012");
    expect(asked.bucket).toBe("noveli-tfstate-123456789012-us-east-1");
    const key = identityCacheKey(local(), { region: "us-east-1", emulatorInstanceId: "i-1" }) as string;
    expect(readCachedIdentity(first, key)).toEqual({ accountId: "123456789012", partition: "aws", region: "us-east-1" });

    // Another process of the same launch (a fresh state dir holding the same record and cache): the
    // cache says 111122223333, which STS never would, so the answer can only come from the cache.
    const same = stateDirWithEmulator("i-1");
    mkdirSync(path.join(same, "cache"), { recursive: true });
    writeCachedIdentity(same, key, { accountId: "111122223333", partition: "aws", region: "us-east-1" });
    expect((await accountResources(local(), undefined, same)).bucket).toBe("noveli-tfstate-111122223333-us-east-1");

    // A new launch of the emulator is asked again, whatever the cache held for the old one.
    const relaunched = stateDirWithEmulator("i-2");
    mkdirSync(path.join(relaunched, "cache"), { recursive: true });
    cpSync(cacheFile(same), cacheFile(relaunched));
    expect((await accountResources(local(), undefined, relaunched)).accountId).toBe("123456789012");
  }, 60_000);

  it("never caches an endpoint given by URL", async () => {
    const dir = stateDirWithEmulator("i-endpoint");
    const endpoint: Target = { kind: "endpoint", endpointUrl: moto.url, region: "us-east-1", source: "flag" };
    expect((await accountResources(endpoint, undefined, dir)).accountId).toBe("123456789012");
    expect(existsSync(cacheFile(dir))).toBe(false);
  }, 60_000);
});
