import {
  blockAllPublicAccess,
  createBucket,
  enableBucketVersioning,
  getBucketEncryption,
  getBucketLifecycleRules,
  getBucketPolicy,
  getBucketVersioning,
  getPublicAccessBlock,
  headBucket,
  putBucketEncryption,
  putBucketLifecycleRules,
  putBucketPolicy,
  type S3Client,
} from "../aws/s3.js";
import {
  createOpsTable,
  describeOpsTable,
  enableDeletionProtection,
  enablePointInTimeRecovery,
  enableTableEncryption,
  getPointInTimeRecoveryStatus,
  type DynamoDBClient,
} from "../aws/ops-table.js";
import { OperationError } from "../errors.js";
import { sleep } from "../core/clock.js";
import {
  lifecycleWithNoveliRule,
  policyWithTlsStatement,
  type BootstrapPlan,
  type ObservedBucket,
  type ObservedTable,
  type SettingCheck,
} from "./bootstrap-plan.js";

/**
 * The executor of `noveli bootstrap`: reads the state bucket and the operations table as they are,
 * and applies exactly what the pure plan (bootstrap-plan.ts) says. It creates and adds; it never
 * deletes a bucket, a table, a policy statement or a lifecycle rule.
 */

export interface AccountResources {
  accountId: string;
  region: string;
  /** aws, aws-cn, aws-us-gov: for the ARNs in the bucket policy. */
  partition: string;
  bucket: string;
  table: string;
  emulator: boolean;
  /**
   * Whether the bucket gets the policy denying requests without TLS. Not on an emulator reached
   * over http://: the statement would refuse every request (moto applies a Deny whose condition it
   * cannot evaluate, and the emulator speaks no TLS anyway).
   */
  tlsOnlyPolicy: boolean;
}

export interface BootstrapClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  signal?: AbortSignal;
}

export async function observeBucket(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<ObservedBucket> {
  const presence = await headBucket(s3, bucket, signal);
  if (presence !== "exists") return { name: bucket, presence, encryption: [], lifecycle: [] };
  const [versioning, encryption, publicAccessBlock, policy, lifecycle] = await Promise.all([
    getBucketVersioning(s3, bucket, signal),
    getBucketEncryption(s3, bucket, signal),
    getPublicAccessBlock(s3, bucket, signal),
    getBucketPolicy(s3, bucket, signal),
    getBucketLifecycleRules(s3, bucket, signal),
  ]);
  return {
    name: bucket,
    presence,
    versioning,
    encryption: encryption.map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? "unknown"),
    publicAccessBlock,
    policy,
    lifecycle: lifecycle.map((r) => ({
      ...(r.ID !== undefined ? { ID: r.ID } : {}),
      ...(r.Status !== undefined ? { Status: r.Status } : {}),
      ...(r.NoncurrentVersionExpiration ? { NoncurrentVersionExpiration: { ...(r.NoncurrentVersionExpiration.NoncurrentDays !== undefined ? { NoncurrentDays: r.NoncurrentVersionExpiration.NoncurrentDays } : {}) } } : {}),
    })),
  };
}

