import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { OperationError, errorMessage } from "../errors.js";
import { processAlive } from "../system/process.js";

// child_process, readline and zlib load when a function is run or a zip is read, not with the
// module: every traffic command's bundle holds this one (the health checks), and most runs of them
// never start a function here (rollback --force, real accounts).
const zlib = () => process.getBuiltinModule("node:zlib");

/**
 * A local Lambda-style runner for emulator targets, whose emulated Lambda cannot run code: the
 * deployed zip is extracted into a temp dir and its handler runs in a child Node process with the
 * function's own environment, one invocation at a time per request, with a Lambda-like context
 * (`invokedFunctionArn`, `awsRequestId`, `getRemainingTimeInMillis`). A child process, not this
 * one: the handler sees exactly the Lambda's environment variables, cannot touch the CLI's state,
 * and a crash or a hung handler is killed like a Lambda sandbox would be.
 */

export interface LambdaRunnerOptions {
  /** The deployment package. */
  zipPath: string;
  /** `index.handler`: file `index.mjs`, `index.js` or `index.cjs` at the package root, export `handler`. */
  handler: string;
  /** The function's environment, complete (nothing of this process's environment is inherited). */
  environment: Record<string, string>;
  /** The ARN invocations come through (the alias ARN for a color). */
  invokedFunctionArn: string;
  functionName: string;
  functionVersion: string;
  memorySizeMb?: number;
  /** Lambda's own timeout; a request's timeout may be shorter. Default 30 s. */
  functionTimeoutMs?: number;
  /**
   * A node_modules directory standing in for the packages the Lambda runtime provides (the AWS SDK
   * v3, which the bundle leaves out): linked beside the extracted package so its imports resolve.
   */
  runtimeNodeModules?: string;
  /** Each line the handler writes to stdout/stderr (its structured logs). */
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  /**
   * Where the runner makes its folder (default: the OS's temp dir). Not under the project or the
   * state dir: Node resolves the package's imports up from its folder, and must find nothing there
   * but the runtime's packages, so that a package missing a dependency fails here as on Lambda.
   */
  tempDir?: string;
}

export type InvokeOutcome =
  | { kind: "result"; value: unknown; durationMs: number }
  | { kind: "error"; errorType: string; errorMessage: string; timedOut: boolean; durationMs: number };

