import { createClient } from "../aws/clients.js";
import { describeOpsTable, DynamoDBClient } from "../aws/ops-table.js";
import { headBucket, S3Client } from "../aws/s3.js";
import { getCallerIdentity, STSClient } from "../aws/sts.js";
import { describeTarget, isEmulatorTarget, type Target } from "../core/target.js";
import { type Environment } from "../core/environment.js";
import { ConfigError, OperationError, isNoveliError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
import { identityCacheKey, readCachedIdentity, writeCachedIdentity, type CachedIdentity } from "./account-cache.js";
import { readEmulatorRecord } from "../local/emulator.js";
import { stateDir as defaultStateDir } from "./paths.js";
import { OPS_TABLE_NAME, decideBootstrap, planBootstrap, stateBucketName } from "./bootstrap-plan.js";
import { applyBootstrap, observeBucket, observeTable, type AccountResources } from "./bootstrap.js";

/**
 * The account a target points at, and the two things `noveli bootstrap` made in it: the state
 * bucket and the operations table. Every command that needs them opens the account first: on an
 * emulator target a missing bootstrap is done on the spot (and said so); on real AWS it is an
 * error naming the exact `noveli bootstrap` command, never an implicit change to an account.
 */

export type { AccountResources };

/** Clients for the account's state: S3 for the bucket, DynamoDB for the operations table. */
export function s3ClientFor(target: Target, region: string): S3Client {
  return createClient(S3Client, target, { region, forcePathStyle: isEmulatorTarget(target) });
}

export function opsClientFor(target: Target, region: string): DynamoDBClient {
  return createClient(DynamoDBClient, target, { region });
}

/** The account id and region of a target, and the names of its bootstrap resources (always asks STS). */
export async function resolveAccount(target: Target, signal?: AbortSignal): Promise<AccountResources> {
  const sts = stsClient(target);
  try {
    const region = await targetRegion(target, sts);
    return accountOf(target, await askSts(target, sts, signal), region);
  } finally {
    sts.destroy();
  }
}

/** Built only when asked: a cached identity needs no STS client. */
function stsClient(target: Target): STSClient {
  return createClient(STSClient, target);
}

async function targetRegion(target: Target, sts: STSClient): Promise<string> {
  const region = target.region ?? (await sts.config.region().catch(() => undefined));
  if (!region) throw new ConfigError("no-region", "no AWS region: pass --region or set AWS_REGION");
  return region;
}

async function askSts(target: Target, sts: STSClient, signal?: AbortSignal): Promise<{ accountId: string; partition: string }> {
  const identity = await getCallerIdentity(sts, signal).catch((error: unknown) => {
    throw new ConfigError("no-credentials", `cannot tell which AWS account this is (STS GetCallerIdentity failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)})`, {
      hint: isEmulatorTarget(target) ? "is the emulator running?" : "sign in (aws sso login, a profile with --profile, or AWS_* credentials)",
    });
  });
  return { accountId: identity.account, partition: identity.arn.split(":")[1] || "aws" };
}

function accountOf(target: Target, identity: { accountId: string; partition: string }, region: string): AccountResources {
  return {
    accountId: identity.accountId,
    region,
    partition: identity.partition,
    bucket: stateBucketName(identity.accountId, region),
    table: OPS_TABLE_NAME,
    emulator: isEmulatorTarget(target),
    tlsOnlyPolicy: !isEmulatorTarget(target) || target.endpointUrl.startsWith("https:"),
  };
}

/**
 * What this machine may know about the target's identity without asking STS: the running embedded
 * emulator's launch id (local targets) or the resolved credentials' access key id (real AWS).
 */
async function localIdentityKey(target: Extract<Target, { kind: "local" }>, stateDir: string): Promise<string | undefined> {
  const record = readEmulatorRecord(stateDir);
  return record && record.url === target.endpointUrl ? identityCacheKey(target, { region: target.region, emulatorInstanceId: record.instanceId }) : undefined;
}

async function awsIdentityKey(target: Target, sts: STSClient, region: string): Promise<string | undefined> {
  if (target.kind === "aws") {
    // Resolving the credentials is what the STS call would do first anyway; a failure is left to it.
    const credentials = await sts.config.credentials().catch(() => undefined);
    return credentials?.accessKeyId ? identityCacheKey(target, { region, accessKeyId: credentials.accessKeyId }) : undefined;
  }
  return undefined;
}

const resolved = new Map<string, Promise<AccountResources>>();

/**
 * The account's names (id, region, bucket, table), not checked to exist: from this machine's cache
 * where that is safe (see account-cache.ts), else one STS call that fills it; once per process.
 * `stateDir`: where the cache lives (default: noveli's state dir).
 */
export function accountResources(target: Target, signal?: AbortSignal, stateDir: string = defaultStateDir()): Promise<AccountResources> {
  const key = `${stateDir}|${describeTarget(target)}`;
  let account = resolved.get(key);
  if (!account) {
    account = resolveThroughCache(target, stateDir, signal);
    resolved.set(key, account);
    account.catch(() => resolved.delete(key));
  }
  return account;
}

async function resolveThroughCache(target: Target, stateDir: string, signal?: AbortSignal): Promise<AccountResources> {
  const localKey = target.kind === "local" ? await localIdentityKey(target, stateDir) : undefined;
  const localHit = localKey ? readCachedIdentity(stateDir, localKey) : undefined;
  if (localHit && localHit.region === target.region) return accountOf(target, localHit, target.region);
  const sts = stsClient(target);
  try {
    const region = await targetRegion(target, sts);
    const key = localKey ?? (await awsIdentityKey(target, sts, region));
    const cached = key && key !== localKey ? readCachedIdentity(stateDir, key) : undefined;
    if (cached && cached.region === region) return accountOf(target, cached, region);
    const identity = await askSts(target, sts, signal);
    if (key) writeCachedIdentity(stateDir, key, { ...identity, region } satisfies CachedIdentity);
    return accountOf(target, identity, region);
  } finally {
    sts.destroy();
  }
}

/** Pure: the exact command that bootstraps what a target points at. */
export function bootstrapCommand(target: Target, env: Environment, region: string): string {
  const where =
    target.kind === "local" ? " --local" : target.kind === "endpoint" ? ` --endpoint-url ${target.endpointUrl}` : `${target.profile ? ` --profile ${target.profile}` : ""}`;
  return `noveli bootstrap --env ${env} --region ${region}${where}`;
}

/**
 * Whether an emulator target may be bootstrapped implicitly: yes unless NOVELI_AUTO_BOOTSTRAP is
 * 0 (or false), for emulators a team sets up on purpose (a shared LocalStack, a CI service
 * bootstrapped by its own step): there, as on real AWS, a missing bootstrap is an error naming the
 * `noveli bootstrap` command, and nothing is created behind the operator's back. Real AWS is never
 * bootstrapped implicitly, whatever the variable says.
 */
export function autoBootstrap(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.NOVELI_AUTO_BOOTSTRAP?.trim().toLowerCase();
  if (raw === undefined || raw === "" || raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new ConfigError("auto-bootstrap", `NOVELI_AUTO_BOOTSTRAP must be 1 or 0 (true or false), got ${JSON.stringify(env.NOVELI_AUTO_BOOTSTRAP)}`);
}

/**
 * Runs `use` on the account's names without checking first that they exist: on a healthy account
 * whatever `use` reads or writes proves the part of the bootstrap it needs, so it pays no check
 * (HeadBucket and DescribeTable, a round trip before a lease, two requests on every command).
 * Only when `use` fails with something other than noveli's own errors (a lease held by another,
 * an interruption) is the account checked, as openAccount does: a missing bootstrap becomes the
 * error naming `noveli bootstrap`, or an emulator is bootstrapped implicitly; then `use` runs once
 * more. So `use` must be safe to run twice: reads, and writes made conditional.
 */
export async function withCheckedAccount<T>(
  input: { target: Target; env: Environment; reporter: Reporter; signal?: AbortSignal; stateDir?: string },
  use: (account: AccountResources) => Promise<T>,
): Promise<T> {
  const names = await accountResources(input.target, input.signal, input.stateDir);
  try {
    return await use(names);
  } catch (error) {
    if (isNoveliError(error) || input.signal?.aborted) throw error;
    return use(await openAccount(input));
  }
}

const opened = new Map<string, Promise<AccountResources>>();

/**
 * The account's resources, checked to exist (one HeadBucket and one DescribeTable, once per
 * process and target). Emulator targets are bootstrapped here when they are not yet.
 */
export function openAccount(input: { target: Target; env: Environment; reporter: Reporter; signal?: AbortSignal }): Promise<AccountResources> {
  const key = describeTarget(input.target);
  let account = opened.get(key);
  if (!account) {
    account = openUncached(input);
    opened.set(key, account);
    account.catch(() => opened.delete(key));
  }
  return account;
}

async function openUncached(input: { target: Target; env: Environment; reporter: Reporter; signal?: AbortSignal }): Promise<AccountResources> {
  const { target, env, reporter, signal } = input;
  const implicit = isEmulatorTarget(target) && autoBootstrap();
  const account = await accountResources(target, signal);
  const s3 = s3ClientFor(target, account.region);
  const dynamodb = opsClientFor(target, account.region);
  try {
    const [bucket, table] = await Promise.all([headBucket(s3, account.bucket, signal), describeOpsTable(dynamodb, account.table, signal)]);
    if (bucket === "exists" && table) return account;
    if (bucket === "forbidden") {
      throw new ConfigError("state-bucket-forbidden", `the state bucket ${account.bucket} exists but these credentials may not use it`, {
        hint: "it belongs to another account, or the role lacks s3:ListBucket on it (see the README's IAM permissions)",
      });
    }
    const missing = [bucket === "missing" ? `the state bucket ${account.bucket}` : "", table ? "" : `the operations table ${account.table}`].filter(Boolean).join(" and ");
    if (!implicit) {
      const why = account.emulator ? " (NOVELI_AUTO_BOOTSTRAP=0: this emulator is not bootstrapped implicitly)" : "";
      throw new ConfigError("not-bootstrapped", `account ${account.accountId} in ${account.region} is not bootstrapped for noveli: ${missing} ${bucket === "missing" && !table ? "do" : "does"} not exist${why}`, {
        hint: `run ${bootstrapCommand(target, env, account.region)}`,
      });
    }
    reporter.info(`bootstrapping the emulator (${describeTarget(target)}): creating ${missing}; real accounts are bootstrapped only by noveli bootstrap`);
    const plan = planBootstrap({ bucket: await observeBucket(s3, account.bucket, signal), table: await observeTable(dynamodb, account.table, signal), emulator: true, tlsOnlyPolicy: account.tlsOnlyPolicy });
    const verdict = decideBootstrap(plan, { repair: true });
    if (verdict.kind === "blocked") throw new OperationError("bootstrap-blocked", verdict.reason);
    if (verdict.kind === "differs") throw new OperationError("bootstrap-differs", `the emulator's ${verdict.unrepairable.map((c) => `${c.name} ${c.setting}`).join(", ")} cannot be repaired`);
    if (verdict.kind === "apply") await applyBootstrap(account, verdict.create, verdict.repair, { s3, dynamodb, ...(signal ? { signal } : {}) });
    return account;
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}
