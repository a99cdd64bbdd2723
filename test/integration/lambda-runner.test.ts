import { execa } from "execa";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { extractZip, nodeModulesProviding, readZip, startLambdaRunner, sweepAbandonedRunners, type LambdaRunner } from "../../src/local/lambda-runner.js";
import { localLambdaProbe } from "../../src/ops/health/local-probe.js";
import { checkColorHealth } from "../../src/ops/health/run.js";
import { processAlive } from "../../src/system/process.js";
import { repoRoot } from "../helpers/cli.js";
import { killGroups, listProcesses, waitFor } from "../helpers/processes.js";

/** A small zip writer for fixtures: deflated or stored entries, like any zip tool writes. */
function zip(entries: Record<string, string>, options: { store?: boolean; corruptCrcOf?: string } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const body = options.store ? data : deflateRawSync(data);
    const crc = (options.corruptCrcOf === name ? crc32(data) ^ 1 : crc32(data)) >>> 0;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(options.store ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(options.store ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}

/** An ESM handler in the shape of the story generator: GET /health answers the deployment identity. */
const ESM_HANDLER = `
let invocations = 0;
const arnQualifier = (arn) => arn.split(":")[7];
export const handler = async (event, context) => {
  invocations += 1;
  if (event.path === "/boom") throw new TypeError("boom from the handler");
  if (event.path === "/hang") return new Promise(() => {});
  if (event.path === "/exit") process.exit(7);
  if (event.path === "/env") return { statusCode: 200, body: JSON.stringify({ leaked: process.env.NOVELI_TEST_PARENT_SECRET ?? null, table: process.env.DYNAMODB_TABLE, region: process.env.AWS_REGION, fnVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION, cwd: process.cwd(), taskRoot: process.env.LAMBDA_TASK_ROOT }) };
  if (event.path === "/sdk") {
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    return { statusCode: 200, body: JSON.stringify({ sdk: typeof DynamoDBClient }) };
  }
  console.log(JSON.stringify({ level: "info", message: "request", path: event.path }));
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      status: "ok",
      color: arnQualifier(context.invokedFunctionArn),
      version: process.env.APP_VERSION,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invocations,
      remainingMs: context.getRemainingTimeInMillis(),
      requestId: context.awsRequestId,
      stage: event.requestContext.stage,
      deployment: event.stageVariables.deployment,
      deep: event.queryStringParameters?.deep ?? null,
    }),
  };
};
`;

/** A CommonJS, callback-style handler in index.js (no package.json: Node decides the format). */
const CJS_HANDLER = `
exports.handler = function (event, context, callback) {
  setTimeout(() => callback(null, { statusCode: 200, body: JSON.stringify({ status: "ok", style: "callback", path: event.path }) }), 5);
};
`;

let dir: string;
const runners: LambdaRunner[] = [];
const ARN = "arn:aws:lambda:us-east-1:123456789012:function:noveli-dev-story-generator:green";

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "noveli-runner-test-"));
  process.env.NOVELI_TEST_PARENT_SECRET = "must-not-reach-the-handler";
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(() => {
  delete process.env.NOVELI_TEST_PARENT_SECRET;
  rmSync(dir, { recursive: true, force: true });
});

function writeZip(name: string, entries: Record<string, string>, options?: { store?: boolean; corruptCrcOf?: string }): string {
  const file = path.join(dir, name);
  writeFileSync(file, zip(entries, options));
  return file;
}

function runner(zipPath: string, extra: Partial<Parameters<typeof startLambdaRunner>[0]> = {}): LambdaRunner {
  const started = startLambdaRunner({
    zipPath,
    handler: "index.handler",
    environment: { APP_VERSION: "2.0.0", DYNAMODB_TABLE: "noveli-dev-story-sessions", AWS_REGION: "us-east-1" },
    invokedFunctionArn: ARN,
    functionName: "noveli-dev-story-generator",
    functionVersion: "2",
    functionTimeoutMs: 10_000,
    ...extra,
  });
  runners.push(started);
  return started;
}

