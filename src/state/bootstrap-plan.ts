/**
 * Pure: what `noveli bootstrap` finds and what it would change. The executor (bootstrap.ts) reads
 * the bucket and the table, this module compares them setting by setting with what noveli needs,
 * and the executor applies only what the plan says. Nothing here touches AWS.
 */

export const NONCURRENT_VERSION_DAYS = 90;
export const LIFECYCLE_RULE_ID = "noveli-expire-noncurrent-state";
export const TLS_STATEMENT_SID = "NoveliDenyInsecureTransport";

export interface ObservedBucket {
  name: string;
  presence: "exists" | "missing" | "forbidden";
  versioning?: string | undefined;
  /** SSE algorithms of the default encryption rules. */
  encryption: string[];
  publicAccessBlock?: { BlockPublicAcls?: boolean; IgnorePublicAcls?: boolean; BlockPublicPolicy?: boolean; RestrictPublicBuckets?: boolean } | undefined;
  policy?: string | undefined;
  lifecycle: { ID?: string; Status?: string; NoncurrentVersionExpiration?: { NoncurrentDays?: number } }[];
}

export interface ObservedTable {
  name: string;
  exists: boolean;
  keySchema?: string;
  billingMode?: string;
  encryption?: string;
  pointInTimeRecovery?: string;
  deletionProtection?: boolean;
}

export type Setting =
  | "versioning"
  | "encryption"
  | "public-access-block"
  | "tls-only-policy"
  | "noncurrent-version-expiry"
  | "key-schema"
  | "billing-mode"
  | "point-in-time-recovery"
  | "deletion-protection"
  | "trust-policy"
  | "permissions";

export interface SettingCheck {
  resource: "bucket" | "table" | "role";
  name: string;
  setting: Setting;
  expected: string;
  actual: string;
  ok: boolean;
  /** Whether --repair can apply it (a table's key schema cannot change). */
  repairable: boolean;
}

export interface BootstrapPlan {
  /** Resources that do not exist yet: created, with every setting. */
  create: ("bucket" | "table")[];
  /** Settings of resources that already exist. */
  checks: SettingCheck[];
  /** A bucket of that name exists and is not ours to read: nothing can be done. */
  blocked?: string;
}

/** The bucket's name: one per account and region (S3 names are global). */
export function stateBucketName(accountId: string, region: string): string {
  return `noveli-tfstate-${accountId}-${region}`;
}

export const OPS_TABLE_NAME = "noveli-ops";

export function stateObjectKey(env: string): string {
  return `noveli/${env}/terraform.tfstate`;
}

/** Emulator targets: where deploy shares the zip it deployed, by its SHA-256 (hex). */
export function artifactObjectKey(env: string, zipSha256Hex: string): string {
  return `noveli/${env}/artifacts/${zipSha256Hex}.zip`;
}

