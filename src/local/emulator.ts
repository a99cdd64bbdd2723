import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { ConfigError, OperationError } from "../errors.js";
import { acquireLock } from "../state/lock.js";
import { processAlive, processCommandLine, sleep } from "../system/process.js";
import { which } from "../system/which.js";

/** The embedded local AWS: a moto server bound to loopback only. */
export const LOOPBACK = "127.0.0.1";

export interface EmulatorRecord {
  pid: number;
  port: number;
  url: string;
  /** Changes every time an emulator starts: local Terraform state from another instance is stale. */
  instanceId: string;
  startedAt: string;
  logFile: string;
  executable: string;
}

export type EmulatorStatus =
  | { state: "running"; record: EmulatorRecord }
  | { state: "stopped" }
  /** A record exists but its process is gone or no longer answers. */
  | { state: "stale"; record: EmulatorRecord; reason: string };

const MOTO_INSTALL_HINT =
  'install moto with `pip install "moto[server]"` (it provides moto_server), or point noveli at another emulator with --endpoint-url';

export function emulatorDir(stateDir: string): string {
  return path.join(stateDir, "local");
}

function recordPath(stateDir: string): string {
  return path.join(emulatorDir(stateDir), "emulator.json");
}

/** The moto_server executable: NOVELI_MOTO_SERVER, else moto_server on PATH. */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.NOVELI_MOTO_SERVER;
  const found = configured ? which(configured, env) : which("moto_server", env);
  if (!found) {
    throw new ConfigError(
      "moto-missing",
      configured ? `NOVELI_MOTO_SERVER=${configured} is not an executable` : "moto_server is not installed (needed for --local)",
      { hint: MOTO_INSTALL_HINT },
    );
  }
  return found;
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portAvailable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/**
 * Whether a moto server answers at this URL. node:http rather than fetch: the AWS SDK's handler
 * loads node:http anyway, while fetch would load undici (its WebAssembly parser included), which
 * cost every `--local` command tens of milliseconds for this one probe.
 */
export function motoAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    let request: ReturnType<typeof httpGet>;
    try {
      request = httpGet(`${url}/moto-api/config`, { timeout: timeoutMs }, (response) => {
        response.resume();
        response.on("end", () => resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300));
        response.on("error", () => resolve(false));
      });
    } catch {
      resolve(false);
      return;
    }
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", () => resolve(false));
  });
}

export interface LaunchedMoto {
  pid: number;
  port: number;
  url: string;
  child: ChildProcess;
  /** Stops the process group this launch started; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  executable: string;
  port: number;
  logFile: string;
  /** Detached servers outlive this process (noveli local up); attached ones die with it (tests). */
  detached: boolean;
  readyTimeoutMs?: number;
}

/** Starts moto_server on 127.0.0.1:port and waits until it answers. */
export async function launchMoto(options: LaunchOptions): Promise<LaunchedMoto> {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, "a");
  const child = spawn(options.executable, ["-H", LOOPBACK, "-p", String(options.port)], {
    detached: true, // own process group, so stop() reaches the python child behind any shim
    stdio: ["ignore", log, log],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  closeSync(log);
  if (options.detached) child.unref();
  const url = `http://${LOOPBACK}:${options.port}`;
  let exited: number | null | undefined;
  child.once("exit", (code) => {
    exited = code;
  });
  const pid = child.pid;
  if (pid === undefined) throw new OperationError("emulator-start", `could not start ${options.executable}`);

  const stop = () => stopProcessGroup(pid);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!(await motoAnswers(url, 500))) {
    if (exited !== undefined) {
      throw new OperationError("emulator-start", `moto_server exited with code ${exited} before answering`, {
        hint: `see ${options.logFile}: ${lastLines(options.logFile)}`,
      });
    }
    if (Date.now() > deadline) {
      await stop();
      throw new OperationError("emulator-start", `moto_server did not answer on ${url} within ${Math.round((options.readyTimeoutMs ?? 30_000) / 1000)}s`, {
        hint: `see ${options.logFile}`,
      });
    }
    await sleep(100);
  }
  return { pid, port: options.port, url, child, stop };
}

