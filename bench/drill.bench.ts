/**
 * `noveli dr-drill` verification cost (issue #8). Against one private moto server, for a 5k and a
 * 50k-item story table and its restore:
 * - verify (both scans + canonical digests + bucket comparison) against the baseline of merely
 *   scanning both tables with the same SDK, the same scan helper and the same segments in one
 *   process, interleaved runs, medians; target ratio <= 1.15x;
 * - that each item is read once per table (item reads counted by the verifier);
 * - peak memory of the verification in a child process per size (RSS and V8 heap, sampled every
 *   10 ms); target: 50k within 20% of 5k;
 * - items per second, client CPU per item, the digest's in-memory throughput, and what the AWS CLI
 *   (`aws dynamodb scan`, this machine's) takes to scan the same table once, for scale.
 *
 * Sizes and runs: NOVELI_BENCH_DRILL_SIZES (default 5000,50000), NOVELI_BENCH_DRILL_RUNS (default 5
 * up to 10k items, 3 above).
 * Run alone with: npx tsx bench/run.ts drill
 */
import { CreateTableCommand, DynamoDBClient, RestoreTableToPointInTimeCommand, ScanCommand, UpdateContinuousBackupsCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beatItem } from "@noveli/providers/story-item";
import { findMotoServer, freePort, launchMoto, type LaunchedMoto } from "../src/local/emulator.js";
import { fingerprint } from "../src/ops/drill/digest.js";
import type { ComparisonRules } from "../src/ops/drill/rules.js";
import { DEFAULT_PAGE_ITEMS, scanTable, verifyTables, type VerifyResult } from "../src/ops/drill/verify.js";
import { loadStoryItems } from "../test/helpers/story-table.js";
import { median, type BenchResult, type BenchRow } from "./types.js";

const here = fileURLToPath(import.meta.url);
const root = path.dirname(path.dirname(here));
const CHILD_FLAG = "--drill-memory-child";
const SEGMENTS = 4;
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const KEYS = ["session_id", "timestamp"];

type Item = Record<string, AttributeValue>;

function client(url: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint: url, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 5 });
}

/** Rules as the drill builds them for the story table, with the restore point after every item. */
function rules(): ComparisonRules {
  const now = Date.now();
  return { keyAttributes: KEYS, restorePointMs: now, writeTimeAttributes: ["written_at", "timestamp"], guardMs: 10_000, ttlAttribute: "expires_at", expiryCutoffMs: now + 3_600_000 };
}

/** Beats exactly as the story-generator Lambda writes them (~1.1 KB each), 8 beats per session. */
function beats(count: number, now: number): Item[] {
  const text = "The lamp turned twice before the keeper saw the bottle caught between the rocks. ".repeat(7);
  return Array.from({ length: count }, (_, i) => {
    const session = Math.floor(i / 8);
    return beatItem(
      { sessionId: `bench-${session.toString(36)}`, userId: `user-${session % 997}`, prompt: "A lighthouse keeper finds a message in a bottle.", genre: "mystery", startedAt: now - 20 * 86_400_000 + session * 1_000, expiresAt: Math.floor(now / 1000) + 30 * 86_400 },
      { step: i % 8, text, choices: ["Open the bottle", "Throw it back", "Call the coast guard"], provider: "bedrock", model: "anthropic.claude-3-5-haiku", tokens: { input: 812 + (i % 50), output: 240, cached: 0 }, costUsd: i % 5 === 0 ? null : 0.00051, latencyMs: 1234 + (i % 300), writtenAt: now - 20 * 86_400_000 + i * 1_000 },
    ) as Item;
  });
}

async function createTable(c: DynamoDBClient, name: string): Promise<void> {
  await c.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "session_id", AttributeType: "S" },
        { AttributeName: "timestamp", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "session_id", KeyType: "HASH" },
        { AttributeName: "timestamp", KeyType: "RANGE" },
      ],
    }),
  );
  await c.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
}

