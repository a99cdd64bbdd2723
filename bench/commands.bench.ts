import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { refusedUrl, startOpenAiServer } from "../test/helpers/provider-servers.js";
import { startEnvironments } from "./start-environments.js";
import { median, type BenchResult, type BenchRow } from "./types.js";

/**
 * The commands an operator waits on (issue #19), each a whole process beside its anchors measured
 * in the same run, interleaved: `node -e 0` (what any Node CLI pays to start) and the AWS CLI's
 * `aws apigateway get-stages` (what reading the live stage costs with the stock tool), against an
 * environment deployed on the embedded emulator. Then `generate` with its first provider refusing
 * connections against the same command calling the working provider directly.
 */

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, "bin", "noveli.cjs");
const RUNS = 21;
const WARMUP = 3;
const FIRST_RUN_ROUNDS = 7;

interface Sample {
  label: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  okCodes?: number[];
}

/**
 * One whole process, from spawn to exit. Not spawnSync: the provider server of the generate runs
 * lives in this process and must go on answering while the child runs.
 */
function timeOnce(sample: Sample): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(sample.command, sample.args, { stdio: "ignore", env: sample.env });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (!(sample.okCodes ?? [0]).includes(code ?? -1)) reject(new Error(`${sample.label} exited ${code ?? signal}`));
      else resolve(elapsed);
    });
  });
}

/** Interleaved: each round runs every sample once, the order rotating round by round. */
async function interleave(samples: Sample[], runs: number, warmup: number): Promise<Map<string, number[]>> {
  const times = new Map(samples.map((s) => [s.label, [] as number[]]));
  for (let round = 0; round < warmup + runs; round++) {
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[(round + i) % samples.length] as Sample;
      const elapsed = await timeOnce(sample);
      if (round >= warmup) times.get(sample.label)?.push(elapsed);
    }
  }
  return times;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] as number;

/**
 * What a command sends: a preload that notes when each HTTP request starts and when its response
 * ends, and writes them at exit. A round trip is a wave of requests: one that starts while none of
 * the command's requests is in flight begins a new wave, so waves count the requests that had to
 * wait for an answer before they could be sent. The emulator's liveness probe (`/moto-api/`) is
 * counted apart: no AWS endpoint has it.
 */
const REQUEST_LOG_PRELOAD = `
const http = require("node:http");
const { writeFileSync } = require("node:fs");
const log = [];
const request = http.request;
http.request = function (...args) {
  const options = args[0] && typeof args[0] === "object" && !(args[0] instanceof URL) ? args[0] : {};
  const url = typeof args[0] === "string" ? args[0] : args[0] instanceof URL ? args[0].href : options.path || "";
  const entry = { start: performance.now(), end: undefined, probe: String(url).includes("/moto-api/") };
  log.push(entry);
  const req = request.apply(this, args);
  req.on("response", (res) => res.on("end", () => (entry.end = performance.now())));
  req.on("error", () => (entry.end = performance.now()));
  return req;
};
// http.get calls the module's own request, not the export above.
http.get = function (...args) {
  const req = http.request(...args);
  req.end();
  return req;
};
process.on("exit", () => writeFileSync(process.env.NOVELI_BENCH_REQUEST_LOG, JSON.stringify(log)));
`;

interface RequestWaves {
  requests: number;
  waves: number;
  probes: number;
}

/** Pure: requests, waves (see REQUEST_LOG_PRELOAD) and probes of one run's log. */
export function requestWaves(log: { start: number; end?: number; probe: boolean }[]): RequestWaves {
  const calls = log.filter((entry) => !entry.probe).sort((a, b) => a.start - b.start);
  let waves = 0;
  let inFlightUntil = -Infinity;
  for (const call of calls) {
    if (call.start > inFlightUntil) waves += 1;
    inFlightUntil = Math.max(inFlightUntil, call.end ?? Infinity);
  }
  return { requests: calls.length, waves, probes: log.length - calls.length };
}

