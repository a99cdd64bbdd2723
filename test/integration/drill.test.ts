import {
  BatchWriteItemCommand,
  CreateBackupCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
  TagResourceCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { spawn } from "node:child_process";
import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, LockError } from "../../src/errors.js";
import { listTables } from "../../src/aws/dynamodb.js";
import { runDrill, type DrillDependencies, type DrillInput } from "../../src/ops/drill/drill.js";
import { collectGarbage } from "../../src/ops/drill/gc.js";
import { readDrillRecords, saveDrillEntry, newDrillEntry } from "../../src/ops/drill/record.js";
import { MemoryReporter } from "../../src/output/reporter.js";
import { noveliBin, repoRoot, runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { createStoryTable, loadStoryItems } from "../helpers/story-table.js";

/**
 * The drill core against a real (private) moto server: a source table with the story table's
 * schema (PITR on, TTL, KMS encryption, GSI), thousands of items of every DynamoDB type, and real
 * restores, scans and deletes. Nothing is faked between the drill and DynamoDB's API.
 */

const TABLE = "noveli-dev-story-sessions";
/** A small second environment for the interruption, lock and gc tests: moto scans ~600 rich items/s. */
const SMALL_TABLE = "noveli-staging-story-sessions";
const SMALL_ITEMS = 200;
const BACKUP_TABLE = "noveli-dev-story-sessions-backup";
const BACKUP_REGION = "us-west-2";
const ITEMS = 3000;
const WRITTEN_LATER = 15; // stamped an hour from now: after any restore point
const EXPIRED = 12; // TTL already passed: TTL may delete them any moment
const KMS = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-aaaa-bbbb-cccc-000000000001";
/** The story table's settings as Terraform creates it: its customer-managed key and point-in-time recovery. */
const TERRAFORM_LIKE = { kmsKeyId: KMS, pointInTimeRecovery: true };

let moto: PrivateMoto;
let client: DynamoDBClient;
let westClient: DynamoDBClient;
let stateDir: string;
let tableArn: string;
let smallTableArn: string;
/** The clock the items were stamped with: their keys derive from it. */
let loadedAt: number;

function dynamo(region = "us-east-1"): DynamoDBClient {
  return new DynamoDBClient({ endpoint: moto.url, region, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
}

type Item = Record<string, AttributeValue>;

/** A story beat with every attribute type DynamoDB has, and number spellings moto keeps as written. */
function beat(i: number, now: number): Item {
  const sessionStart = now - 7 * 86_400_000 + Math.floor(i / 10) * 60_000;
  const item: Item = {
    session_id: { S: `session-${Math.floor(i / 10).toString().padStart(5, "0")}` },
    timestamp: { N: String(sessionStart + (i % 10)) },
    step: { N: String(i % 10) },
    written_at: { N: String(sessionStart + (i % 10) * 30_000) },
    text: { S: `Beat ${i}: the lighthouse keeper counts the ships again. ${"ö".repeat(i % 50)}` },
    choices: { L: [{ S: "Climb the stairs" }, { S: "Wait for dawn" }, { S: `Choice ${i}` }] },
    tokens: { M: { input: { N: String(100 + (i % 17)) }, output: { N: "250.0" }, cached: { N: "0" } } },
    cost_usd: i % 3 === 0 ? { NULL: true } : { N: `0.00${i % 9}10` },
    flags: { SS: ["a", `f${i % 4}`] },
    scores: { NS: ["1.50", String(i % 13), "-2"] },
    digest: { B: new Uint8Array([i & 0xff, (i >> 8) & 0xff, 7]) },
    moderated: { BOOL: i % 2 === 0 },
    expires_at: { N: String(Math.floor(now / 1000) + 30 * 86_400) },
  };
  if (i % 10 === 0) item.user_id = { S: `user-${i % 97}` };
  return item;
}

function input(overrides: Partial<DrillInput> = {}): DrillInput {
  return {
    env: "dev",
    method: "pitr",
    backupArn: null,
    keep: false,
    segments: 4,
    source: { tableName: TABLE, tableArn, region: "us-east-1" },
    crossRegion: null,
    alarmNames: ["noveli-dev-lambda-errors", "noveli-dev-api-5xx"],
    stateDir,
    target: `endpoint ${moto.url} (us-east-1)`,
    targetKey: "endpoint-test",
    emulator: true,
    pollMs: 50,
    ...overrides,
  };
}

/** The staging environment on the small table. */
function smallInput(overrides: Partial<DrillInput> = {}): DrillInput {
  return input({ env: "staging", source: { tableName: SMALL_TABLE, tableArn: smallTableArn, region: "us-east-1" }, ...overrides });
}

function deps(overrides: Partial<DrillDependencies> = {}): DrillDependencies & { reporter: MemoryReporter } {
  return { client, crossRegionClient: null, reporter: new MemoryReporter(), signal: new AbortController().signal, ...overrides } as DrillDependencies & { reporter: MemoryReporter };
}

async function drillTables(): Promise<string[]> {
  return (await listTables(client)).filter((name) => name.startsWith("noveli-drill-"));
}

async function sentinelsInSource(table = TABLE): Promise<number> {
  const out = await client.send(
    new ScanCommand({ TableName: table, FilterExpression: "begins_with(session_id, :p)", ExpressionAttributeValues: { ":p": { S: "noveli-drill-sentinel#" } } }),
  );
  return out.Items?.length ?? 0;
}

/** After every drill: nothing left behind. */
async function expectNothingLeft(): Promise<void> {
  expect(await drillTables()).toEqual([]);
  expect(await sentinelsInSource(TABLE)).toBe(0);
  expect(await sentinelsInSource(SMALL_TABLE)).toBe(0);
  expect(readDrillRecords(stateDir, "dev")).toEqual([]);
  expect(readDrillRecords(stateDir, "staging")).toEqual([]);
}

beforeAll(async () => {
  moto = await startPrivateMoto();
  client = dynamo();
  westClient = dynamo(BACKUP_REGION);
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-drill-state-"));
  tableArn = await createStoryTable(client, TABLE, TERRAFORM_LIKE);
  await client.send(new TagResourceCommand({ ResourceArn: tableArn, Tags: [{ Key: "DataClassification", Value: "internal" }] }));
  const now = (loadedAt = Date.now());
  const items = Array.from({ length: ITEMS }, (_, i) => beat(i, now));
  for (let i = 0; i < WRITTEN_LATER; i++) items.push({ ...beat(i, now), session_id: { S: `session-later-${i}` }, written_at: { N: String(now + 3_600_000) } });
  for (let i = 0; i < EXPIRED; i++) items.push({ ...beat(i, now), session_id: { S: `session-expired-${i}` }, expires_at: { N: String(Math.floor(now / 1000) - 3_600) } });
  await loadStoryItems(client, TABLE, items);
  smallTableArn = await createStoryTable(client, SMALL_TABLE, TERRAFORM_LIKE);
  await loadStoryItems(client, SMALL_TABLE, Array.from({ length: SMALL_ITEMS }, (_, i) => beat(i, now)));
  await createStoryTable(westClient, BACKUP_TABLE, TERRAFORM_LIKE);
});

afterAll(async () => {
  client?.destroy();
  westClient?.destroy();
  await moto?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("dr-drill against moto", () => {
  it("restores to a point in time, verifies every item, measures RTO and RPO, and cleans up", async () => {
    const d = deps({ crossRegionClient: westClient });
    const { report, error, interrupted } = await runDrill(input({ crossRegion: { tableName: BACKUP_TABLE, region: BACKUP_REGION } }), d);
    expect(error).toBeUndefined();
    expect(interrupted).toBe(false);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);

    expect(report.scratchTable).toMatch(/^noveli-drill-noveli-dev-story-sessions-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(report.items).toMatchObject({ source: ITEMS, restored: ITEMS, matched: ITEMS, missing: 0, extra: 0, changed: 0 });
    expect(report.items?.excluded).toEqual({
      source: { afterRestorePoint: WRITTEN_LATER, expiring: EXPIRED, sentinels: 2 },
      restored: { afterRestorePoint: WRITTEN_LATER, expiring: EXPIRED, sentinels: 1 },
    });
    // Each item read once per table: the source also holds both sentinels, the restore only the first.
    expect(report.items?.reads).toEqual({ passes: 1, source: ITEMS + WRITTEN_LATER + EXPIRED + 2, restored: ITEMS + WRITTEN_LATER + EXPIRED + 1 });

    expect(report.sentinels.map((s) => [s.role, s.expected, s.found])).toEqual([
      ["before", "present", "present"],
      ["after", "absent", "absent"],
    ]);
    expect(report.restorePointBasis).toBe("RestoreSummary.RestoreDateTime of the restored table");
    expect(report.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(report.rtoSeconds).toBeGreaterThan(0);
    const phases = Object.fromEntries(report.phases.map((p) => [p.name, p]));
    for (const name of ["restore", "wait", "verify"]) expect(phases[name]).toMatchObject({ inRto: true, status: "done" });
    expect(phases["pitr-catch-up"]).toMatchObject({ status: "skipped" });
    const inRto = report.phases.filter((p) => p.inRto).reduce((sum, p) => sum + p.seconds, 0);
    expect(report.rtoSeconds).toBeGreaterThanOrEqual(inRto - 0.01);

    const settings = Object.fromEntries(report.settings.map((s) => [s.setting, s.status]));
    expect(settings).toMatchObject({
      "key schema": "same",
      "global secondary indexes": "same",
      "billing mode": "emulator-gap", // moto 5.2.1 restores without BillingMode and SSE
      encryption: "emulator-gap",
      TTL: "reapply",
      "point-in-time recovery": "reapply",
      tags: "reapply",
      alarms: "reapply",
    });
    expect(report.crossRegion).toMatchObject({ table: BACKUP_TABLE, region: BACKUP_REGION, status: "ACTIVE", answered: true, pitr: true, ok: true });
    expect(report.cleanup).toMatchObject({ scratchTable: "deleted", sentinelsDeleted: 2, sentinelsLeft: 0, recordCleared: true });
    expect(report.cleanedUp).toBe(true);
    await expectNothingLeft();
  });

  it("detects a changed, a deleted and an extra item with the right counts and keys", async () => {
    const now = loadedAt;
    const changedKey = { session_id: { S: "session-00042" }, timestamp: { N: beat(423, now).timestamp?.N as string } };
    const deletedKey = { session_id: { S: "session-00100" }, timestamp: { N: beat(1001, now).timestamp?.N as string } };
    const extra = { ...beat(5, now), session_id: { S: "session-intruder" } };
    const { report } = await runDrill(
      input(),
      deps({
        hooks: {
          async onRestored({ scratchTable, client: c }) {
            await c.send(new UpdateItemCommand({ TableName: scratchTable, Key: changedKey, UpdateExpression: "SET #t = :t", ExpressionAttributeNames: { "#t": "text" }, ExpressionAttributeValues: { ":t": { S: "rewritten" } } }));
            await c.send(new DeleteItemCommand({ TableName: scratchTable, Key: deletedKey }));
            await c.send(new PutItemCommand({ TableName: scratchTable, Item: extra }));
          },
        },
      }),
    );
    expect(report.passed).toBe(false);
    expect(report.items).toMatchObject({ source: ITEMS, restored: ITEMS, matched: ITEMS - 2, missing: 1, extra: 1, changed: 1 });
    expect(report.items?.examples).toEqual({
      missing: [JSON.stringify({ session_id: "session-00100", timestamp: deletedKey.timestamp.N })],
      extra: [JSON.stringify({ session_id: "session-intruder", timestamp: extra.timestamp?.N })],
      changed: [JSON.stringify({ session_id: "session-00042", timestamp: changedKey.timestamp.N })],
    });
    expect(report.items?.reads.passes).toBe(2);
    expect(report.problems).toEqual(["1 item(s) missing from the restore", "1 extra item(s) in the restore", "1 item(s) changed in the restore"]);
    expect(report.cleanedUp).toBe(true);
    await expectNothingLeft();
  });

  it("restores the newest backup, proves it came from the backup, and cleans up", async () => {
    const backup = await client.send(new CreateBackupCommand({ TableName: TABLE, BackupName: "nightly" }));
    const { report } = await runDrill(input({ method: "backup" }), deps());
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.backupArn).toBe(backup.BackupDetails?.BackupArn);
    expect(report.restorePoint).toBe(backup.BackupDetails?.BackupCreationDateTime?.toISOString());
    expect(report.restorePointBasis).toBe("creation time of backup nightly");
    expect(report.sentinels.map((s) => [s.role, s.found])).toEqual([["after", "absent"]]);
    expect(report.items).toMatchObject({ source: ITEMS, matched: ITEMS, missing: 0, extra: 0, changed: 0 });
    await expectNothingLeft();
  });

  it("leaves no scratch table when interrupted mid-scan", async () => {
    const controller = new AbortController();
    const interrupting = dynamo();
    let scans = 0;
    interrupting.middlewareStack.add(
      (next, context) => async (args) => {
        const table = (args.input as { TableName?: string }).TableName ?? "";
        if (context.commandName === "ScanCommand" && table.startsWith("noveli-drill-") && ++scans === 3) controller.abort(new AbortError("interrupted by SIGINT"));
        return next(args);
      },
      { step: "initialize", name: "interruptMidScan" },
    );
    try {
      const { report, interrupted, error } = await runDrill(smallInput(), deps({ client: interrupting, signal: controller.signal }));
      expect(interrupted).toBe(true);
      expect(error).toBeInstanceOf(AbortError);
      expect(report.interrupted).toBe(true);
      expect(report.passed).toBe(false);
      expect(report.items).toBeNull();
      expect(report.phases.find((p) => p.name === "verify")?.status).toBe("failed");
      expect(report.cleanup).toMatchObject({ scratchTable: "deleted", sentinelsDeleted: 2, recordCleared: true });
      await expectNothingLeft();
    } finally {
      interrupting.destroy();
    }
  });

  it("a cleanup that cannot delete a sentinel fails its step (✗, never ✓) and says what it left", async () => {
    const failing = dynamo();
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteItemCommand") throw Object.assign(new Error("AccessDeniedException: not allowed to dynamodb:DeleteItem"), { name: "AccessDeniedException" });
        return next(args);
      },
      { step: "initialize", name: "denyDeleteItem" },
    );
    try {
      const reporter = new MemoryReporter();
      const { report } = await runDrill(smallInput(), deps({ client: failing, reporter }));
      expect(report.cleanup.sentinelsLeft).toBe(2);
      expect(report.cleanup.errors).toHaveLength(2); // once each, not repeated as a step error
      expect(report.phases.find((p) => p.name === "cleanup")?.status).toBe("failed");
      expect(report.cleanup.recordCleared).toBe(false);
    } finally {
      failing.destroy();
      await collectGarbage({ env: "staging", stateDir, targetKey: "endpoint-test", source: { tableName: SMALL_TABLE, tableArn: smallTableArn }, minAgeMs: 0 }, { client, signal: new AbortController().signal });
    }
  });

  it("leaves no scratch table when interrupted right after the restore call", async () => {
    const controller = new AbortController();
    const { report, interrupted } = await runDrill(smallInput(), deps({ signal: controller.signal, hooks: { onStep: (name) => name === "sentinel-after" && controller.abort(new AbortError("interrupted by SIGTERM")) } }));
    expect(interrupted).toBe(true);
    expect(report.scratchTable).not.toBeNull();
    expect(report.cleanup.scratchTable).toBe("deleted");
    await expectNothingLeft();
  });

  it("fails when the cross-region backup table does not answer, and still cleans up", async () => {
    const { report } = await runDrill(smallInput({ crossRegion: { tableName: "noveli-staging-missing-backup", region: BACKUP_REGION } }), deps({ crossRegionClient: westClient }));
    expect(report.items?.matched).toBe(SMALL_ITEMS);
    expect(report.crossRegion).toMatchObject({ ok: false, error: "does not exist" });
    expect(report.passed).toBe(false);
    expect(report.problems).toEqual([`cross-region backup table noveli-staging-missing-backup (${BACKUP_REGION}) does not exist`]);
    await expectNothingLeft();
  });

  it("refuses a second drill of the same environment while one runs", async () => {
    let refused: unknown;
    const { report } = await runDrill(
      smallInput(),
      deps({
        hooks: {
          async onRestored() {
            refused = await runDrill(smallInput(), deps()).catch((e: unknown) => e);
          },
        },
      }),
    );
    expect(refused).toBeInstanceOf(LockError);
    expect(report.passed).toBe(true);
    await expectNothingLeft();
  });

  it("gives up waiting when PITR does not cover the \"before\" sentinel, fails, and removes the sentinel", async () => {
    // Treated as a real target: moto's LatestRestorableDateTime never moves past the time PITR was enabled.
    const { report } = await runDrill(smallInput({ emulator: false, pitrCatchUpTimeoutMs: 1_500, pollMs: 100 }), deps());
    expect(report.passed).toBe(false);
    expect(report.problems[0]).toMatch(/LatestRestorableDateTime of noveli-staging-story-sessions .* did not pass the "before" sentinel's confirmation within/);
    expect(report.phases.find((p) => p.name === "pitr-catch-up")?.status).toBe("failed");
    expect(report.scratchTable).toBeNull();
    expect(report.cleanup).toMatchObject({ scratchTable: "not-needed", sentinelsDeleted: 1, recordCleared: true });
    await expectNothingLeft();
  });

  it("fails before restoring anything when PITR is off", async () => {
    const plain = "noveli-dev-no-pitr";
    await createStoryTable(client, plain); // the story table, PITR left off
    try {
      const { report } = await runDrill(input({ source: { tableName: plain, tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/noveli-dev-no-pitr", region: "us-east-1" } }), deps());
      expect(report.passed).toBe(false);
      expect(report.scratchTable).toBeNull();
      expect(report.problems[0]).toMatch(/point-in-time recovery is off on noveli-dev-no-pitr/);
      expect(report.cleanup.scratchTable).toBe("not-needed");
      await expectNothingLeft();
    } finally {
      await client.send(new DeleteTableCommand({ TableName: plain }));
    }
  });
});

describe("dr-drill gc against moto", () => {
  it("deletes the tables and sentinels a killed drill left, a kept table, and old unrecorded restores; leaves the rest", async () => {
    // 1. A drill process killed with SIGKILL (no cleanup at all) after its restore was ACTIVE.
    const killed = await killDrillProcessAfterRestore();
    expect(await drillTables()).toEqual([killed.scratchTable]);
    expect(await sentinelsInSource(SMALL_TABLE)).toBe(2);
    expect(readDrillRecords(stateDir, "staging").map((r) => r.scratchTable)).toEqual([killed.scratchTable]);

    // 2. A drill run with --keep.
    const kept = await runDrill(smallInput({ keep: true }), deps());
    expect(kept.report.passed).toBe(true);
    expect(kept.report.cleanup.scratchTable).toBe("kept");
    const keptTable = kept.report.scratchTable as string;

    // 3. A restore nobody recorded (a drill on another machine), and a drill-named table that is no restore.
    const unrecorded = "noveli-drill-noveli-staging-story-sessions-20250101T000000Z-deadbeef";
    await client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: SMALL_TABLE, TargetTableName: unrecorded, UseLatestRestorableTime: true }));
    const notARestore = "noveli-drill-not-a-restore";
    await client.send(new CreateTableCommand({ TableName: notARestore, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], KeySchema: [{ AttributeName: "k", KeyType: "HASH" }] }));
    // 4. A record whose drill died before its restore call, with a sentinel already written.
    const early = newDrillEntry({ drillId: "20261125T000000Z-0000beef", scratchTable: "noveli-drill-noveli-staging-story-sessions-20261125T000000Z-0000beef", sourceTable: SMALL_TABLE, sourceTableArn: smallTableArn, region: "us-east-1", target: "endpoint-test", startedAt: new Date().toISOString() });
    early.sentinelKeys.push({ session_id: { S: "noveli-drill-sentinel#20261125T000000Z-0000beef#before" }, timestamp: { N: "1" } });
    saveDrillEntry(stateDir, "staging", early);
    await client.send(new PutItemCommand({ TableName: SMALL_TABLE, Item: { session_id: { S: "noveli-drill-sentinel#20261125T000000Z-0000beef#before" }, timestamp: { N: "1" } } }));

    const scope = { env: "staging", stateDir, targetKey: "endpoint-test", source: { tableName: SMALL_TABLE, tableArn: smallTableArn } };
    const first = await collectGarbage({ ...scope, minAgeMs: 60 * 60_000 }, { client, signal: new AbortController().signal });
    expect(first.deleted.map((d) => d.table).sort()).toEqual([killed.scratchTable, keptTable].sort());
    expect(first.skipped).toEqual([
      { table: notARestore, reason: expect.stringContaining("not a restore") },
      { table: unrecorded, reason: expect.stringContaining("may belong to a drill running elsewhere") },
    ]);
    expect(first.sentinelsDeleted).toBe(3);
    expect(first.recordsCleared).toBe(3);
    expect(first.failed).toEqual([]);
    expect(await sentinelsInSource(SMALL_TABLE)).toBe(0);
    expect(readDrillRecords(stateDir, "staging")).toEqual([]);

    const second = await collectGarbage({ ...scope, minAgeMs: 0 }, { client, signal: new AbortController().signal });
    expect(second.deleted.map((d) => d.table)).toEqual([unrecorded]);
    expect(await drillTables()).toEqual([notARestore]);
    await client.send(new DeleteTableCommand({ TableName: notARestore }));
  });

  it("finds sentinels nobody recorded by their key prefix (a drill killed on another machine)", async () => {
    const sentinel = (drillId: string, writtenAt: number) => ({
      session_id: { S: `noveli-drill-sentinel#${drillId}#before` },
      timestamp: { N: String(writtenAt) },
      written_at: { N: String(writtenAt) },
      noveli_drill: { S: drillId },
    });
    await client.send(new PutItemCommand({ TableName: SMALL_TABLE, Item: sentinel("20250101T000000Z-0000aaaa", Date.parse("2025-01-01T00:00:00Z")) }));
    await client.send(new PutItemCommand({ TableName: SMALL_TABLE, Item: sentinel("20261201T000000Z-0000bbbb", Date.now()) }));
    expect(readDrillRecords(stateDir, "staging")).toEqual([]); // nothing on this machine names them
    const scope = { env: "staging", stateDir, targetKey: "endpoint-test", source: { tableName: SMALL_TABLE, tableArn: smallTableArn } };

    const first = await collectGarbage({ ...scope, minAgeMs: 60 * 60_000 }, { client, signal: new AbortController().signal });
    expect(first.sentinelsDeleted).toBe(1);
    expect(first.skipped).toContainEqual({ table: `${SMALL_TABLE} sentinel noveli-drill-sentinel#20261201T000000Z-0000bbbb#before`, reason: expect.stringContaining("may belong to a drill running elsewhere") });
    expect(await sentinelsInSource(SMALL_TABLE)).toBe(1);

    const second = await collectGarbage({ ...scope, minAgeMs: 0 }, { client, signal: new AbortController().signal });
    expect(second.sentinelsDeleted).toBe(1);
    expect(await sentinelsInSource(SMALL_TABLE)).toBe(0);
  });
});

describe("noveli dr-drill, the built CLI", () => {
  const cli = (args: string[]) => runCli(["dr-drill", "--endpoint-url", moto.url, ...args], { env: { NOVELI_STATE_DIR: stateDir } });

  it("refuses an environment that is not deployed on the target, exit 2, touching nothing", async () => {
    const result = await cli(["--env", "dev", "--json"]);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ schemaVersion: 1, error: { code: "not-deployed", hint: expect.stringContaining("noveli deploy --env dev") } });
    expect(result.stderr).toContain("error: environment dev is not deployed on this target");
    await expectNothingLeft();
  });

  it.each([
    [["--method", "snapshot"], /--method/],
    [["--segments", "0"], /--segments must be a whole number from 1 to 64/],
    [["--guard", "3601"], /--guard must be a whole number from 0 to 3600/],
    [["gc", "--guard", "5"], /--guard does not apply to dr-drill gc/],
    [["--backup-arn", "arn:aws:s3:::bucket"], /not a DynamoDB backup ARN/],
    [["gc", "--keep"], /--keep does not apply to dr-drill gc/],
    [["restore"], /value 'restore' is invalid for argument 'action'. Allowed choices are gc/],
  ])("rejects %j with exit 2 and one line", async (args, message) => {
    const result = await cli(["--env", "dev", ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n").filter((l) => l.startsWith("error")).length).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("gc deletes a leftover drill restore and lists what it deleted", async () => {
    const leftover = "noveli-drill-noveli-staging-story-sessions-20250101T000000Z-00c0ffee";
    await client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: SMALL_TABLE, TargetTableName: leftover, UseLatestRestorableTime: true }));
    const json = await cli(["gc", "--env", "staging", "--min-age", "0", "--json"]);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 1, command: "dr-drill gc", env: "staging", deleted: [{ table: leftover }], failed: [] });
    // staging is not deployed on this moto: gc says it looks at every drill restore in the region.
    expect(json.stderr).toContain("staging is not deployed on this target");
    await expectNothingLeft();
    const human = await cli(["gc", "--env", "staging"]);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain("no drill tables to delete");
  });
});