/** How many items the table holds (Select COUNT scans, so no item crosses the wire). */
async function countItems(c: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Item | undefined;
  do {
    const page = await c.send(new ScanCommand({ TableName: table, Select: "COUNT", ConsistentRead: true, ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** The baseline: both tables scanned at once with the same helper and segments, nothing done with the items. */
async function scanBoth(c: DynamoDBClient, source: string, restored: string): Promise<number> {
  const [a, b] = await Promise.all([
    scanTable(c, { tableName: source, segments: SEGMENTS, consistentRead: true }, () => {}),
    scanTable(c, { tableName: restored, segments: SEGMENTS, consistentRead: true }, () => {}),
  ]);
  return a + b;
}

interface Timed<T> {
  ms: number;
  cpuMs: number;
  value: T;
}

async function timed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, value };
}

interface MemoryPeak {
  rssMb: number;
  heapMb: number;
  maxRssMb: number;
  reads: number;
}

/** Verification alone in a fresh process, its memory sampled every 10 ms. */
function measureMemory(url: string, source: string, restored: string): Promise<MemoryPeak> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", here, CHILD_FLAG, url, source, restored], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`memory child exited ${code}: ${err.slice(-800)}`));
      else resolve(JSON.parse(line) as MemoryPeak);
    });
  });
}

async function memoryChild(url: string, source: string, restored: string): Promise<void> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  const c = client(url);
  const result = await verifyTables(c, { sourceTable: source, restoredTable: restored, rules: rules(), segments: SEGMENTS });
  sample();
  clearInterval(timer);
  c.destroy();
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  process.stdout.write(`${JSON.stringify({ rssMb: mb(rss), heapMb: mb(heap), maxRssMb: mb(process.resourceUsage().maxRSS * 1024), reads: result.reads.source + result.reads.restored } satisfies MemoryPeak)}\n`);
}

