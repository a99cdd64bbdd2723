import { createClient } from "../aws/clients.js";
import { describeOpsTable, DynamoDBClient } from "../aws/ops-table.js";
import { headBucket, S3Client } from "../aws/s3.js";
import { getCallerIdentity, STSClient } from "../aws/sts.js";
import { describeTarget, isEmulatorTarget, type Target } from "../core/target.js";
import { type Environment } from "../core/environment.js";
import { ConfigError, OperationError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
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

/** The account id and region of a target, and the names of its bootstrap resources. */
export async function resolveAccount(target: Target, signal?: AbortSignal): Promise<AccountResources> {
  const sts = createClient(STSClient, target);
  try {
    const identity = await getCallerIdentity(sts, signal).catch((error: unknown) => {
      throw new ConfigError("no-credentials", `cannot tell which AWS account this is (STS GetCallerIdentity failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)})`, {
        hint: isEmulatorTarget(target) ? "is the emulator running?" : "sign in (aws sso login, a profile with --profile, or AWS_* credentials)",
      });
    });
    const region = target.region ?? (await sts.config.region().catch(() => undefined));
    if (!region) throw new ConfigError("no-region", "no AWS region: pass --region or set AWS_REGION");
    const partition = identity.arn.split(":")[1] || "aws";
    return {
      accountId: identity.account,
      region,
      partition,
      bucket: stateBucketName(identity.account, region),
      table: OPS_TABLE_NAME,
      emulator: isEmulatorTarget(target),
      tlsOnlyPolicy: !isEmulatorTarget(target) || target.endpointUrl.startsWith("https:"),
    };
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
  const account = await resolveAccount(target, signal);
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
    if (!account.emulator) {
      throw new ConfigError("not-bootstrapped", `account ${account.accountId} in ${account.region} is not bootstrapped for noveli: ${missing} does not exist`, {
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
