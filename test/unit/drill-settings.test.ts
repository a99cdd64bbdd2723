import type { TableDescription } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { storyTableDescription } from "../helpers/story-table.js";
import { compareSettings, settingsPassed, tableSettings, type TableSettings } from "../../src/ops/drill/settings.js";

const KMS = "arn:aws:kms:us-east-1:123456789012:key/abc";

/** What DescribeTable says about the story table Terraform creates. */
const storyTable: TableDescription = storyTableDescription({
  BillingModeSummary: { BillingMode: "PAY_PER_REQUEST" },
  SSEDescription: { Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: KMS },
  DeletionProtectionEnabled: true,
});

const source = tableSettings(
  storyTable,
  { TimeToLiveStatus: "ENABLED", AttributeName: "expires_at" },
  { ContinuousBackupsStatus: "ENABLED", PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED" } },
  [{ Key: "Name", Value: "noveli-dev-story-sessions" }, { Key: "DataClassification", Value: "internal" }],
);

/** What AWS gives back from a restore: schema, indexes, billing and SSE, nothing else. */
const awsRestore = tableSettings({ ...storyTable, TableName: "noveli-drill-x", DeletionProtectionEnabled: false }, { TimeToLiveStatus: "DISABLED" }, undefined, []);
/** What moto 5.2.1 gives back: no BillingMode, no SSEDescription. */
const motoRestore = tableSettings({ ...storyTable, TableName: "noveli-drill-x", BillingModeSummary: {}, SSEDescription: undefined, DeletionProtectionEnabled: false }, undefined, undefined, []);

const byName = (list: ReturnType<typeof compareSettings>) => Object.fromEntries(list.map((p) => [p.setting, p]));

describe("tableSettings", () => {
  it("reads the parts a recovery cares about", () => {
    expect(source).toEqual<TableSettings>({
      keySchema: "session_id HASH (S), timestamp RANGE (N)",
      globalIndexes: [{ name: "UserStoryIndex", keySchema: "user_id HASH (S), timestamp RANGE (N)", projection: "ALL" }],
      localIndexes: [],
      billingMode: "PAY_PER_REQUEST",
      encryption: `KMS ${KMS}`,
      ttl: { enabled: true, attribute: "expires_at" },
      pitr: true,
      tags: { Name: "noveli-dev-story-sessions", DataClassification: "internal" },
      stream: null,
      deletionProtection: true,
    });
  });
});

describe("compareSettings", () => {
  it("passes an AWS-like restore and lists what a recovery applies again", () => {
    const parity = compareSettings(source, awsRestore, { alarmNames: ["noveli-dev-errors"], emulator: false });
    const p = byName(parity);
    for (const setting of ["key schema", "global secondary indexes", "local secondary indexes", "billing mode", "encryption"]) expect(p[setting]?.status).toBe("same");
    for (const setting of ["TTL", "point-in-time recovery", "tags", "deletion protection", "alarms", "IAM and resource policies"]) expect(p[setting]?.status).toBe("reapply");
    expect(p.TTL?.action).toBe("enable TTL on expires_at");
    expect(p.tags?.action).toContain("DataClassification=internal");
    expect(p.streams?.status).toBe("not-used");
    expect(p["auto scaling"]?.status).toBe("not-used");
    expect(settingsPassed(parity)).toBe(true);
    // Compared settings come first, then what to apply again.
    expect(parity.slice(0, 5).every((x) => x.kind === "compared")).toBe(true);
  });

  it("fails a restore that lost the encryption key or an index on AWS", () => {
    const lost = { ...awsRestore, encryption: null, globalIndexes: [] };
    const parity = compareSettings(source, lost, { alarmNames: [], emulator: false });
    expect(byName(parity).encryption).toMatchObject({ status: "differs", source: `KMS ${KMS}`, restored: "AWS owned key" });
    expect(byName(parity)["global secondary indexes"]?.status).toBe("differs");
    expect(settingsPassed(parity)).toBe(false);
  });

  it("calls settings an emulator does not carry an emulator gap, on emulators only", () => {
    const onEmulator = byName(compareSettings(source, motoRestore, { alarmNames: [], emulator: true }));
    expect(onEmulator["billing mode"]).toMatchObject({ status: "emulator-gap", source: "PAY_PER_REQUEST", restored: "PROVISIONED" });
    expect(onEmulator.encryption?.status).toBe("emulator-gap");
    expect(settingsPassed(Object.values(onEmulator))).toBe(true);
    const onAws = compareSettings(source, motoRestore, { alarmNames: [], emulator: false });
    expect(byName(onAws)["billing mode"]?.status).toBe("differs");
    expect(settingsPassed(onAws)).toBe(false);
  });

  it("never excuses a different value, even on an emulator", () => {
    const otherKey = { ...motoRestore, encryption: "KMS arn:aws:kms:us-east-1:123456789012:key/other" };
    expect(byName(compareSettings(source, otherKey, { alarmNames: [], emulator: true })).encryption?.status).toBe("differs");
  });

  it("treats an absent BillingModeSummary as PROVISIONED", () => {
    const provisioned = { ...source, billingMode: null };
    const parity = byName(compareSettings(provisioned, { ...awsRestore, billingMode: "PROVISIONED" }, { alarmNames: [], emulator: false }));
    expect(parity["billing mode"]?.status).toBe("same");
    expect(parity["auto scaling"]?.status).toBe("reapply");
  });
});