/** `aws dynamodb scan` of one table, output discarded; null when the AWS CLI is not installed. */
function awsCliScanMs(url: string, table: string): number | null {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" };
  const version = spawnSync("aws", ["--version"], { env, encoding: "utf8" });
  if (version.status !== 0) return null;
  const started = process.hrtime.bigint();
  const result = spawnSync("aws", ["dynamodb", "scan", "--table-name", table, "--endpoint-url", url, "--region", "us-east-1", "--output", "json"], { env, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`aws dynamodb scan exited ${result.status}: ${String(result.stderr).slice(-500)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function awsCliVersion(): string {
  const result = spawnSync("aws", ["--version"], { encoding: "utf8" });
  return `${result.stdout}${result.stderr}`.trim().split(" ")[0] ?? "unknown";
}

/** In-memory digest throughput: canonical encoding + SHA-256 + bucket fold, no I/O. */
function digestThroughput(items: Item[]): number {
  const started = process.hrtime.bigint();
  for (const item of items) fingerprint(item, KEYS, 4096);
  return items.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

interface SizeFigures {
  size: number;
  verifyMs: number;
  scanMs: number;
  verifyCpuMs: number;
  scanCpuMs: number;
  result: VerifyResult;
  baselineReads: number;
  memory: MemoryPeak;
  awsCliMs: number | null;
  loadMs: number;
  /** 1-minute load average when this size's runs ended. */
  loadAfter: number;
}

export default async function drillBench(): Promise<BenchResult> {
  const sizes = (process.env.NOVELI_BENCH_DRILL_SIZES ?? "5000,50000").split(",").map(Number);
  const runsFor = (size: number) => Number(process.env.NOVELI_BENCH_DRILL_RUNS ?? (size <= 10_000 ? "5" : "3"));
  const dir = mkdtempSync(path.join(tmpdir(), "noveli-bench-drill-"));
  let moto: LaunchedMoto | undefined;
  const figures: SizeFigures[] = [];
  let digestRate = 0;
  const loadAtStart = loadavg()[0] as number;
  try {
    moto = await launchMoto({ executable: findMotoServer(), port: await freePort(), logFile: path.join(dir, "moto.log"), detached: false });
    const c = client(moto.url);
    for (const size of sizes) {
      const source = `bench-story-${size}`;
      const restored = `noveli-drill-bench-story-${size}`;
      const items = beats(size, Date.now());
      if (size === Math.max(...sizes)) digestRate = median([digestThroughput(items), digestThroughput(items), digestThroughput(items)]);
      await createTable(c, source);
      const loadStarted = Date.now();
      await loadStoryItems(c, source, items);
      const loadMs = Date.now() - loadStarted;
      // Checked before anything is measured: a short table would only be refused after the runs.
      const held = await countItems(c, source);
      if (held !== size) throw new Error(`the source table holds ${held} of the ${size} items loaded`);
      await c.send(new RestoreTableToPointInTimeCommand({ SourceTableName: source, TargetTableName: restored, UseLatestRestorableTime: true }));
      process.stderr.write(`  ${size} items loaded in ${(loadMs / 1000).toFixed(1)}s; measuring\n`);

      const runs = runsFor(size);
      const verify: Timed<VerifyResult>[] = [];
      const scan: Timed<number>[] = [];
      for (let run = 0; run < runs; run++) {
        // Alternate which goes first so neither always meets a warmer server.
        if (run % 2 === 0) {
          scan.push(await timed(() => scanBoth(c, source, restored)));
          verify.push(await timed(() => verifyTables(c, { sourceTable: source, restoredTable: restored, rules: rules(), segments: SEGMENTS })));
        } else {
          verify.push(await timed(() => verifyTables(c, { sourceTable: source, restoredTable: restored, rules: rules(), segments: SEGMENTS })));
          scan.push(await timed(() => scanBoth(c, source, restored)));
        }
        process.stderr.write(`  ${size}: run ${run + 1}/${runs}: verify ${(verify[run]!.ms / 1000).toFixed(1)}s, scan ${(scan[run]!.ms / 1000).toFixed(1)}s\n`);
      }
      const result = verify[0]!.value;
      if (result.matched !== size || result.missing + result.extra + result.changed !== 0) throw new Error(`bench restore of ${size} items did not verify: ${JSON.stringify(result)}`);
      const memory = await measureMemory(moto.url, source, restored);
      const awsCliMs = awsCliScanMs(moto.url, source);
      figures.push({
        size,
        verifyMs: median(verify.map((v) => v.ms)),
        scanMs: median(scan.map((s) => s.ms)),
        verifyCpuMs: median(verify.map((v) => v.cpuMs)),
        scanCpuMs: median(scan.map((s) => s.cpuMs)),
        result,
        baselineReads: scan[0]!.value,
        memory,
        awsCliMs,
        loadMs,
        loadAfter: loadavg()[0] as number,
      });
    }
    c.destroy();
  } finally {
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const rows: BenchRow[] = [];
  for (const f of figures) {
    const ratio = f.verifyMs / f.scanMs;
    const readsOnce = f.result.reads.passes === 1 && f.result.reads.source === f.size && f.result.reads.restored === f.size;
    rows.push(
      { metric: `${f.size} items: scan both tables (baseline, median)`, value: `${(f.scanMs / 1000).toFixed(2)} s` },
      { metric: `${f.size} items: verify (both scans + digests + comparison, median)`, value: `${(f.verifyMs / 1000).toFixed(2)} s` },
      { metric: `${f.size} items: verify / scan`, value: `${ratio.toFixed(3)}x`, target: "<= 1.15x", ok: ratio <= 1.15 },
      { metric: `${f.size} items: items read per table (source / restored, passes)`, value: `${f.result.reads.source} / ${f.result.reads.restored}, ${f.result.reads.passes} pass`, target: "each item once", ok: readsOnce },
      { metric: `${f.size} items: verify throughput`, value: `${Math.round((2 * f.size) / (f.verifyMs / 1000))} items/s (both tables)` },
      { metric: `${f.size} items: client CPU, verify vs scan`, value: `${(f.verifyCpuMs / 1000).toFixed(2)} s vs ${(f.scanCpuMs / 1000).toFixed(2)} s (${(((f.verifyCpuMs - f.scanCpuMs) * 1000) / (2 * f.size)).toFixed(1)} µs per item for the digests)` },
      { metric: `${f.size} items: peak memory of verify (child process)`, value: `RSS ${f.memory.rssMb} MB, V8 heap ${f.memory.heapMb} MB (maxRSS ${f.memory.maxRssMb} MB)` },
      { metric: `${f.size} items: aws dynamodb scan of one table (${awsCliVersion()}), for scale`, value: f.awsCliMs === null ? "AWS CLI not installed" : `${(f.awsCliMs / 1000).toFixed(2)} s` },
    );
  }
  const small = figures[0];
  const big = figures[figures.length - 1];
  if (small && big && small !== big) {
    const rssGrowth = big.memory.rssMb / small.memory.rssMb;
    const heapGrowth = big.memory.heapMb / small.memory.heapMb;
    rows.push(
      { metric: `peak RSS ${big.size} / ${small.size} items`, value: `${rssGrowth.toFixed(3)}x`, target: "<= 1.20x", ok: rssGrowth <= 1.2 },
      { metric: `peak V8 heap ${big.size} / ${small.size} items`, value: `${heapGrowth.toFixed(3)}x`, target: "<= 1.20x", ok: heapGrowth <= 1.2 },
    );
  }
  rows.push({ metric: "digest in memory (canonical encoding + SHA-256 + bucket fold)", value: `${Math.round(digestRate)} items/s on one core` });
  return {
    title: "DR drill verification (issue #8)",
    rows,
    method:
      `one private moto server (single-threaded Python), a story table of N items written by the Lambda's own item codec (beatItem, ~1.1 KB each) and its RestoreTableToPointInTime copy; ` +
      `${SEGMENTS} scan segments per table, pages of ${DEFAULT_PAGE_ITEMS} items, both tables scanned at once, strongly consistent. ${figures.map((f) => `${runsFor(f.size)} (${f.size} items)`).join(" and ")} interleaved runs of the baseline (scanTable on both tables, items discarded) and of verifyTables, alternating which goes first; medians of wall time and of this process's CPU time. ` +
      `Peak memory: verifyTables alone in a fresh node process per size, process.memoryUsage() sampled every 10 ms. AWS CLI: one \`aws dynamodb scan --output json\` of the source table, output discarded.`,
    notes: [
      "moto serves scans at a few hundred to a thousand items per second, so against it both the baseline and the verification are bound by the server; the client CPU row shows what the digests themselves cost, and the in-memory row shows how fast the client can digest, which is the ceiling against real DynamoDB.",
      `1-minute load average ${loadAtStart.toFixed(1)} at the start, ${figures.map((f) => `${f.loadAfter.toFixed(1)} after the ${f.size}-item runs`).join(" and ")} (15-minute ${(loadavg()[2] as number).toFixed(1)} at the end), on a ${cpus().length}-core machine shared with other work; the private moto server itself keeps about one core busy while it serves the scans, so only the ratios compare.`,
      ...figures.map((f) => `${f.size} items loaded into moto in ${(f.loadMs / 1000).toFixed(1)} s (BatchWriteItem, 8 requests in flight, no two of them writing one session), and counted before the restore.`),
    ],
  };
}

if (process.argv.includes(CHILD_FLAG)) {
  const [url, source, restored] = process.argv.slice(process.argv.indexOf(CHILD_FLAG) + 1);
  await memoryChild(url as string, source as string, restored as string);
}