describe("noveli dr-drill on a deployed environment, the built CLI", () => {
  let deployed: PrivateMoto;
  let deployedClient: DynamoDBClient;
  let deployState: string;
  let storyTable: string;
  const SEEDED = 2000;
  const cliEnv = () => ({ NOVELI_STATE_DIR: deployState });

  beforeAll(async () => {
    // A moto of its own: terraform creates the real dev environment in it, story table included.
    deployed = await startPrivateMoto();
    deployState = mkdtempSync(path.join(tmpdir(), "noveli-drill-deployed-"));
    // noveli's own deploy: real terraform applies the project's module to moto.
    const result = await runCli(["deploy", "--endpoint-url", deployed.url, "--env", "dev", "--json"], { env: cliEnv() });
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    storyTable = (JSON.parse(result.stdout) as { outputs: { tableName: string } }).outputs.tableName;
    deployedClient = new DynamoDBClient({ endpoint: deployed.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  });

  /** The story table holds nothing until the first test after the empty-table one seeds it. */
  let seeded = false;
  const seed = async () => {
    if (seeded) return;
    seeded = true;
    const now = Date.now();
    const items = Array.from({ length: SEEDED }, (_, i) => beat(i, now));
    for (let i = 0; i < items.length; i += 25) {
      await deployedClient.send(new BatchWriteItemCommand({ RequestItems: { [storyTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
  };

  afterAll(async () => {
    deployedClient?.destroy();
    await deployed?.stop();
    if (deployState) rmSync(deployState, { recursive: true, force: true });
  });

  const leftovers = async () => (await listTables(deployedClient)).filter((name) => name.startsWith("noveli-drill-"));

  it("right after a deploy the table holds only the drill's sentinels: it passes, warns that it verified nothing, and says so in a few lines", async () => {
    const human = await runCli(["dr-drill", "--endpoint-url", deployed.url, "--env", "dev"], { env: cliEnv() });
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^✓ DR drill passed, with warnings: dev, pitr, /);
    expect(human.stdout).toContain("  items: 0 source, 0 restored, 0 matched");
    expect(human.stdout).toContain(`  warning: nothing to verify: ${storyTable} held no items but the drill's own sentinels`);
    // Outside a terminal: the milestones (restore, verify, cleanup) and the outcome, not a line per step start and end.
    const progress = human.stderr.split("\n").filter((line) => line.trim() !== "");
    expect(progress.length, human.stderr).toBeLessThanOrEqual(6);
    expect(progress[0]).toBe(`DR drill of ${storyTable} (pitr)...`);
    expect(progress.filter((line) => line.startsWith(`  DR drill of ${storyTable} (pitr): `)).map((line) => line.split(": ")[1]?.split(" ")[0])).toEqual(["Restoring", "Verifying", "Cleaning"]);
    expect(progress.at(-1)).toMatch(new RegExp(`^✓ DR drill of ${storyTable} \\(pitr\\) \\(\\d+\\.\\ds\\)$`));
    const json = await runCli(["dr-drill", "--endpoint-url", deployed.url, "--env", "dev", "--json"], { env: cliEnv() });
    expect(json.exitCode, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { passed: boolean; warnings: string[]; items: { source: number } };
    expect(doc).toMatchObject({ passed: true, items: { source: 0 } });
    expect(doc.warnings).toEqual([expect.stringMatching(/^nothing to verify: /)]);
    expect(await leftovers()).toEqual([]);
  });

  it("passes, prints the --json document and writes the Markdown report", async () => {
    await seed();
    const reportFile = path.join(deployState, "reports", "drill.md");
    const result = await runCli(["dr-drill", "--endpoint-url", deployed.url, "--env", "dev", "--json", "--report", reportFile], { env: cliEnv() });
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as Record<string, unknown> & { items: Record<string, number> };
    for (const key of ["schemaVersion", "env", "method", "sourceTable", "scratchTable", "restorePoint", "rtoSeconds", "rpoSeconds", "phases", "items", "settings", "crossRegion", "cleanedUp", "passed"]) {
      expect(doc).toHaveProperty(key);
    }
    expect(doc).toMatchObject({ schemaVersion: 1, env: "dev", method: "pitr", sourceTable: storyTable, cleanedUp: true, passed: true, crossRegion: null });
    expect(doc.items).toMatchObject({ source: SEEDED, restored: SEEDED, matched: SEEDED, missing: 0, extra: 0, changed: 0 });
    expect(doc.warnings).toEqual([]);
    expect(readFileSync(reportFile, "utf8")).toMatch(/^# DR drill: dev \(pitr\): PASSED\n/);
    expect(await leftovers()).toEqual([]);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("%s during verification: cleans up, then exits 130", { timeout: 180_000 }, async (signal) => {
    await seed();
    const child = execa(process.execPath, [noveliBin, "dr-drill", "--endpoint-url", deployed.url, "--env", "dev", "--json"], {
      env: { ...cliEnv(), AWS_ENDPOINT_URL: undefined, CI: "true", NO_COLOR: "1" },
      extendEnv: true,
      reject: false,
      cwd: repoRoot,
      // The cleanup is what is under test: execa's default SIGKILL 5 s after the signal would cut
      // it short on a loaded machine.
      forceKillAfterDelay: 120_000,
    });
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("Verifying every item")) resolve();
      });
      child.catch(reject);
      void child.then(() => reject(new Error(`the drill finished before verification: ${stderr}`)));
    });
    child.kill(signal);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    const doc = JSON.parse(String(result.stdout)) as { interrupted: boolean; cleanedUp: boolean; passed: boolean; scratchTable: string };
    expect(doc).toMatchObject({ interrupted: true, cleanedUp: true, passed: false });
    expect(doc.scratchTable).toMatch(/^noveli-drill-/);
    expect(String(result.stderr)).toContain(`${signal} received: stopping and cleaning up`);
    expect(await leftovers()).toEqual([]);
    const sentinels = await deployedClient.send(new ScanCommand({ TableName: storyTable, FilterExpression: "begins_with(session_id, :p)", ExpressionAttributeValues: { ":p": { S: "noveli-drill-sentinel#" } } }));
    expect(sentinels.Items ?? []).toEqual([]);
    expect(existsSync(path.join(deployState, "drills", "dev.json")) ? readDrillRecords(deployState, "dev") : []).toEqual([]);
  });

  it("--guard sets how close to the restore point an item's stamp may be and still be compared", { timeout: 180_000 }, async () => {
    await seed();
    // Five beats stamped a minute ago: inside a one-hour guard, outside a zero one.
    const now = Date.now();
    const recent = Array.from({ length: 5 }, (_, i) => ({ ...beat(i, now), session_id: { S: `session-recent-${i}` }, written_at: { N: String(now - 60_000) } }));
    await deployedClient.send(new BatchWriteItemCommand({ RequestItems: { [storyTable]: recent.map((Item) => ({ PutRequest: { Item } })) } }));
    try {
      type Doc = { passed: boolean; items: { source: number; matched: number; excluded: { source: { afterRestorePoint: number } } } };
      const guarded = await runCli(["dr-drill", "--endpoint-url", deployed.url, "--env", "dev", "--json", "--guard", "3600"], { env: cliEnv() });
      expect(guarded.exitCode, guarded.stderr).toBe(0);
      const left = JSON.parse(guarded.stdout) as Doc;
      expect(left.items).toMatchObject({ source: SEEDED, matched: SEEDED, excluded: { source: { afterRestorePoint: 5 } } });

      const unguarded = await runCli(["dr-drill", "--endpoint-url", deployed.url, "--env", "dev", "--json", "--guard", "0"], { env: cliEnv() });
      expect(unguarded.exitCode, unguarded.stderr).toBe(0);
      const all = JSON.parse(unguarded.stdout) as Doc;
      expect(all.items).toMatchObject({ source: SEEDED + 5, matched: SEEDED + 5, excluded: { source: { afterRestorePoint: 0 } } });
      expect(await leftovers()).toEqual([]);
    } finally {
      await deployedClient.send(new BatchWriteItemCommand({ RequestItems: { [storyTable]: recent.map((item) => ({ DeleteRequest: { Key: { session_id: item.session_id!, timestamp: item.timestamp! } } })) } }));
    }
  });

  it("an emulator frozen mid-verification (SIGSTOP): the verify deadline stops the scan, exit 1 names what it left, the lease is released, gc cleans up", { timeout: 300_000 }, async () => {
    await seed();
    const sentinelsInSource = async () => {
      const keys: (string | undefined)[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await deployedClient.send(
          new ScanCommand({ TableName: storyTable, ConsistentRead: true, ExclusiveStartKey: start, FilterExpression: "begins_with(session_id, :p)", ExpressionAttributeValues: { ":p": { S: "noveli-drill-sentinel#" } } }),
        );
        keys.push(...(page.Items ?? []).map((item) => item.session_id?.S));
        start = page.LastEvaluatedKey;
      } while (start);
      return keys;
    };
    const child = execa(process.execPath, [noveliBin, "dr-drill", "--endpoint-url", deployed.url, "--env", "dev", "--verify-timeout", "3s"], {
      // Each call gives up after 2 s (5 attempts): the frozen endpoint costs seconds per call, not minutes.
      env: { ...cliEnv(), AWS_ENDPOINT_URL: undefined, CI: "true", NO_COLOR: "1", NOVELI_AWS_REQUEST_TIMEOUT: "2s", NOVELI_AWS_CONNECT_TIMEOUT: "2s" },
      extendEnv: true,
      reject: false,
      cwd: repoRoot,
      timeout: 240_000,
    });
    let stderr = "";
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => stderr.includes(text) && resolve();
        child.stderr?.on("data", check);
        check();
        void child.then(() => reject(new Error(`the drill ended before "${text}": ${stderr}`)), reject);
      });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let frozen = false;
    try {
      await seen("Verifying every item");
      process.kill(-deployed.pid, "SIGSTOP");
      frozen = true;
      // The verify deadline (3 s) stops the scan; the cleanup's calls time out one by one and the
      // drill's phase fails (✗). Bounded: the whole run may take at most a few minutes.
      await Promise.race([seen("✗ DR drill of"), new Promise((_, reject) => setTimeout(() => reject(new Error(`no ✗ within 200 s: ${stderr}`)), 200_000))]);
    } finally {
      // Back before the lease is released: the drill releases it (retrying while the emulator works
      // through the requests it queued while frozen).
      if (frozen) process.kill(-deployed.pid, "SIGCONT");
    }
    const result = await child;
    expect(result.exitCode, stderr).toBe(1);
    const error = stderr.split("\n").filter((line) => line.startsWith("error: "));
    expect(error, stderr).toHaveLength(1);
    const named = /^error: DR drill failed: Verifying every item of (noveli-drill-\S+) against \S+ failed: verification did not finish within 3s, its deadline \(--verify-timeout\); it left the scratch table (noveli-drill-\S+) and 2 sentinel\(s\) in (\S+) \((noveli-drill-sentinel#\S+#before), (noveli-drill-sentinel#\S+#after)\)$/.exec(error[0] ?? "");
    expect(named, error[0]).not.toBeNull();
    const [, verified, scratchTable, source, before, after] = named as unknown as string[];
    expect(scratchTable).toBe(verified);
    expect(source).toBe(storyTable);
    expect(stderr).toMatch(/^hint: run noveli dr-drill gc --env dev$/m);
    expect(stderr).not.toMatch(/unexpected error|could not release the lease/);

    // An independent client after SIGCONT: nothing but what the drill named is left (requests the
    // frozen server had queued may have removed part of it since), and the lease is free.
    expect((await leftovers()).filter((name) => name !== scratchTable)).toEqual([]);
    expect((await sentinelsInSource()).filter((key) => key !== before && key !== after)).toEqual([]);
    const status = await runCli(["status", "--endpoint-url", deployed.url, "--env", "dev", "--json"], { env: cliEnv() });
    expect(status.exitCode, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { operationInProgress: unknown }).operationInProgress).toBeNull();

    // gc, without waiting for any lease, leaves nothing of this drill behind.
    const gc = await runCli(["dr-drill", "gc", "--endpoint-url", deployed.url, "--env", "dev", "--min-age", "0"], { env: cliEnv() });
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(await leftovers()).toEqual([]);
    expect(await sentinelsInSource()).toEqual([]);
  });
});

/**
 * Runs a drill in a child process whose onRestored hook never returns, waits until the scratch
 * table is ACTIVE, and kills the process with SIGKILL: the one interruption no cleanup survives.
 */
async function killDrillProcessAfterRestore(): Promise<{ scratchTable: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "noveli-drill-child-"));
  const script = path.join(dir, "drill-child.mts");
  // The script imports the SDK: let it resolve the repository's own copy (the one the drill uses).
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  const src = (p: string) => JSON.stringify(path.join(repoRoot, p));
  writeFileSync(
    script,
    `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { runDrill } from ${src("src/ops/drill/drill.ts")};
import { MemoryReporter } from ${src("src/output/reporter.ts")};
const input = JSON.parse(process.argv[2]);
const client = new DynamoDBClient({ endpoint: process.env.MOTO_URL, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
await runDrill(input, { client, crossRegionClient: null, reporter: new MemoryReporter(), signal: new AbortController().signal, hooks: {
  onRestored: ({ scratchTable }) => { process.stdout.write("RESTORED " + scratchTable + "\\n"); return new Promise(() => {}); },
} });
`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(smallInput())], {
    cwd: repoRoot,
    env: { ...process.env, MOTO_URL: moto.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const scratchTable = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /RESTORED (\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.once("exit", (code) => reject(new Error(`drill child exited early (${code}): ${err.slice(0, 1500)}`)));
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    return { scratchTable };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