function lastLines(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-2).join(" / ");
  } catch {
    return "no log";
  }
}

/** SIGTERM to the process group, SIGKILL after a grace period; resolves when the leader is gone. */
export async function stopProcessGroup(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!processAlive(pid)) return;
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < deadline) await sleep(50);
  if (processAlive(pid)) {
    signal("SIGKILL");
    while (processAlive(pid)) await sleep(20);
  }
}

export function readEmulatorRecord(stateDir: string): EmulatorRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(stateDir), "utf8")) as EmulatorRecord;
  } catch {
    return undefined;
  }
}

/** A recorded pid is ours only while it is alive and still runs moto (pids get reused). */
function isOurProcess(record: EmulatorRecord): boolean {
  if (!processAlive(record.pid)) return false;
  const commandLine = processCommandLine(record.pid);
  return commandLine === undefined || /moto/.test(commandLine);
}

export async function emulatorStatus(stateDir: string): Promise<EmulatorStatus> {
  const record = readEmulatorRecord(stateDir);
  if (!record) return { state: "stopped" };
  if (!isOurProcess(record)) return { state: "stale", record, reason: `process ${record.pid} is gone` };
  if (!(await motoAnswers(record.url))) return { state: "stale", record, reason: `no answer on ${record.url}` };
  return { state: "running", record };
}

export interface StartEmulatorOptions {
  stateDir: string;
  /** A fixed port; default: a free one chosen by the OS. */
  port?: number;
  env?: NodeJS.ProcessEnv;
}

/** Starts the embedded emulator, or reuses the one already recorded and answering. */
export async function startEmulator(options: StartEmulatorOptions): Promise<{ record: EmulatorRecord; reused: boolean }> {
  const dir = emulatorDir(options.stateDir);
  const lock = acquireLock(path.join(dir, "start.lock"), "noveli local up");
  try {
    const status = await emulatorStatus(options.stateDir);
    if (status.state === "running") {
      if (options.port !== undefined && status.record.port !== options.port) {
        throw new ConfigError(
          "emulator-port",
          `the local emulator already runs on port ${status.record.port}, not ${options.port}`,
          { hint: "run `noveli local down` first to move it" },
        );
      }
      return { record: status.record, reused: true };
    }
    if (status.state === "stale") await discardStale(options.stateDir, status.record);

    const executable = findMotoServer(options.env);
    let port = options.port;
    if (port !== undefined) {
      if (!(await portAvailable(port))) throw new ConfigError("emulator-port", `port ${port} on ${LOOPBACK} is already in use`);
    } else {
      port = await freePort();
    }
    const logFile = path.join(dir, "moto.log");
    const launched = await launchMoto({ executable, port, logFile, detached: true });
    const record: EmulatorRecord = {
      pid: launched.pid,
      port,
      url: launched.url,
      instanceId: randomUUID(),
      startedAt: new Date().toISOString(),
      logFile,
      executable,
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(recordPath(options.stateDir), `${JSON.stringify(record, null, 2)}\n`);
    return { record, reused: false };
  } finally {
    lock.release();
  }
}

async function discardStale(stateDir: string, record: EmulatorRecord): Promise<void> {
  // A process that is ours but no longer answers is stopped; anything else is not touched.
  if (isOurProcess(record)) await stopProcessGroup(record.pid);
  rmSync(recordPath(stateDir), { force: true });
}

/** Stops only the emulator noveli started and recorded. */
export async function stopEmulator(stateDir: string): Promise<{ stopped: EmulatorRecord | undefined }> {
  const record = readEmulatorRecord(stateDir);
  if (!record) return { stopped: undefined };
  const ours = isOurProcess(record);
  if (ours) await stopProcessGroup(record.pid);
  rmSync(recordPath(stateDir), { force: true });
  return { stopped: ours ? record : undefined };
}