const event = (p: string) => ({ httpMethod: "GET", path: p, requestContext: { stage: "green" }, stageVariables: { deployment: "green" }, queryStringParameters: null });

describe("local Lambda runner", () => {
  it("runs an ESM handler with a Lambda-like context and only the function's environment", async () => {
    const r = runner(writeZip("esm.zip", { "index.mjs": ESM_HANDLER, "lib/unused.txt": "x" }));
    const first = await r.invoke(event("/health"));
    expect(first.kind).toBe("result");
    const body = JSON.parse((first as { value: { body: string } }).value.body);
    expect(body).toMatchObject({ status: "ok", color: "green", version: "2.0.0", functionVersion: "2", invocations: 1, stage: "green", deployment: "green" });
    expect(body.remainingMs).toBeGreaterThan(5_000);
    expect(body.remainingMs).toBeLessThanOrEqual(10_000);
    // Warm: the module stays loaded between invocations, like a Lambda sandbox.
    const second = await r.invoke(event("/health"));
    expect(JSON.parse((second as { value: { body: string } }).value.body).invocations).toBe(2);
    const env = JSON.parse(((await r.invoke(event("/env"))) as { value: { body: string } }).value.body);
    expect(env).toMatchObject({ leaked: null, table: "noveli-dev-story-sessions", region: "us-east-1", fnVersion: "2" });
    expect(env.cwd).toBe(r.taskRoot);
    expect(r.recentLogs().some((line) => line.includes('"message":"request"'))).toBe(true);
  });

  it("runs a CommonJS callback handler from a stored (uncompressed) zip", async () => {
    const r = runner(writeZip("cjs.zip", { "index.js": CJS_HANDLER }, { store: true }));
    const outcome = await r.invoke(event("/health"));
    expect(outcome).toMatchObject({ kind: "result", value: { statusCode: 200 } });
    expect(JSON.parse((outcome as { value: { body: string } }).value.body)).toEqual({ status: "ok", style: "callback", path: "/health" });
  });

  it("reports a thrown error, and keeps serving", async () => {
    const r = runner(writeZip("esm2.zip", { "index.mjs": ESM_HANDLER }));
    expect(await r.invoke(event("/boom"))).toMatchObject({ kind: "error", errorType: "TypeError", errorMessage: "boom from the handler", timedOut: false });
    expect(await r.invoke(event("/health"))).toMatchObject({ kind: "result" });
  });

  it("times out a hung invocation and starts the next one cold", async () => {
    const r = runner(writeZip("esm3.zip", { "index.mjs": ESM_HANDLER }));
    await r.invoke(event("/health"));
    expect(await r.invoke(event("/hang"), { timeoutMs: 300 })).toMatchObject({ kind: "error", timedOut: true });
    const after = await r.invoke(event("/health"));
    expect(JSON.parse((after as { value: { body: string } }).value.body).invocations).toBe(1);
  });

  it("a handler that exits the process fails that invocation; the next one gets a new process", async () => {
    const r = runner(writeZip("esm4.zip", { "index.mjs": ESM_HANDLER }));
    expect(await r.invoke(event("/exit"))).toMatchObject({ kind: "error", errorType: "Runtime.ExitError" });
    expect(await r.invoke(event("/health"))).toMatchObject({ kind: "result" });
  });

  it("a missing handler file or export is a clear error", async () => {
    const missing = runner(writeZip("nohandler.zip", { "main.mjs": ESM_HANDLER }));
    expect(await missing.invoke(event("/health"))).toMatchObject({ kind: "error", errorType: "Runtime.ImportModuleError" });
    const wrongExport = runner(writeZip("wrongexport.zip", { "index.mjs": "export const other = () => 1;" }));
    expect(await wrongExport.invoke(event("/health"))).toMatchObject({ kind: "error", errorType: "Runtime.HandlerNotFound" });
  });

  it("offers the CLI's AWS SDK in place of the runtime's, as the Lambda runtime does", async () => {
    const modules = nodeModulesProviding("@aws-sdk/client-dynamodb");
    expect(modules).toBeDefined();
    const r = runner(writeZip("sdk.zip", { "index.mjs": ESM_HANDLER }), { runtimeNodeModules: modules as string });
    const outcome = await r.invoke(event("/sdk"));
    expect(outcome).toMatchObject({ kind: "result" });
    expect(JSON.parse((outcome as { value: { body: string } }).value.body)).toEqual({ sdk: "function" });
  });

  it("stop() ends the process and removes the extracted package", async () => {
    const r = runner(writeZip("esm5.zip", { "index.mjs": ESM_HANDLER }));
    const env = JSON.parse(((await r.invoke(event("/env"))) as { value: { body: string } }).value.body);
    expect(env.taskRoot).toBe(r.taskRoot);
    expect(existsSync(r.taskRoot)).toBe(true);
    await r.stop();
    expect(existsSync(r.taskRoot)).toBe(false);
    await expect(r.invoke(event("/health"))).rejects.toThrow(/stopped/);
  });

  it("judges a color end to end through the local probe", async () => {
    const r = runner(writeZip("probe.zip", { "index.mjs": ESM_HANDLER }));
    const probe = localLambdaProbe(r, { apiId: "abc123", region: "us-east-1", stageName: "green", deployment: "green", accountId: "123456789012" }, "local");
    const report = await checkColorHealth({
      color: "green",
      probe,
      settings: { attempts: 3, intervalMs: 0, timeoutMs: 5_000, maxP95Ms: 5_000, synthetic: false, deep: true },
      expected: { source: "deploy-record", version: "2.0.0", codeSha256: "Qh85XnQD++8e/O3XMMJ5+QBr6CSkuhjwBubZKg5wKrY=", lambdaVersion: "2" },
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.healthy).toBe(true);
    const failing = await checkColorHealth({
      color: "blue",
      probe,
      settings: { attempts: 3, intervalMs: 0, timeoutMs: 5_000, maxP95Ms: 5_000, synthetic: false, deep: false },
      expected: { source: "deploy-record", version: "1.0.0", codeSha256: "other=", lambdaVersion: "1" },
    });
    expect(failing.healthy).toBe(false);
    expect(failing.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["color", "version", "code-sha256"]);
  });
});

describe("zip extraction", () => {
  it("reads deflated and stored entries and checks CRC-32", () => {
    expect(readZip(zip({ "a.txt": "hello", "b/c.txt": "world" })).map((e) => [e.name, e.data.toString()])).toEqual([
      ["a.txt", "hello"],
      ["b/c.txt", "world"],
    ]);
    expect(() => readZip(zip({ "a.txt": "hello" }, { corruptCrcOf: "a.txt" }))).toThrow(/a.txt fails its CRC-32 check/);
    expect(() => readZip(Buffer.from("not a zip at all, not even close......"))).toThrow(/no end of central directory/);
  });
  it("refuses entries that would land outside the target directory", () => {
    const file = writeZip("slip.zip", { "../escape.txt": "x" });
    expect(() => extractZip(file, path.join(dir, "out"))).toThrow(/entry outside its root: \.\.\/escape\.txt/);
    expect(existsSync(path.join(dir, "escape.txt"))).toBe(false);
  });
  it("a runner on a broken zip fails before starting anything", () => {
    const file = path.join(dir, "broken.zip");
    writeFileSync(file, "garbage");
    expect(() => startLambdaRunner({ zipPath: file, handler: "index.handler", environment: {}, invokedFunctionArn: ARN, functionName: "f", functionVersion: "1" })).toThrow(/not a usable zip/);
  });
});

/** A process hosting a runner (test/fixtures/faults/runner-host.ts), in its own process group, its sandbox started. */
async function startRunnerHost(zipPath: string, tempDir: string) {
  const host = execa(process.execPath, ["--import", "tsx", path.join(repoRoot, "test/fixtures/faults/runner-host.ts"), zipPath, tempDir], {
    cwd: repoRoot,
    detached: true,
    reject: false,
    stdin: "ignore",
  });
  hostGroups.push(host.pid as number);
  const started = await new Promise<{ folder: string; sandboxPid: number }>((resolve, reject) => {
    host.stdout?.once("data", (chunk: Buffer) => resolve(JSON.parse(String(chunk))));
    host.once("exit", () => reject(new Error(`the runner host exited early: ${host.stderr}`)));
  });
  return { host, ...started };
}
const hostGroups: number[] = [];
/** Whether a process runs (a zombie does not: a sandbox whose parent died waits for init to reap it). */
const running = (pid: number) => listProcesses().some((p) => p.pid === pid);
const SANDBOX_ZIP = { "index.mjs": "export const handler = async () => ({ statusCode: 200, body: String(process.pid) });" };

describe("process hygiene", () => {
  afterAll(() => killGroups(hostGroups));

  it("kill -9 of the process running a runner: its sandbox exits and removes the runner's folder", { timeout: 60_000 }, async () => {
    const temp = mkdtempSync(path.join(dir, "kill-host-"));
    const { host, folder, sandboxPid } = await startRunnerHost(writeZip("host1.zip", SANDBOX_ZIP), temp);
    expect(existsSync(path.join(folder, "task", "index.mjs"))).toBe(true);
    expect(running(sandboxPid)).toBe(true);
    host.kill("SIGKILL"); // the host only, as `kill -9 <pid>` of the CLI does
    await host;
    expect(await waitFor(() => !existsSync(folder) && !running(sandboxPid), 10_000)).toBe(true);
    expect(readdirSync(temp)).toEqual([]);
  });

  it("kill -9 of the whole process group: the next runner to start removes the folder left behind", { timeout: 60_000 }, async () => {
    const temp = mkdtempSync(path.join(dir, "kill-group-"));
    const { host, folder, sandboxPid } = await startRunnerHost(writeZip("host2.zip", SANDBOX_ZIP), temp);
    process.kill(-(host.pid as number), "SIGKILL"); // host and sandbox at once: neither can clean up
    await host;
    expect(await waitFor(() => !running(sandboxPid), 10_000)).toBe(true);
    expect(existsSync(folder)).toBe(true);
    const next = runner(writeZip("next.zip", SANDBOX_ZIP), { tempDir: temp });
    expect(existsSync(folder)).toBe(false);
    expect(readdirSync(temp)).toEqual([path.basename(path.dirname(next.taskRoot))]);
  });

  it("a sweep removes only folders of this host whose process is gone", () => {
    const temp = mkdtempSync(path.join(dir, "sweep-"));
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    const folders: Record<string, unknown> = {
      "noveli-lambda-gone": { pid: gone, host: hostname() },
      "noveli-lambda-alive": { pid: process.pid, host: hostname() },
      "noveli-lambda-elsewhere": { pid: gone, host: `not-${hostname()}` },
      "noveli-lambda-no-owner": undefined,
      "other-gone": { pid: gone, host: hostname() },
    };
    for (const [name, owner] of Object.entries(folders)) {
      mkdirSync(path.join(temp, name, "task"), { recursive: true });
      if (owner !== undefined) writeFileSync(path.join(temp, name, "owner.json"), JSON.stringify(owner));
    }
    expect(sweepAbandonedRunners(temp)).toEqual([path.join(temp, "noveli-lambda-gone")]);
    expect(readdirSync(temp).sort()).toEqual(["noveli-lambda-alive", "noveli-lambda-elsewhere", "noveli-lambda-no-owner", "other-gone"]);
  });

  it("no child is left behind after stop()", async () => {
    const r = runner(writeZip("pid.zip", { "index.mjs": "export const handler = async () => ({ statusCode: 200, body: String(process.pid) });" }));
    const outcome = await r.invoke(event("/"));
    const pid = Number((outcome as { value: { body: string } }).value.body);
    expect(processAlive(pid)).toBe(true);
    await r.stop();
    expect(processAlive(pid)).toBe(false);
  });
});
