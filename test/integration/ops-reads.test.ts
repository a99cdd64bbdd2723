import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getObjectTextStart } from "../../src/aws/s3.js";
import { previousColor, settlesPreviousColor } from "../../src/ops/traffic/previous-color.js";
import { newRecord, type HistoryKind, type HistoryRecord } from "../../src/state/history.js";
import { OpsStore } from "../../src/state/ops-store.js";
import { runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";

/**
 * The reads status and rollback make, against this file's own emulator: history reads that bring
 * back only the kinds asked for and stop once what is wanted is settled, and the outputs read from
 * the first bytes of the state object, with the whole object read when those do not settle them.
 */
let moto: PrivateMoto;
let stateDir: string;
const BUCKET = "noveli-tfstate-123456789012-us-east-1";
const STATE_KEY = "noveli/dev/terraform.tfstate";
const aws = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" }, maxAttempts: 1 });
const noveli = (args: string[]) => runCli(args, { env: { NOVELI_STATE_DIR: stateDir }, timeoutMs: 120_000 });

beforeAll(async () => {
  moto = await startPrivateMoto();
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-ops-reads-"));
  const bootstrap = await noveli(["bootstrap", "--env", "dev", "--region", "us-east-1", "--endpoint-url", moto.url]);
  expect(bootstrap.exitCode, bootstrap.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await moto?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** An OpsStore whose client notes the Limit of every Query it sends. */
function countingStore(): { store: OpsStore; queries: number[] } {
  const client = new DynamoDBClient(aws());
  const queries: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "QueryCommand") queries.push((args.input as { Limit: number }).Limit);
      return next(args);
    },
    { step: "initialize" },
  );
  return { store: new OpsStore(client, "noveli-ops"), queries };
}

describe("history reads (the operations table on the emulator)", () => {
  // 60 records, oldest first: deploys now and then, rollbacks and switches in between, a drill.
  const kinds: HistoryKind[] = Array.from({ length: 60 }, (_, i) => (i % 9 === 0 ? "deploy" : i % 13 === 0 ? "drill" : i % 2 === 0 ? "rollback" : "switch"));
  let written: HistoryRecord[] = [];

  beforeAll(async () => {
    const { store } = countingStore();
    written = [];
    for (const [i, type] of kinds.entries()) {
      const at = new Date(Date.UTC(2026, 11, 1, 10, 0, i)).toISOString();
      // Traffic records that move nothing (refused), except the one 40 records back from the newest.
      const moved = i === 19;
      const record = newRecord("staging", { type, outcome: moved ? "switched" : "refused", from: "blue", to: "green", live: { deployment: moved ? "green" : "blue" }, n: i }, new Date(at));
      await store.appendHistory("staging", record, `${at}#${String(i).padStart(4, "0")}`);
      written.push(record);
    }
  }, 120_000);

  const newestFirst = () => [...written].reverse();

  it.each([
    [{ types: ["deploy"] as HistoryKind[], limit: 200, scan: 200 }],
    [{ types: ["switch", "rollback"] as HistoryKind[], limit: 5, scan: 200 }],
    [{ types: ["deploy"] as HistoryKind[], limit: 200, scan: 20 }],
    [{ types: ["drill", "deploy"] as HistoryKind[], limit: 3 }],
    [{ limit: 25 }],
    [{ limit: 25, scan: 7 }],
  ])("%o: the newest records of those kinds among the newest `scan`, newest first, reading no more than `scan`", async (query) => {
    const { store, queries } = countingStore();
    const read = await store.readHistory("staging", query);
    const window = newestFirst().slice(0, query.scan ?? Infinity);
    const expected = window.filter((r) => !query.types || query.types.includes(r.type)).slice(0, query.limit);
    expect(read.map((r) => r.n)).toEqual(expected.map((r) => r.n));
    expect(queries.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(query.scan ?? Infinity);
  });

  it("a read with `enough` starts with a small page and stops as soon as older records could not change the answer", async () => {
    const { store, queries } = countingStore();
    const kindsAsked: HistoryKind[] = ["switch", "rollback", "teardown"];
    const read = await store.readHistory("staging", { limit: 50, types: kindsAsked, enough: settlesPreviousColor });
    // The only switch that moved traffic is 41st from the newest: pages of 10 and 40 reach it.
    expect(queries).toEqual([10, 40]);
    expect(read.map((r) => r.n)).toContain(19);
    expect(Math.min(...read.map((r) => r.n as number))).toBeGreaterThanOrEqual(10);
    const all = newestFirst().filter((r) => kindsAsked.includes(r.type));
    expect(previousColor({ deployment: "green" }, read)).toEqual(previousColor({ deployment: "green" }, all));

    const { store: again, queries: once } = countingStore();
    const newest = newRecord("staging", { type: "rollback", outcome: "switched", from: "green", to: "blue", live: { deployment: "blue" } }, new Date(Date.UTC(2026, 11, 1, 11)));
    await again.appendHistory("staging", newest, `${newest.at}#newest`);
    const settled = await again.readHistory("staging", { limit: 50, types: kindsAsked, enough: settlesPreviousColor });
    expect(once).toEqual([10]);
    expect(settled[0]).toMatchObject({ type: "rollback", from: "green", to: "blue" });
  });
});

describe("the state's outputs from the first bytes of its object", () => {
  const s3 = () => new S3Client({ ...aws(), forcePathStyle: true });
  const putState = (body: string) => s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: STATE_KEY, Body: body }));
  // One output of the many noveli needs: "deployed in part", naming how many it found.
  const someOutputs = { noveli: { value: { environment: "dev", api_id: "abc123" }, type: ["object", {}] } };
  const resources = (n: number) => Array.from({ length: n }, (_, i) => ({ mode: "managed", type: "aws_iam_role", name: `r${i}`, instances: [{ attributes: { id: `r${i}`, policy: "x".repeat(400) } }] }));
  const state = (body: Record<string, unknown>) => JSON.stringify({ version: 4, terraform_version: "1.11.4", serial: 3, lineage: "l", ...body }, null, 2);

  it("getObjectTextStart: the first bytes and whether they are all; a small or empty object whole", async () => {
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "probe/big", Body: "a".repeat(70_000) }));
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "probe/small", Body: "hello" }));
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "probe/empty", Body: "" }));
    expect(await getObjectTextStart(s3(), BUCKET, "probe/big", 65_536)).toEqual({ text: "a".repeat(65_536), complete: false });
    expect(await getObjectTextStart(s3(), BUCKET, "probe/small", 65_536)).toEqual({ text: "hello", complete: true });
    expect(await getObjectTextStart(s3(), BUCKET, "probe/empty", 65_536)).toEqual({ text: "", complete: true });
    expect(await getObjectTextStart(s3(), BUCKET, "probe/missing", 65_536)).toBeUndefined();
  });

  it.each([
    ["outputs in the first bytes of a large state", state({ outputs: someOutputs, resources: resources(400) }), /deployed in part: .*\(2 of \d+ outputs recorded/],
    ["outputs after more than the first bytes (the whole object is read)", state({ padding: "p".repeat(70_000), outputs: someOutputs, resources: [] }), /deployed in part: .*\(2 of \d+ outputs recorded/],
    ["no outputs yet, resources after them (the whole object says so)", state({ outputs: {}, resources: resources(400) }), /deployed in part: .*\(0 of \d+ outputs recorded/],
    ["no outputs and no resources", state({ outputs: {}, resources: [] }), /environment dev is not deployed on this target/],
    ["a cut-off state", state({ outputs: {}, resources: resources(400) }).slice(0, 90_000), /the Terraform state s3:\/\/.* is not valid JSON/],
    ["an empty state object", "", /the Terraform state s3:\/\/.* is not valid JSON \(empty\)/],
  ])("%s", async (_name, body, message) => {
    await putState(body);
    const run = await noveli(["status", "--env", "dev", "--endpoint-url", moto.url]);
    expect(run.exitCode, run.stderr).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });
});
