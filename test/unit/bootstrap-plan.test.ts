import { describe, expect, it } from "vitest";
import {
  decideBootstrap,
  lifecycleWithNoveliRule,
  planBootstrap,
  policyDeniesInsecureTransport,
  policyWithTlsStatement,
  stateBucketName,
  type ObservedBucket,
  type ObservedTable,
} from "../../src/state/bootstrap-plan.js";
import { actionsFor } from "../../src/state/bootstrap.js";

const BUCKET = stateBucketName("111122223333", "eu-west-1");
const goodPolicy = policyWithTlsStatement(undefined, BUCKET, "aws");
const goodBucket: ObservedBucket = {
  name: BUCKET,
  presence: "exists",
  versioning: "Enabled",
  encryption: ["AES256"],
  publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  policy: goodPolicy,
  lifecycle: [{ ID: "noveli-expire-noncurrent-state", Status: "Enabled", NoncurrentVersionExpiration: { NoncurrentDays: 90 } }],
};
const goodTable: ObservedTable = { name: "noveli-ops", exists: true, keySchema: "pk:HASH:S,sk:RANGE:S", billingMode: "PAY_PER_REQUEST", encryption: "ENABLED", pointInTimeRecovery: "ENABLED", deletionProtection: true };
const resources = { accountId: "111122223333", region: "eu-west-1", partition: "aws", bucket: BUCKET, table: "noveli-ops", emulator: false, tlsOnlyPolicy: true };

describe("bootstrap plan", () => {
  it("names the bucket with the account and region", () => {
    expect(BUCKET).toBe("noveli-tfstate-111122223333-eu-west-1");
  });

  it("a fresh account: creates both, with every setting", () => {
    const plan = planBootstrap({ bucket: { name: BUCKET, presence: "missing", encryption: [], lifecycle: [] }, table: { name: "noveli-ops", exists: false }, emulator: false, tlsOnlyPolicy: true });
    const verdict = decideBootstrap(plan, { repair: false });
    expect(verdict).toEqual({ kind: "apply", create: ["bucket", "table"], repair: [] });
    expect(actionsFor(resources, ["bucket", "table"], []).map((a) => a.action)).toEqual([
      "create the bucket in eu-west-1",
      "block all public access (4 of 4)",
      "default encryption AES256 with a bucket key",
      "enable versioning",
      "add the policy statement that denies requests without TLS",
      "add the lifecycle rule expiring noncurrent versions after 90 days",
      "create the table (on demand, pk/sk, KMS encryption, deletion protection)",
      "enable point-in-time recovery",
    ]);
  });

  it("a second run changes nothing", () => {
    const plan = planBootstrap({ bucket: goodBucket, table: goodTable, emulator: false, tlsOnlyPolicy: true });
    expect(plan.checks.every((c) => c.ok)).toBe(true);
    expect(decideBootstrap(plan, { repair: false })).toEqual({ kind: "unchanged" });
  });

  it("an existing bucket and table whose settings differ: reported setting by setting, repaired only with --repair", () => {
    const bucket: ObservedBucket = { ...goodBucket, versioning: "Suspended", publicAccessBlock: { BlockPublicAcls: true }, policy: undefined, lifecycle: [] };
    const table: ObservedTable = { ...goodTable, pointInTimeRecovery: "DISABLED", deletionProtection: false };
    const plan = planBootstrap({ bucket, table, emulator: false, tlsOnlyPolicy: true });
    const verdict = decideBootstrap(plan, { repair: false });
    expect(verdict.kind).toBe("differs");
    if (verdict.kind !== "differs") return;
    expect(verdict.differing.map((c) => [c.resource, c.setting, c.actual])).toEqual([
      ["bucket", "versioning", "Suspended"],
      ["bucket", "public-access-block", "1 of 4 on"],
      ["bucket", "tls-only-policy", "no bucket policy"],
      ["bucket", "noncurrent-version-expiry", "no rule"],
      ["table", "point-in-time-recovery", "DISABLED"],
      ["table", "deletion-protection", "disabled"],
    ]);
    const repaired = decideBootstrap(plan, { repair: true });
    expect(repaired.kind).toBe("apply");
    if (repaired.kind === "apply") expect(repaired.repair).toHaveLength(6);
  });

  it("a table with another key schema cannot be repaired", () => {
    const plan = planBootstrap({ bucket: goodBucket, table: { ...goodTable, keySchema: "id:HASH:S" }, emulator: false, tlsOnlyPolicy: true });
    const verdict = decideBootstrap(plan, { repair: true });
    expect(verdict.kind).toBe("differs");
    if (verdict.kind === "differs") expect(verdict.unrepairable.map((c) => c.setting)).toEqual(["key-schema"]);
  });

  it("a bucket name taken by someone else blocks", () => {
    const plan = planBootstrap({ bucket: { name: BUCKET, presence: "forbidden", encryption: [], lifecycle: [] }, table: goodTable, emulator: false, tlsOnlyPolicy: true });
    expect(decideBootstrap(plan, { repair: true })).toMatchObject({ kind: "blocked" });
  });

  it("an http:// emulator gets no TLS-only policy, and no deletion protection on its table", () => {
    const plan = planBootstrap({ bucket: { ...goodBucket, policy: undefined }, table: { ...goodTable, deletionProtection: false }, emulator: true, tlsOnlyPolicy: false });
    expect(decideBootstrap(plan, { repair: false })).toEqual({ kind: "unchanged" });
    expect(actionsFor({ ...resources, emulator: true, tlsOnlyPolicy: false }, ["bucket"], []).map((a) => a.action)).not.toContain("add the policy statement that denies requests without TLS");
  });
});

describe("bucket policy and lifecycle: added to, never replaced", () => {
  it("keeps the statements a policy already has", () => {
    const theirs = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "TheirAuditRead", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/audit" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` }] });
    expect(policyDeniesInsecureTransport(theirs)).toBe(false);
    const merged = JSON.parse(policyWithTlsStatement(theirs, BUCKET, "aws-cn")) as { Statement: { Sid: string; Resource?: string[] }[] };
    expect(merged.Statement.map((s) => s.Sid)).toEqual(["TheirAuditRead", "NoveliDenyInsecureTransport"]);
    expect(merged.Statement[1]?.Resource).toEqual([`arn:aws-cn:s3:::${BUCKET}`, `arn:aws-cn:s3:::${BUCKET}/*`]);
    expect(policyDeniesInsecureTransport(JSON.stringify(merged))).toBe(true);
    // Twice changes nothing more.
    expect(policyWithTlsStatement(JSON.stringify(merged), BUCKET, "aws-cn")).toBe(JSON.stringify(merged));
  });

  it("refuses to rewrite a policy it cannot read", () => {
    expect(() => policyWithTlsStatement("{not json", BUCKET, "aws")).toThrow();
  });

  it("keeps other lifecycle rules", () => {
    const rules = lifecycleWithNoveliRule([{ ID: "logs", Status: "Enabled" }, { ID: "noveli-expire-noncurrent-state", Status: "Disabled" }]);
    expect(rules.map((r) => [r.ID, (r as { Status?: string }).Status])).toEqual([
      ["logs", "Enabled"],
      ["noveli-expire-noncurrent-state", "Enabled"],
    ]);
  });
});