export interface LambdaRunner {
  /** Where the package was extracted (LAMBDA_TASK_ROOT). */
  readonly taskRoot: string;
  invoke(event: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<InvokeOutcome>;
  /** The handler's last log lines, for evidence when it fails. */
  recentLogs(): string[];
  /** Stops the child process and removes the runner's folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The node_modules directory this CLI resolves a package from (its own AWS SDK): what the local
 * runner offers the handler in place of the Lambda runtime's SDK. Undefined when not installed.
 */
export function nodeModulesProviding(specifier: string): string | undefined {
  try {
    const resolved = createRequire(import.meta.url).resolve(specifier);
    const packageDir = `${path.sep}node_modules${path.sep}${specifier.split("/").join(path.sep)}${path.sep}`;
    const at = resolved.lastIndexOf(packageDir);
    return at >= 0 ? resolved.slice(0, at + `${path.sep}node_modules`.length) : undefined;
  } catch {
    return undefined;
  }
}

// ----- zip extraction ------------------------------------------------------------------------

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** Reads every file of a zip (stored or deflated), checking each CRC-32. No zip64, no encryption. */
export function readZip(zip: Buffer, label = "zip"): ZipEntry[] {
  const bad = (why: string) => new OperationError("artifact-unreadable", `${label} is not a usable zip: ${why}`);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad("no end of central directory");
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) throw bad("zip64 archives are not supported");
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== CENTRAL_SIGNATURE) throw bad(`central directory entry ${n + 1} is damaged`);
    const flags = zip.readUInt16LE(offset + 8);
    const method = zip.readUInt16LE(offset + 10);
    const crc = zip.readUInt32LE(offset + 16);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const externalAttributes = zip.readUInt32LE(offset + 38);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString("utf8");
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    if (flags & 0x1) throw bad(`${name} is encrypted`);
    const unixMode = externalAttributes >>> 16;
    if ((unixMode & 0o170000) === 0o120000) throw bad(`${name} is a symbolic link`);
    if (zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw bad(`local header of ${name} is damaged`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = zlib().inflateRawSync(raw);
    else throw bad(`${name} uses compression method ${method}`);
    if (data.length !== size || zlib().crc32(data) !== crc) throw bad(`${name} fails its CRC-32 check`);
    entries.push({ name, data });
  }
  return entries;
}

/** Extracts a zip into `dir`, refusing any entry that would land outside it. */
export function extractZip(zipPath: string, dir: string): string[] {
  const entries = readZip(readFileSync(zipPath), path.basename(zipPath));
  const root = path.resolve(dir);
  const names: string[] = [];
  for (const entry of entries) {
    const target = path.resolve(root, entry.name);
    if (path.isAbsolute(entry.name) || entry.name.split(/[\\/]/).includes("..") || !target.startsWith(`${root}${path.sep}`)) {
      throw new OperationError("artifact-unreadable", `${path.basename(zipPath)} has an entry outside its root: ${entry.name}`);
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
    names.push(entry.name);
  }
  return names;
}

// ----- the runtime in the child process ------------------------------------------------------

/**
 * The child's bootstrap, written next to the extracted package. Plain ESM JavaScript so it runs
 * whatever the CLI was built with; it resolves the handler as Lambda's Node runtime does.
 */
const BOOTSTRAP = String.raw`
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const taskRoot = process.env.LAMBDA_TASK_ROOT;
const spec = process.env._HANDLER;
let loading;

function fail(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

function loadHandler() {
  loading ??= (async () => {
    const dot = spec.lastIndexOf(".");
    if (dot <= 0 || dot === spec.length - 1) throw fail("Runtime.MalformedHandlerName", "bad handler " + JSON.stringify(spec));
    const base = path.resolve(taskRoot, spec.slice(0, dot));
    const exportName = spec.slice(dot + 1);
    const file = [".mjs", ".js", ".cjs"].map((ext) => base + ext).find((candidate) => existsSync(candidate));
    if (!file) throw fail("Runtime.ImportModuleError", "Cannot find module " + spec.slice(0, dot) + " (.mjs, .js or .cjs) in the package");
    const mod = await import(pathToFileURL(file).href);
    const fn = mod[exportName] ?? mod.default?.[exportName];
    if (typeof fn !== "function") throw fail("Runtime.HandlerNotFound", spec + " is undefined or not exported");
    return fn;
  })();
  return loading;
}

function call(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error, value) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(value);
    };
    try {
      const result = fn(event, context, done);
      if (result && typeof result.then === "function") result.then((value) => done(null, value), (error) => done(error ?? new Error("handler rejected")));
      else if (fn.length < 3) done(null, result);
    } catch (error) {
      done(error);
    }
  });
}

function send(message) {
  if (process.connected) process.send(message);
}

process.on("message", async (message) => {
  if (!message || message.type !== "invoke") return;
  const deadline = Date.now() + message.timeoutMs;
  const context = {
    awsRequestId: message.requestId,
    invokedFunctionArn: message.invokedFunctionArn,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const fn = await loadHandler();
    const value = await call(fn, message.event, context);
    send({ type: "result", id: message.id, value: value === undefined ? null : value });
  } catch (error) {
    send({ type: "error", id: message.id, errorType: (error && error.name) || "Error", errorMessage: String((error && error.message) || error) });
  }
});

for (const event of ["uncaughtException", "unhandledRejection"]) {
  process.on(event, (error) => {
    send({ type: "crash", errorType: (error && error.name) || "Error", errorMessage: String((error && error.message) || error) });
    process.exit(129);
  });
}
// The CLI went away: so does the sandbox, and with it the runner's folder (argv[2]), which a CLI
// killed with -9 could not remove. A CLI that stops the runner kills this process first and
// removes the folder itself. Ctrl-C reaches the whole process group; the CLI decides when the
// sandbox ends (it may still need it while it restores traffic).
process.on("disconnect", () => {
  try {
    if (process.argv[2]) rmSync(process.argv[2], { recursive: true, force: true });
  } finally {
    process.exit(0);
  }
});
process.on("SIGINT", () => {});
send({ type: "ready" });
`;

type ChildMessage =
  | { type: "ready" }
  | { type: "result"; id: string; value: unknown }
  | { type: "error"; id: string; errorType: string; errorMessage: string }
  | { type: "crash"; errorType: string; errorMessage: string };

interface Pending {
  /** The process the invocation went to: only its exit fails it. */
  owner: ChildProcess;
  started: number;
  settle: (outcome: InvokeOutcome) => void;
}

const RECENT_LOG_LINES = 20;

const RUNNER_PREFIX = "noveli-lambda-";
const OWNER_FILE = "owner.json";

/** Who made a runner's folder: written first into it, read by later runners' sweeps. */
export interface RunnerOwner {
  pid: number;
  host: string;
}

/**
 * Pure: whether a runner folder's owner is gone, so the folder is abandoned: made on this host by a
 * process that no longer runs (killed with -9 before it had a child to remove it, or with its whole
 * process group). A folder of another host (a temp dir shared between containers, whose process ids
 * mean nothing here) or of a live process is never abandoned.
 */
export function abandonedRunner(owner: unknown, self: { host: string }, isAlive: (pid: number) => boolean): boolean {
  if (typeof owner !== "object" || owner === null) return false;
  const { pid, host } = owner as Partial<RunnerOwner>;
  return typeof pid === "number" && Number.isInteger(pid) && pid > 0 && host === self.host && !isAlive(pid);
}

/** Removes the folders of runners whose process is gone (see abandonedRunner); returns their paths. */
export function sweepAbandonedRunners(tempDir: string = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tempDir).filter((name) => name.startsWith(RUNNER_PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const folder = path.join(tempDir, name);
    let owner: unknown;
    try {
      owner = JSON.parse(readFileSync(path.join(folder, OWNER_FILE), "utf8"));
    } catch {
      continue; // no owner recorded (being made, or not a runner's): left alone
    }
    if (!abandonedRunner(owner, { host: hostname() }, processAlive)) continue;
    try {
      rmSync(folder, { recursive: true, force: true });
      removed.push(folder);
    } catch {
      /* removed meanwhile by its own sandbox, or not ours to remove: the next sweep tries again */
    }
  }
  return removed;
}

/** Extracts the package and prepares the runner; the child process starts on the first invoke (a cold start). */
export function startLambdaRunner(options: LambdaRunnerOptions): LambdaRunner {
  const tempDir = options.tempDir ?? tmpdir();
  sweepAbandonedRunners(tempDir);
  const root = mkdtempSync(path.join(tempDir, RUNNER_PREFIX));
  const taskRoot = path.join(root, "task");
  const bootstrap = path.join(root, "runtime", "bootstrap.mjs");
  try {
    writeFileSync(path.join(root, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() } satisfies RunnerOwner));
    mkdirSync(taskRoot, { recursive: true });
    extractZip(options.zipPath, taskRoot);
    mkdirSync(path.dirname(bootstrap), { recursive: true });
    writeFileSync(bootstrap, BOOTSTRAP);
    // ESM resolution walks up from task/: <root>/node_modules is where the runtime's packages are found.
    if (options.runtimeNodeModules) symlinkSync(options.runtimeNodeModules, path.join(root, "node_modules"), "dir");
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  const functionTimeoutMs = options.functionTimeoutMs ?? 30_000;
  const logs: string[] = [];
  const pending = new Map<string, Pending>();
  let child: ChildProcess | undefined;
  const exits = new Map<ChildProcess, Promise<void>>();
  let stopped = false;

  const log = (line: string, stream: "stdout" | "stderr") => {
    logs.push(line);
    if (logs.length > RECENT_LOG_LINES) logs.shift();
    options.onLog?.(line, stream);
  };

  const settleOwnedBy = (owner: ChildProcess, make: (p: Pending) => InvokeOutcome) => {
    for (const [id, p] of pending) {
      if (p.owner !== owner) continue;
      pending.delete(id);
      p.settle(make(p));
    }
  };

  const spawnChild = (): ChildProcess => {
    const env: Record<string, string> = {
      // What the Lambda runtime sets, then the function's own variables.
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      TZ: ":UTC",
      LANG: "en_US.UTF-8",
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: path.dirname(bootstrap),
      _HANDLER: options.handler,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs_noveli_local",
      AWS_LAMBDA_FUNCTION_NAME: options.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: options.functionVersion,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeMb ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: "noveli-local-runner",
      ...options.environment,
    };
    let lastCrash: string | undefined;
    const started = process.getBuiltinModule("node:child_process").fork(bootstrap, [root], { cwd: taskRoot, env, execArgv: [], stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "json" });
    for (const [stream, readable] of [["stdout", started.stdout], ["stderr", started.stderr]] as const) {
      if (readable) process.getBuiltinModule("node:readline").createInterface({ input: readable }).on("line", (line) => log(line, stream));
    }
    started.on("message", (message: ChildMessage) => {
      if (message.type === "crash") {
        lastCrash = `${message.errorType}: ${message.errorMessage}`;
        return;
      }
      if (message.type !== "result" && message.type !== "error") return;
      const waiting = pending.get(message.id);
      if (!waiting) return; // timed out already
      pending.delete(message.id);
      const durationMs = performance.now() - waiting.started;
      waiting.settle(
        message.type === "result"
          ? { kind: "result", value: message.value, durationMs }
          : { kind: "error", errorType: message.errorType, errorMessage: message.errorMessage, timedOut: false, durationMs },
      );
    });
    exits.set(
      started,
      new Promise((resolve) => {
        started.once("exit", (code, signal) => {
          if (child === started) child = undefined;
          exits.delete(started);
          const why = lastCrash ?? `the function's process exited (${signal ?? `code ${code}`})`;
          settleOwnedBy(started, (p) => ({ kind: "error", errorType: "Runtime.ExitError", errorMessage: why, timedOut: false, durationMs: performance.now() - p.started }));
          resolve();
        });
      }),
    );
    started.once("error", (error) => log(`runner: ${errorMessage(error)}`, "stderr"));
    return started;
  };

  /** Ends one process (default: the current one); the next invoke starts a new one. */
  const kill = async (target: ChildProcess | undefined = child) => {
    if (!target) return;
    if (child === target) child = undefined;
    const exited = exits.get(target);
    target.kill("SIGKILL");
    await exited;
  };

  return {
    taskRoot,
    invoke(event, invokeOptions = {}) {
      if (stopped) return Promise.reject(new Error("the Lambda runner was stopped"));
      invokeOptions.signal?.throwIfAborted();
      const owner = (child ??= spawnChild());
      const id = randomUUID();
      const timeoutMs = Math.min(invokeOptions.timeoutMs ?? functionTimeoutMs, functionTimeoutMs);
      return new Promise<InvokeOutcome>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const onAbort = () => {
          pending.delete(id);
          clearTimeout(timer);
          reject(invokeOptions.signal?.reason);
        };
        const entry: Pending = {
          owner,
          started: performance.now(),
          settle: (outcome) => {
            clearTimeout(timer);
            invokeOptions.signal?.removeEventListener("abort", onAbort);
            resolve(outcome);
          },
        };
        pending.set(id, entry);
        invokeOptions.signal?.addEventListener("abort", onAbort, { once: true });
        timer = setTimeout(() => {
          // Like Lambda: a timed-out invocation ends its sandbox; the next one starts cold.
          pending.delete(id);
          entry.settle({ kind: "error", errorType: "Sandbox.Timedout", errorMessage: `no answer within ${timeoutMs}ms`, timedOut: true, durationMs: performance.now() - entry.started });
          void kill(owner);
        }, timeoutMs);
        owner.send({ type: "invoke", id, requestId: id, event, invokedFunctionArn: options.invokedFunctionArn, timeoutMs: functionTimeoutMs }, (error) => {
          if (error && pending.has(id)) {
            pending.delete(id);
            entry.settle({ kind: "error", errorType: "Runtime.ExitError", errorMessage: `could not reach the function's process: ${errorMessage(error)}`, timedOut: false, durationMs: performance.now() - entry.started });
          }
        });
      });
    },
    recentLogs: () => [...logs],
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