function countRequests(args: string[], env: NodeJS.ProcessEnv, dir: string): RequestWaves {
  const preload = path.join(dir, "request-log.cjs");
  const logFile = path.join(dir, "request-log.json");
  writeFileSync(preload, REQUEST_LOG_PRELOAD);
  const result = spawnSync(process.execPath, ["--require", preload, bin, ...args], { env: { ...env, NOVELI_BENCH_REQUEST_LOG: logFile }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`noveli ${args.join(" ")} exited ${result.status}: ${result.stderr.slice(-2_000)}`);
  return requestWaves(JSON.parse(readFileSync(logFile, "utf8")));
}

/**
 * The floor of a status on the emulator: a preload records each request a run sends (method, path,
 * headers and body, byte for byte), and a bare Node script (node:http, nothing else) sends them all
 * at once and exits when every answer is in, failing on one that is not 2xx. What it costs is
 * Node's start and the emulator's answers alone, what any client reading the same things pays.
 */
const REQUEST_RECORD_PRELOAD = `
const http = require("node:http");
const { writeFileSync } = require("node:fs");
const recorded = [];
const request = http.request;
http.request = function (options, ...rest) {
  const req = request.call(this, options, ...rest);
  if (options && typeof options === "object" && !(options instanceof URL) && !String(options.path).includes("/moto-api/")) {
    const entry = { hostname: options.hostname ?? options.host, port: options.port, method: options.method, path: options.path, headers: options.headers, body: [] };
    recorded.push(entry);
    for (const name of ["write", "end"]) {
      const original = req[name];
      req[name] = function (chunk, ...args) {
        if (chunk !== undefined && typeof chunk !== "function") entry.body.push(Buffer.from(chunk).toString("base64"));
        return original.call(this, chunk, ...args);
      };
    }
  }
  return req;
};
process.on("exit", () => writeFileSync(process.env.NOVELI_BENCH_REQUEST_RECORD, JSON.stringify(recorded)));
`;

const REPLAY_SCRIPT = `
const http = require("node:http");
const requests = JSON.parse(require("node:fs").readFileSync(process.argv[2], "utf8"));
for (const r of requests) {
  const req = http.request({ hostname: r.hostname, port: r.port, method: r.method, path: r.path, headers: r.headers }, (res) => {
    res.resume();
    res.on("end", () => {
      if (res.statusCode < 200 || res.statusCode > 299) {
        process.stderr.write(r.method + " " + r.path + ": HTTP " + res.statusCode + "\\n");
        process.exitCode = 1;
      }
    });
  });
  req.on("error", (error) => {
    process.stderr.write(r.method + " " + r.path + ": " + error.message + "\\n");
    process.exitCode = 1;
  });
  req.end(Buffer.from(r.body.join(""), "base64"));
}
`;

/** Records what one run of a command sends; returns the replay's arguments and how many requests. */
function recordRequests(args: string[], env: NodeJS.ProcessEnv, dir: string): { replayArgs: string[]; requests: number } {
  const preload = path.join(dir, "request-record.cjs");
  const recordFile = path.join(dir, "request-record.json");
  const replay = path.join(dir, "replay.cjs");
  writeFileSync(preload, REQUEST_RECORD_PRELOAD);
  writeFileSync(replay, REPLAY_SCRIPT);
  const result = spawnSync(process.execPath, ["--require", preload, bin, ...args], { env: { ...env, NOVELI_BENCH_REQUEST_RECORD: recordFile }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`noveli ${args.join(" ")} exited ${result.status}: ${result.stderr.slice(-2_000)}`);
  const recorded = JSON.parse(readFileSync(recordFile, "utf8")) as unknown[];
  // Once by hand: a replay the emulator refuses fails here, with its answers, not as a bare exit code.
  const check = spawnSync(process.execPath, [replay, recordFile], { env, encoding: "utf8" });
  if (check.status !== 0) throw new Error(`the replay of ${args.join(" ")}'s requests failed: ${check.stderr.slice(-2_000)}`);
  return { replayArgs: [replay, recordFile], requests: recorded.length };
}

function awsCliVersion(): string | undefined {
  try {
    return execFileSync("aws", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split(" ")[0];
  } catch {
    return undefined;
  }
}

function noveli(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`noveli ${args.join(" ")} exited ${result.status}: ${result.stderr.slice(-2_000)}`);
  return result.stdout;
}

export default async function commands(): Promise<BenchResult> {
  const stateDir = mkdtempSync(path.join(tmpdir(), "noveli-bench-commands-"));
  const env: NodeJS.ProcessEnv = { ...process.env, NOVELI_STATE_DIR: stateDir, CI: "true", NO_COLOR: "1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const load = [loadavg()[0] as number];
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    // A deployed emulator: the embedded one, as an operator's `--local` uses it.
    const up = JSON.parse(noveli(["local", "up", "--json"], env)) as { url: string };
    const deployed = JSON.parse(noveli(["deploy", "--local", "--json", "--release", "bench"], env)) as { outputs: { apiId: string } };
    // One switch first, so that every rollback has a previous color to go back to.
    noveli(["switch-traffic", "green", "--local", "--health-interval", "200ms"], env);

    const aws = awsCliVersion();
    // A status first, so that the one recorded reads what every later one does (live-reads.ts).
    noveli(["status", "--local"], env);
    const floor = recordRequests(["status", "--local"], env, stateDir);
    // Each anchor and command in the environment as given and, when it names extra CAs, without them.
    const { environments, note: environmentNote } = startEnvironments(env);
    const samples: Sample[] = environments.flatMap(({ suffix, env: startEnv }) => [
      { label: `node${suffix}`, command: process.execPath, args: ["-e", "0"], env: startEnv },
      { label: `floor${suffix}`, command: process.execPath, args: floor.replayArgs, env: startEnv },
      { label: `status${suffix}`, command: process.execPath, args: [bin, "status", "--local"], env: startEnv },
      { label: `rollback${suffix}`, command: process.execPath, args: [bin, "rollback", "--force", "--local"], env: startEnv },
    ]);
    if (aws) {
      samples.push({
        label: "aws",
        command: "aws",
        args: ["apigateway", "get-stages", "--rest-api-id", deployed.outputs.apiId, "--endpoint-url", up.url, "--region", "us-east-1", "--output", "json"],
        env: { ...env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_EC2_METADATA_DISABLED: "true", AWS_PAGER: "" },
      });
    }
    const times = await interleave(samples, RUNS, WARMUP);
    const at = (label: string) => median(times.get(label) ?? [Number.NaN]);
    for (const { suffix } of environments) {
      const anchor = at(`node${suffix}`);
      rows.push({ metric: `node -e 0 (median)${suffix}`, value: ms(anchor) });
      for (const [label, title] of [["status", "noveli status --local"], ["rollback", "noveli rollback --force --local"]] as const) {
        const ratio = at(`${label}${suffix}`) / anchor;
        rows.push({ metric: `${title} (median)${suffix}`, value: ms(at(`${label}${suffix}`)) });
        rows.push({ metric: `${title} / node -e 0${suffix}`, value: `${ratio.toFixed(2)}x`, target: "<= 2.50x", ok: ratio <= 2.5 });
      }
      const floorTitle = `floor: Node sending status's ${floor.requests} requests at once, nothing else`;
      rows.push({ metric: `${floorTitle} (median)${suffix}`, value: ms(at(`floor${suffix}`)) });
      rows.push({ metric: `  floor / node -e 0${suffix}`, value: `${(at(`floor${suffix}`) / anchor).toFixed(2)}x` });
      rows.push({ metric: `  noveli status --local minus floor${suffix}`, value: ms(at(`status${suffix}`) - at(`floor${suffix}`)) });
    }
    if (environmentNote) notes.push(environmentNote);
    notes.push(
      `The floor rows: a preload recorded the ${floor.requests} requests one status run sent (method, path, headers, body, byte for byte), and a bare Node script (node:http only) sends them all at once and exits when every answer is in; it fails the benchmark on an answer that is not 2xx. Its time is Node's start, node:http and the emulator's answers, nothing of noveli's: what any client reading the same things from this emulator at once pays before its own work. "minus floor" is what noveli's own work adds to that: the CLI, its bundle, the SDK building and signing the requests, reading the answers, the output.`,
    );
    for (const [title, args] of [["noveli status --local", ["status", "--local"]], ["noveli rollback --force --local", ["rollback", "--force", "--local"]]] as const) {
      const { requests, waves, probes } = countRequests([...args], env, stateDir);
      rows.push({ metric: `${title}: AWS requests, in round trips`, value: `${requests} in ${waves}${probes > 0 ? ` (and ${probes} emulator liveness probe${probes > 1 ? "s" : ""} before them)` : ""}` });
    }
    if (aws) {
      rows.push({ metric: `aws apigateway get-stages (${aws}, median)`, value: ms(at("aws")) });
      rows.push({ metric: "noveli status --local / aws apigateway get-stages", value: `${(at("status") / at("aws")).toFixed(2)}x` });
    } else {
      rows.push({ metric: "aws apigateway get-stages", value: "AWS CLI not installed" });
      notes.push("The AWS CLI is not installed on this machine: its anchor is missing (Debian's `awscli` package or `pip install awscli` provides it).");
    }
    // A build's first run of status, before its code cache exists: only the build's cache of the
    // bundle's top level helps then (src/startup/app-loader.ts). Each round removes the cache.
    const firstRuns: number[] = [];
    const firstNode: number[] = [];
    for (let round = 0; round < FIRST_RUN_ROUNDS; round++) {
      rmSync(path.join(stateDir, "cache", "code"), { recursive: true, force: true });
      firstRuns.push(await timeOnce({ label: "status-first", command: process.execPath, args: [bin, "status", "--local"], env }));
      firstNode.push(await timeOnce({ label: "node", command: process.execPath, args: ["-e", "0"], env }));
    }
    const firstRatio = median(firstRuns) / median(firstNode);
    rows.push({ metric: "noveli status --local, a build's first run: no code cache yet (median)", value: ms(median(firstRuns)) });
    rows.push({ metric: "  its first run / node -e 0 (measured beside it)", value: `${firstRatio.toFixed(2)}x` });
    const nodeTimes = times.get("node") ?? [];
    notes.push(
      `Noise: node -e 0 ranged ${ms(percentile(nodeTimes, 0.1))} to ${ms(percentile(nodeTimes, 0.9))} (10th to 90th percentile) over the run; status ${ms(percentile(times.get("status") ?? [], 0.1))} to ${ms(percentile(times.get("status") ?? [], 0.9))}.`,
    );

    // generate: the first provider (Anthropic) refuses connections, OpenAI answers; against
    // OpenAI called directly. A local server speaks OpenAI's protocol; nothing leaves the machine.
    const openai = await startOpenAiServer({ kind: "ok" });
    const dead = await refusedUrl();
    try {
      const providerEnv: NodeJS.ProcessEnv = {
        ...env,
        OPENAI_API_KEY: "sk-bench-0000000000000000",
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: "sk-ant-bench-0000000000000000",
        ANTHROPIC_BASE_URL: dead.url,
        NOVELI_PROVIDERS: undefined,
      };
      const generate = await interleave(
        [
          { label: "direct", command: process.execPath, args: [bin, "generate", "a lighthouse", "--provider", "openai"], env: providerEnv },
          { label: "failover", command: process.execPath, args: [bin, "generate", "a lighthouse", "--provider", "anthropic,openai"], env: providerEnv },
        ],
        RUNS,
        WARMUP,
      );
      const direct = median(generate.get("direct") ?? []);
      const failover = median(generate.get("failover") ?? []);
      rows.push({ metric: "noveli generate --provider openai (median)", value: ms(direct) });
      rows.push({ metric: "noveli generate --provider anthropic,openai, Anthropic refusing (median)", value: ms(failover) });
      rows.push({ metric: "generate: first provider refusing, minus direct", value: ms(failover - direct), target: "<= 30 ms", ok: failover - direct <= 30 });
    } finally {
      await openai.stop();
    }
  } finally {
    spawnSync(process.execPath, [bin, "local", "down"], { env, stdio: "ignore" });
    rmSync(stateDir, { recursive: true, force: true });
  }
  load.push(loadavg()[0] as number);
  notes.push(
    "Where the time goes: starting Node (the node -e 0 row), commander (from the CLI part's own code cache, dist/cli.cjs.cache), loading the command's own bundle with its code cache and evaluating it (no TLS: the SDK's https module loads only for an https endpoint; nor node:fs/promises, node:zlib or the web streams, which six SDK modules get on first use, scripts/build.mjs LAZY_SWAPS; of each SDK client's schemas only the shapes of the operations the command sends, scripts/schema-keys.mjs; the emulator's clients read no ~/.aws file, their shared-config settings being the SDK's defaults), then the requests in the rows above against the emulator, which answers one request at a time, so on it the number of requests counts as much as the round trips; against AWS the round trips count. status sends every read at once: the first 64 KiB of the state object (its outputs come before its resources), two history reads that each bring back only their kinds (the deploys, the last switches), the lease, and the live reads (stage, both aliases, alarms, events rule) with the names its last run kept, checked against the state when it arrives; no bootstrap check (what answers proves it) and no STS call (the emulator launch's account is known), and no liveness probe of the emulator (the OS proves its process ours; only a command still running 300 ms later asks it). rollback: the lease and the state at once; then, under the lease, the stage, the newest switch and rollback records (a page of 10 and more only when those do not settle the previous color), the events rule's targets and the state's outputs again (it must name the same resources); the UpdateStage (its answer is the read-back); the events retarget; the history record and the lease release in one transaction. The lease's acquisition proves it held for the writes that follow within a second, so they need no fence request of their own. The emulator is the one `noveli local up` starts, with noveli's sitecustomize (moto lists its service folders once, not on every request: 1 to 1.5 ms of each answer); each history read brings back only the records' kind and text.",
  );
  notes.push(`1-minute load average ${load[0]?.toFixed(1)} at the start and ${load[1]?.toFixed(1)} at the end, on a ${cpus().length}-core machine shared with other work: figures are medians of interleaved runs, and only the ratios beside them compare.`);
  return {
    title: "Commands an operator waits on (issue #19)",
    rows,
    method: `Whole processes (wall time from spawn to exit), ${RUNS} interleaved rounds after ${WARMUP} warm-up rounds, the order rotating each round, medians. status and rollback run against dev deployed on the embedded emulator (noveli local up, deploy --local, one switch to green); each rollback --force flips live traffic to the other color. The warm-up rounds leave each command's V8 code cache in the state dir, as any earlier run of the command would; the first-run rows remove it before each of ${FIRST_RUN_ROUNDS} runs. The AWS CLI reads the same API's stages from the same emulator. generate: a local OpenAI-protocol server; Anthropic's base URL is a loopback port nothing listens on. Its first warm-up run is the direct call, so generate's code cache is first written without Anthropic's SDK; the first failover adds it (a cache names the lazily loaded parts it holds, src/core/lazy-parts.ts).`,
    notes,
  };
}