export async function observeTable(dynamodb: DynamoDBClient, table: string, signal?: AbortSignal): Promise<ObservedTable> {
  const description = await describeOpsTable(dynamodb, table, signal);
  if (!description) return { name: table, exists: false };
  const types = new Map((description.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const keySchema = (description.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}:${types.get(k.AttributeName) ?? "?"}`).join(",");
  return {
    name: table,
    exists: true,
    keySchema,
    billingMode: description.BillingModeSummary?.BillingMode ?? "PROVISIONED",
    ...(description.SSEDescription?.Status ? { encryption: description.SSEDescription.Status } : {}),
    pointInTimeRecovery: await getPointInTimeRecoveryStatus(dynamodb, table, signal),
    deletionProtection: description.DeletionProtectionEnabled === true,
  };
}

/** One change bootstrap makes, in the order it makes them (for --dry-run and the result). */
export interface BootstrapAction {
  resource: "bucket" | "table" | "oidc-provider" | "role";
  name: string;
  action: string;
}

/** Pure: the actions of a plan's creations and repairs. */
export function actionsFor(resources: AccountResources, create: BootstrapPlan["create"], repair: SettingCheck[]): BootstrapAction[] {
  const actions: BootstrapAction[] = [];
  const bucket = (action: string) => actions.push({ resource: "bucket", name: resources.bucket, action });
  const table = (action: string) => actions.push({ resource: "table", name: resources.table, action });
  const repairs = new Set(repair.map((c) => `${c.resource}:${c.setting}`));
  const creatingBucket = create.includes("bucket");
  const creatingTable = create.includes("table");
  if (creatingBucket) bucket(`create the bucket in ${resources.region}`);
  if (creatingBucket || repairs.has("bucket:public-access-block")) bucket("block all public access (4 of 4)");
  if (creatingBucket || repairs.has("bucket:encryption")) bucket("default encryption AES256 with a bucket key");
  if (creatingBucket || repairs.has("bucket:versioning")) bucket("enable versioning");
  if (resources.tlsOnlyPolicy && (creatingBucket || repairs.has("bucket:tls-only-policy"))) bucket("add the policy statement that denies requests without TLS");
  if (creatingBucket || repairs.has("bucket:noncurrent-version-expiry")) bucket("add the lifecycle rule expiring noncurrent versions after 90 days");
  if (creatingTable) table(`create the table (on demand, pk/sk, KMS encryption${resources.emulator ? "" : ", deletion protection"})`);
  if (repairs.has("table:encryption")) table("encrypt with the AWS managed KMS key");
  if (creatingTable || repairs.has("table:point-in-time-recovery")) table("enable point-in-time recovery");
  if (repairs.has("table:deletion-protection")) table("enable deletion protection");
  return actions;
}

const TABLE_ACTIVE_TIMEOUT_MS = 120_000;

/** Applies the creations and repairs, in the order of `actionsFor`. */
export async function applyBootstrap(resources: AccountResources, create: BootstrapPlan["create"], repair: SettingCheck[], clients: BootstrapClients): Promise<BootstrapAction[]> {
  const { s3, dynamodb, signal } = clients;
  const { bucket, table, region } = resources;
  const repairs = new Set(repair.map((c) => `${c.resource}:${c.setting}`));
  const creatingBucket = create.includes("bucket");
  const creatingTable = create.includes("table");
  if (creatingBucket) await createBucket(s3, bucket, region, signal);
  if (creatingBucket || repairs.has("bucket:public-access-block")) await blockAllPublicAccess(s3, bucket, signal);
  if (creatingBucket || repairs.has("bucket:encryption")) await putBucketEncryption(s3, bucket, signal);
  if (creatingBucket || repairs.has("bucket:versioning")) await enableBucketVersioning(s3, bucket, signal);
  if (resources.tlsOnlyPolicy && (creatingBucket || repairs.has("bucket:tls-only-policy"))) {
    const current = creatingBucket ? undefined : await getBucketPolicy(s3, bucket, signal);
    await putBucketPolicy(s3, bucket, policyWithTlsStatement(current, bucket, resources.partition), signal);
  }
  if (creatingBucket || repairs.has("bucket:noncurrent-version-expiry")) {
    const current = creatingBucket ? [] : await getBucketLifecycleRules(s3, bucket, signal);
    await putBucketLifecycleRules(s3, bucket, lifecycleWithNoveliRule(current) as never, signal);
  }
  if (creatingTable) {
    await createOpsTable(dynamodb, table, { deletionProtection: !resources.emulator }, signal);
    await waitForTableActive(dynamodb, table, signal);
  }
  if (repairs.has("table:encryption")) await enableTableEncryption(dynamodb, table, signal);
  if (creatingTable || repairs.has("table:point-in-time-recovery")) await enablePointInTimeRecovery(dynamodb, table, signal);
  if (repairs.has("table:deletion-protection")) await enableDeletionProtection(dynamodb, table, signal);
  return actionsFor(resources, create, repair);
}

async function waitForTableActive(dynamodb: DynamoDBClient, table: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const description = await describeOpsTable(dynamodb, table, signal);
    if (description?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new OperationError("bootstrap-table", `the table ${table} did not become ACTIVE within ${TABLE_ACTIVE_TIMEOUT_MS / 1000}s`);
    await sleep(1_000, signal);
  }
}