/** Pure: whether a policy document has the statement that denies requests without TLS. */
export function policyDeniesInsecureTransport(policy: string | undefined): boolean {
  if (!policy) return false;
  try {
    const doc = JSON.parse(policy) as { Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    return statements.some((raw) => {
      const s = raw as { Effect?: string; Condition?: Record<string, Record<string, unknown>>; Action?: unknown };
      const secure = s.Condition?.Bool?.["aws:SecureTransport"];
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      return s.Effect === "Deny" && (secure === "false" || secure === false) && actions.some((a) => a === "s3:*" || a === "*");
    });
  } catch {
    return false;
  }
}

/** Pure: the bucket policy with noveli's TLS statement added; every other statement is kept. */
export function policyWithTlsStatement(policy: string | undefined, bucket: string, partition: string): string {
  let doc: { Version?: string; Statement?: unknown[] } = { Version: "2012-10-17", Statement: [] };
  if (policy) {
    // An unreadable policy is not replaced: that would drop whatever it granted or denied.
    const parsed = JSON.parse(policy) as { Version?: string; Statement?: unknown };
    doc = { ...parsed, Statement: Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [] };
  }
  const others = (doc.Statement ?? []).filter((s) => (s as { Sid?: string }).Sid !== TLS_STATEMENT_SID);
  const statement = {
    Sid: TLS_STATEMENT_SID,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  return JSON.stringify({ Version: doc.Version ?? "2012-10-17", Statement: [...others, statement] });
}

/** Pure: the lifecycle rules with noveli's noncurrent-version rule added or corrected; others kept. */
export function lifecycleWithNoveliRule<R extends { ID?: string }>(rules: R[]): (R | { ID: string; Status: string; Filter: { Prefix: string }; NoncurrentVersionExpiration: { NoncurrentDays: number } })[] {
  return [
    ...rules.filter((r) => r.ID !== LIFECYCLE_RULE_ID),
    { ID: LIFECYCLE_RULE_ID, Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS } },
  ];
}

function bucketChecks(bucket: ObservedBucket, tlsOnlyPolicy: boolean): SettingCheck[] {
  const check = (setting: Setting, expected: string, actual: string, ok: boolean): SettingCheck => ({ resource: "bucket", name: bucket.name, setting, expected, actual, ok, repairable: true });
  const pab = bucket.publicAccessBlock;
  const blocks = pab ? (["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const).filter((k) => pab[k] === true) : [];
  const expiry = bucket.lifecycle.find((r) => r.Status === "Enabled" && r.NoncurrentVersionExpiration?.NoncurrentDays !== undefined);
  const days = expiry?.NoncurrentVersionExpiration?.NoncurrentDays;
  const tls = policyDeniesInsecureTransport(bucket.policy);
  return [
    check("versioning", "Enabled", bucket.versioning ?? "never enabled", bucket.versioning === "Enabled"),
    check("encryption", "default encryption (AES256 or aws:kms)", bucket.encryption.length > 0 ? bucket.encryption.join(", ") : "none", bucket.encryption.length > 0),
    check("public-access-block", "all four blocks on", pab ? `${blocks.length} of 4 on` : "none", blocks.length === 4),
    tlsOnlyPolicy
      ? check("tls-only-policy", "a statement denying aws:SecureTransport = false", tls ? "denies requests without TLS" : bucket.policy ? "a policy without it" : "no bucket policy", tls)
      : check("tls-only-policy", "not applied on an http:// emulator", "not applied: the emulator is reached without TLS, and would refuse every request", true),
    check("noncurrent-version-expiry", `noncurrent versions expire after ${NONCURRENT_VERSION_DAYS} days`, days === undefined ? "no rule" : `after ${days} days`, days === NONCURRENT_VERSION_DAYS),
  ];
}

function tableChecks(table: ObservedTable, emulator: boolean): SettingCheck[] {
  const check = (setting: Setting, expected: string, actual: string | undefined, ok: boolean, repairable = true): SettingCheck => ({
    resource: "table", name: table.name, setting, expected, actual: actual ?? "unknown", ok, repairable,
  });
  return [
    check("key-schema", "pk (HASH, S), sk (RANGE, S)", table.keySchema, table.keySchema === "pk:HASH:S,sk:RANGE:S", false),
    check("billing-mode", "PAY_PER_REQUEST", table.billingMode, table.billingMode === "PAY_PER_REQUEST", false),
    check("encryption", "ENABLED (KMS)", table.encryption ?? "AWS owned key", table.encryption === "ENABLED"),
    check("point-in-time-recovery", "ENABLED", table.pointInTimeRecovery, table.pointInTimeRecovery === "ENABLED"),
    // The emulator is thrown away with its data; deletion protection there would only get in the way.
    ...(emulator ? [] : [check("deletion-protection", "enabled", table.deletionProtection ? "enabled" : "disabled", table.deletionProtection === true)]),
  ];
}

/** Pure: the plan for one account and region. */
export function planBootstrap(observed: { bucket: ObservedBucket; table: ObservedTable; emulator: boolean; tlsOnlyPolicy: boolean }): BootstrapPlan {
  const { bucket, table, emulator, tlsOnlyPolicy } = observed;
  if (bucket.presence === "forbidden") {
    return {
      create: [],
      checks: [],
      blocked: `the bucket ${bucket.name} exists but these credentials may not read it (another account's, or no s3:ListBucket)`,
    };
  }
  const create: BootstrapPlan["create"] = [];
  const checks: SettingCheck[] = [];
  if (bucket.presence === "missing") create.push("bucket");
  else checks.push(...bucketChecks(bucket, tlsOnlyPolicy));
  if (!table.exists) create.push("table");
  else checks.push(...tableChecks(table, emulator));
  return { create, checks };
}

export type BootstrapVerdict =
  | { kind: "unchanged" }
  | { kind: "apply"; create: BootstrapPlan["create"]; repair: SettingCheck[] }
  | { kind: "differs"; differing: SettingCheck[]; unrepairable: SettingCheck[] }
  | { kind: "blocked"; reason: string };

/** Pure: what a run does with a plan. Existing resources whose settings differ are only changed with --repair. */
export function decideBootstrap(plan: BootstrapPlan, options: { repair: boolean }): BootstrapVerdict {
  if (plan.blocked) return { kind: "blocked", reason: plan.blocked };
  const differing = plan.checks.filter((c) => !c.ok);
  const unrepairable = differing.filter((c) => !c.repairable);
  if (differing.length > 0 && (!options.repair || unrepairable.length > 0)) return { kind: "differs", differing, unrepairable };
  if (plan.create.length === 0 && differing.length === 0) return { kind: "unchanged" };
  return { kind: "apply", create: plan.create, repair: differing };
}
