import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { get as httpGet } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { ConfigError, OperationError } from "../errors.js";
import { acquireLock } from "../state/lock.js";
import { listPids, processAlive, processCommandLine, processEnvironment, processStartTicks } from "../system/process.js";
import { sleep } from "../core/clock.js";
import { which } from "../system/which.js";
import { writeFileAtomically } from "../system/files.js";

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
  /**
   * A random token of this launch, also in the server's environment (NOVELI_EMULATOR_TOKEN): with
   * the pid's start time and the port on its command line, proof that a running process is the
   * one noveli started, not a reused pid or someone else's moto.
   */
  token: string;
  /** The pid's start time in clock ticks since boot (Linux), or null where the OS does not say. */
  startTicks: string | null;
}

/** Variables noveli puts into the emulator's environment, to know it again. */
const TOKEN_VARIABLE = "NOVELI_EMULATOR_TOKEN";
const HOME_VARIABLE = "NOVELI_EMULATOR_HOME";
const INSTANCE_VARIABLE = "NOVELI_EMULATOR_INSTANCE";

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
export async function motoAnswers(url: string, timeoutMs = 1_000, options: { keepsProcessAlive?: boolean } = {}): Promise<boolean> {
  const answer = await motoGet(`${url}/moto-api/config`, timeoutMs, options);
  return answer !== undefined && answer.status >= 200 && answer.status < 300;
}

/** One GET to a local server: its status and body, or undefined when it does not answer in time. */
function motoGet(url: string, timeoutMs: number, options: { keepsProcessAlive?: boolean } = {}): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    let request: ReturnType<typeof httpGet>;
    try {
      request = httpGet(url, { timeout: timeoutMs }, (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        response.on("error", () => resolve(undefined));
      });
    } catch {
      resolve(undefined);
      return;
    }
    // A question asked beside a command's own work must not hold up its exit.
    if (options.keepsProcessAlive === false) request.on("socket", (socket) => socket.unref());
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", () => resolve(undefined));
  });
}

/** How long a command runs before a trusted emulator (`probe: false`) is asked whether it answers. */
export const LATE_PROBE_MS = 300;
/** How long that question waits: generous, as a busy emulator (a drill's scans) answers late. */
export const LATE_PROBE_TIMEOUT_MS = 5_000;

/**
 * For a command that trusted the record without a probe: if it still runs after LATE_PROBE_MS,
 * the server is asked once, and `onSilent` hears when it does not answer (a frozen or wedged
 * server: the command's own calls then only end at their timeouts). A command done sooner never
 * sends the probe: neither the timer nor the probe's socket keeps the process alive.
 */
export function watchEmulatorAnswers(url: string, onSilent: () => void, delayMs = LATE_PROBE_MS, timeoutMs = LATE_PROBE_TIMEOUT_MS): void {
  const timer = setTimeout(() => {
    void motoAnswers(url, timeoutMs, { keepsProcessAlive: false }).then((answers) => {
      if (!answers) onSilent();
    });
  }, delayMs);
  timer.unref();
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
  /** Extra environment for the server (the identity noveli knows it by again). */
  env?: Record<string, string>;
}

/**
 * Where a server started by launchMoto says which launch started it (the sitecustomize answers it):
 * a port found free can be taken before the server binds it, by another emulator that then
 * answers in its place while this one exits.
 */
const LAUNCH_PATH = "/moto-api/noveli-launch";
const LAUNCH_VARIABLE = "NOVELI_EMULATOR_LAUNCH";
/** The log line of a moto the launch route could not be added to: it is then known by its answer alone. */
const LAUNCH_LEFT_OUT = "the launch route is left out, this server is known by its answer alone";

/**
 * Python that the server runs at its start (as sitecustomize, found through PYTHONPATH), four
 * changes to moto, each said in one line of the server's log, and each left out (the server as it
 * is) when this moto lacks what it changes or anything fails:
 * - moto's dispatcher lists moto's package folder (a listdir and a stat per service, about 180) on
 *   every request to match the request's service, 1 to 1.5 ms of every answer on this machine. The
 *   folder cannot change while the server runs, so it is listed once: same routes, same answers.
 * - moto serves each request on a thread of its own, and its DynamoDB checks a write's condition and
 *   then writes, with nothing between the two to stop another thread's write: two conditional puts
 *   of one new key can both succeed (once seen in CI: two choices won one step of a story). DynamoDB
 *   does each item operation atomically, and noveli's lease and the story table rely on that, so
 *   moto's DynamoDB requests take one lock: one at a time, as DynamoDB orders writes to one item.
 * - EC2's creates take a ClientToken, and a request sent again with the same token gets the first
 *   one's answer instead of making a second resource: that is what lets a client retry a create
 *   safely. moto ignores the token, so when the AWS provider retried a NAT gateway create whose
 *   answer it did not get (once seen in CI, under load), the retry found the Elastic IP taken by
 *   the first gateway and the apply failed with Resource.AlreadyAssociated; a retried VPC endpoint
 *   or flow log would have made a second one. Here EC2's requests with a token that succeeded once
 *   get that answer again (tokens of a reset emulator name nothing).
 * - An SDK sends a request again when its answer does not come (a connection reset, a timeout),
 *   with the same amz-sdk-invocation-id (one per operation call, the same in every attempt of it).
 *   When the first attempt did get through, the retry of a create makes a second resource or, for
 *   one with a fixed name, fails: once seen in CI under load, the AWS provider's retried WAFv2
 *   CreateWebACL got WAFDuplicateItem for the web ACL its first attempt had made, and every later
 *   deploy of that emulator failed the same way. Here a write (not GET or HEAD) sent again with an
 *   invocation id whose earlier attempt got a 2xx gets that answer again (answers of at most
 *   256 KiB, kept 15 minutes and 32 MiB in all; a JSON API's reads, which are POSTs, are not
 *   kept); an attempt that comes while an earlier one is still being
 *   answered waits for it (at most 2 minutes). A new call has a new id and is answered as ever.
 * It also answers GET /moto-api/noveli-launch with the launch id it was started with, so launchMoto knows
 * the server that answers on its port is the one it started.
 * A sitecustomize that this one hides on the path (the installation's, or one on the caller's
 * PYTHONPATH) still runs first.
 */
export const MOTO_SITECUSTOMIZE = `# Written by noveli when it starts moto_server: see launchMoto in noveli's src/local/emulator.ts.
import importlib.machinery, importlib.util, os, sys

_here = os.path.dirname(os.path.abspath(__file__))
try:
    _others = [entry for entry in sys.path if os.path.abspath(entry or ".") != _here]
    _spec = importlib.machinery.PathFinder.find_spec("sitecustomize", _others)
    if _spec is not None and _spec.loader is not None:
        _module = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_module)
except Exception:
    pass

try:
    import moto.backends as _backends

    _listed = getattr(_backends, "list_of_moto_modules", None)
    if callable(_listed):
        _modules = tuple(_listed())
        _backends.list_of_moto_modules = lambda: iter(_modules)
        print(f"noveli: moto's service folders listed once ({len(_modules)}), not on every request", file=sys.stderr, flush=True)
    else:
        print("noveli: this moto has no list_of_moto_modules; started as it is", file=sys.stderr, flush=True)
except Exception as _error:
    print(f"noveli: moto started as it is ({_error!r})", file=sys.stderr, flush=True)

try:
    import functools, threading
    from moto.dynamodb.models import DynamoDBBackend as _DynamoDB

    _dynamodb_lock = threading.RLock()

    def _one_at_a_time(method):
        @functools.wraps(method)
        def locked(*args, **kwargs):
            with _dynamodb_lock:
                return method(*args, **kwargs)
        return locked

    # The batch and transact-get requests are answered item by item through these.
    _names = ("get_item", "query", "scan", "put_item", "update_item", "delete_item", "transact_write_items")
    _locked = [name for name in _names if callable(getattr(_DynamoDB, name, None))]
    for _name in _locked:
        setattr(_DynamoDB, _name, _one_at_a_time(getattr(_DynamoDB, _name)))
    print(f"noveli: moto's DynamoDB item requests run one at a time ({len(_locked)} of {len(_names)} operations), as DynamoDB's conditional writes are atomic", file=sys.stderr, flush=True)
except Exception as _error:
    print(f"noveli: moto's DynamoDB left as it is ({_error!r})", file=sys.stderr, flush=True)

try:
    import functools, threading
    from moto.ec2.responses import EC2Response as _EC2Response

    _token_lock = threading.Lock()
    _answers_by_token = {}
    _ec2_call_action = _EC2Response.call_action

    def _token_key(response):
        try:
            token, action = response._get_param("ClientToken"), response._get_action()
        except Exception:
            return None
        if not token or not action:
            return None
        return (getattr(response, "current_account", ""), getattr(response, "region", ""), action, token)

    @functools.wraps(_ec2_call_action)
    def _call_action_once(self):
        key = _token_key(self)
        if key is None:
            return _ec2_call_action(self)
        with _token_lock:
            known = _answers_by_token.get(key)
            # The same backend: after a reset (moto-api/reset) a token names nothing that exists.
            if known is not None and known[0] is self.ec2_backend:
                return known[1]
            answer = _ec2_call_action(self)
            if isinstance(answer, tuple) and len(answer) == 3 and 200 <= int(answer[0]) < 300:
                _answers_by_token[key] = (self.ec2_backend, answer)
            return answer

    _EC2Response.call_action = _call_action_once
    print("noveli: moto's EC2 honours ClientToken, as EC2 does: a create sent again with its token gets the first one's answer", file=sys.stderr, flush=True)
except Exception as _error:
    print(f"noveli: moto's EC2 client tokens left as they are ({_error!r})", file=sys.stderr, flush=True)

try:
    import functools, threading, time
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication as _Dispatcher

    _attempts_lock = threading.Lock()
    _answers_by_invocation = {}  # amz-sdk-invocation-id -> (when, status, headers, body)
    _running_invocations = {}  # amz-sdk-invocation-id -> threading.Event, while an attempt is answered
    _kept = [0]  # bytes of the bodies kept
    _KEEP_SECONDS, _KEEP_BYTES, _KEEP_ALL_BYTES, _WAIT_SECONDS = 900, 256 << 10, 32 << 20, 120
    _READS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Search", "Lookup")
    _dispatch = _Dispatcher.__call__

    def _keep(invocation, status, headers, body):
        now = time.monotonic()
        with _attempts_lock:
            _answers_by_invocation[invocation] = (now, status, headers, body)
            _kept[0] += len(body)
            while _answers_by_invocation:
                oldest = next(iter(_answers_by_invocation))
                if _kept[0] <= _KEEP_ALL_BYTES and now - _answers_by_invocation[oldest][0] <= _KEEP_SECONDS:
                    break
                _kept[0] -= len(_answers_by_invocation.pop(oldest)[3])

    @functools.wraps(_dispatch)
    def _dispatch_once(self, environ, start_response):
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        # Reads are safe to answer again (and a JSON API's reads are POSTs too): only writes are kept.
        if not invocation or environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD", "OPTIONS") or operation.startswith(_READS):
            return _dispatch(self, environ, start_response)
        while True:
            with _attempts_lock:
                known = _answers_by_invocation.get(invocation)
                if known is not None:
                    start_response(known[1], list(known[2]))
                    return [known[3]]
                running = _running_invocations.get(invocation)
                if running is None:
                    running = _running_invocations[invocation] = threading.Event()
                    break
            # An earlier attempt of this invocation is still being answered: its answer is this one's.
            if not running.wait(_WAIT_SECONDS):
                return _dispatch(self, environ, start_response)
        try:
            captured, written = {}, []

            def _start(status, headers, exc_info=None):
                captured["status"], captured["headers"] = status, list(headers)
                return written.append

            result = _dispatch(self, environ, _start)
            try:
                body = b"".join(written) + b"".join(result)
            finally:
                if callable(getattr(result, "close", None)):
                    result.close()
            status, headers = captured.get("status", "500 INTERNAL SERVER ERROR"), captured.get("headers", [])
            if status[:1] == "2" and len(body) <= _KEEP_BYTES:
                _keep(invocation, status, headers, body)
            start_response(status, headers)
            return [body]
        finally:
            with _attempts_lock:
                _running_invocations.pop(invocation, None)
            running.set()

    _Dispatcher.__call__ = _dispatch_once
    print("noveli: a request sent again by its SDK (the same amz-sdk-invocation-id) gets the answer its first attempt got, as if that answer had arrived", file=sys.stderr, flush=True)
except Exception as _error:
    print(f"noveli: moto's answers to retried requests left as they are ({_error!r})", file=sys.stderr, flush=True)

try:
    import functools
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication as _Dispatcher

    _launch = os.environ.get("NOVELI_EMULATOR_LAUNCH", "").encode()
    _answer = _Dispatcher.__call__

    @functools.wraps(_answer)
    def _answer_or_say_launch(self, environ, start_response):
        if environ.get("PATH_INFO") == "${LAUNCH_PATH}" and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(_launch)))])
            return [_launch]
        return _answer(self, environ, start_response)

    _Dispatcher.__call__ = _answer_or_say_launch
    print("noveli: ${LAUNCH_PATH} names the launch that started this server", file=sys.stderr, flush=True)
except Exception as _error:
    print(f"noveli: ${LAUNCH_LEFT_OUT} ({_error!r})", file=sys.stderr, flush=True)
`;

/** Writes MOTO_SITECUSTOMIZE into its own folder beside the server's log; the PYTHONPATH that finds it. */
function motoPythonPath(logFile: string, env: NodeJS.ProcessEnv): string {
  const dir = path.join(path.dirname(logFile), "python");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "sitecustomize.py");
  writeFileAtomically(file, MOTO_SITECUSTOMIZE);
  const existing = env.PYTHONPATH;
  return existing ? `${dir}${path.delimiter}${existing}` : dir;
}

/** Starts moto_server on 127.0.0.1:port and waits until it answers. */
export async function launchMoto(options: LaunchOptions): Promise<LaunchedMoto> {
  // Loaded here, not with the module: every --local command reads the emulator's record, only
  // starting one spawns.
  const { spawn } = await import("node:child_process");
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const launch = randomUUID();
  const env: NodeJS.ProcessEnv = { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true", ...options.env, [LAUNCH_VARIABLE]: launch };
  env.PYTHONPATH = motoPythonPath(options.logFile, env);
  const log = openSync(options.logFile, "a");
  const child = spawn(options.executable, ["-H", LOOPBACK, "-p", String(options.port)], {
    detached: true, // own process group, so stop() reaches the python child behind any shim
    stdio: ["ignore", log, log],
    env,
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
  // Its own answer: another server that took the port meanwhile answers too, while this one exits.
  while (!(await answersAsLaunched(url, launch, options.logFile))) {
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

/** Whether the server on this URL is the one this launch started: it says so, or (a moto the route could not be added to) it answers and its log says why not. */
async function answersAsLaunched(url: string, launch: string, logFile: string): Promise<boolean> {
  const said = await motoGet(`${url}${LAUNCH_PATH}`, 500);
  if (said?.status === 200) return said.text === launch;
  return logSays(logFile, LAUNCH_LEFT_OUT) && (await motoAnswers(url, 500));
}

function logSays(file: string, text: string): boolean {
  try {
    return readFileSync(file, "utf8").includes(text);
  } catch {
    return false;
  }
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

/** The record, when it is whole and well-formed; a garbled or partial one reads as none. */
export function readEmulatorRecord(stateDir: string): EmulatorRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(recordPath(stateDir), "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed === "object" && parsed !== null) {
    // A record written before tokens existed: well-formed, but nothing running can prove it is ours.
    const legacy = parsed as Record<string, unknown>;
    legacy.token ??= "";
    legacy.startTicks ??= null;
  }
  return isEmulatorRecord(parsed) ? parsed : undefined;
}

/** Pure: whether a parsed value has every field of a record, each of the right kind. */
export function isEmulatorRecord(value: unknown): value is EmulatorRecord {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  const text = (k: string) => typeof r[k] === "string" && r[k] !== "";
  return (
    Number.isInteger(r.pid) && (r.pid as number) > 1 &&
    Number.isInteger(r.port) && (r.port as number) > 0 && (r.port as number) < 65536 &&
    text("url") && r.url === `http://${LOOPBACK}:${r.port}` &&
    text("instanceId") && typeof r.startedAt === "string" && typeof r.logFile === "string" && typeof r.executable === "string" && typeof r.token === "string" &&
    (r.startTicks === null || text("startTicks"))
  );
}

/**
 * Whether the recorded process is provably the one noveli started for this state dir: alive, the
 * same start time (a reused pid has another), our token in its environment, and our port on its
 * command line. Where the OS shows none of these (no /proc), only the command line is checked.
 */
export function proveOurs(record: EmulatorRecord): { ours: true } | { ours: false; reason: string } {
  if (!processAlive(record.pid)) return { ours: false, reason: `process ${record.pid} is gone` };
  const ticks = processStartTicks(record.pid);
  if (record.startTicks !== null && ticks !== undefined && ticks !== record.startTicks) {
    return { ours: false, reason: `pid ${record.pid} now belongs to another process (started at another time)` };
  }
  const environment = processEnvironment(record.pid);
  if (record.token === "" || (environment !== undefined && environment[TOKEN_VARIABLE] !== record.token)) {
    return { ours: false, reason: `process ${record.pid} is not the emulator noveli started (its token differs)` };
  }
  const commandLine = processCommandLine(record.pid);
  if (commandLine !== undefined && !new RegExp(`(^|\\s)-p ${record.port}(\\s|$)`).test(commandLine)) {
    return { ours: false, reason: `process ${record.pid} does not serve port ${record.port}` };
  }
  if (ticks === undefined && environment === undefined && commandLine === undefined) return { ours: false, reason: `process ${record.pid} cannot be inspected` };
  return { ours: true };
}

/**
 * Our running emulator, found by the state dir in its environment: a garbled record (or none)
 * must not orphan it. Its identity comes back from its environment and command line.
 */
export function findOurEmulator(stateDir: string): EmulatorRecord | undefined {
  const home = path.resolve(stateDir);
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const environment = processEnvironment(pid);
    if (environment?.[HOME_VARIABLE] !== home || !environment[TOKEN_VARIABLE] || !environment[INSTANCE_VARIABLE]) continue;
    const commandLine = processCommandLine(pid) ?? "";
    const port = Number(/(?:^|\s)-p (\d+)(?:\s|$)/.exec(commandLine)?.[1]);
    if (!Number.isInteger(port) || port <= 0) continue;
    // The group leader is the process noveli spawned; a shim's children carry the same environment.
    if (processGroupOf(pid) !== pid) continue;
    const dir = emulatorDir(stateDir);
    return {
      pid,
      port,
      url: `http://${LOOPBACK}:${port}`,
      instanceId: environment[INSTANCE_VARIABLE],
      startedAt: new Date().toISOString(),
      logFile: path.join(dir, "moto.log"),
      executable: commandLine.split(" ")[0] ?? "moto_server",
      token: environment[TOKEN_VARIABLE],
      startTicks: processStartTicks(pid) ?? null,
    };
  }
  return undefined;
}

function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

function writeRecord(stateDir: string, record: EmulatorRecord): void {
  mkdirSync(emulatorDir(stateDir), { recursive: true });
  const file = recordPath(stateDir);
  // A crash mid-write never leaves a torn record.
  writeFileAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * The emulator's state. `probe: false` trusts a record whose process the OS proves ours (alive,
 * same start time, our token and port) without asking the server: a command that is about to send
 * its own requests there learns as much from their answers, one round trip sooner (see
 * `watchEmulatorAnswers` for one that does not answer). Anything less than that proof is probed.
 */
export async function emulatorStatus(stateDir: string, options: { probe?: boolean } = {}): Promise<EmulatorStatus> {
  const record = readEmulatorRecord(stateDir);
  let staleReason: string | undefined;
  if (record) {
    const proof = proveOurs(record);
    if (proof.ours && (options.probe === false || (await motoAnswers(record.url)))) return { state: "running", record };
    staleReason = proof.ours ? `no answer on ${record.url}` : proof.reason;
  }
  // A garbled record, none, or one naming another process: our own emulator may still run.
  const found = findOurEmulator(stateDir);
  if (found && found.pid !== record?.pid && (await motoAnswers(found.url))) {
    writeRecord(stateDir, found); // the record, rebuilt from the process itself
    return { state: "running", record: found };
  }
  return record && staleReason ? { state: "stale", record, reason: staleReason } : { state: "stopped" };
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
    const token = randomUUID();
    const instanceId = randomUUID();
    const launched = await launchMoto({
      executable,
      port,
      logFile,
      detached: true,
      env: { [TOKEN_VARIABLE]: token, [HOME_VARIABLE]: path.resolve(options.stateDir), [INSTANCE_VARIABLE]: instanceId },
    });
    const record: EmulatorRecord = {
      pid: launched.pid,
      port,
      url: launched.url,
      instanceId,
      startedAt: new Date().toISOString(),
      logFile,
      executable,
      token,
      startTicks: processStartTicks(launched.pid) ?? null,
    };
    writeRecord(options.stateDir, record);
    return { record, reused: false };
  } finally {
    lock.release();
  }
}

async function discardStale(stateDir: string, record: EmulatorRecord): Promise<void> {
  // A process that is provably ours but no longer answers is stopped; anything else is not touched.
  if (proveOurs(record).ours) await stopProcessGroup(record.pid);
  rmSync(recordPath(stateDir), { force: true });
}

export interface StopResult {
  /** The emulator noveli stopped: the recorded one, or ours found again despite a bad record. */
  stopped: EmulatorRecord | undefined;
  /** A recorded process left alone because it is not provably ours, and why. */
  leftAlone?: { pid: number; reason: string };
}

/** Stops only an emulator noveli can prove it started; never any other process. */
export async function stopEmulator(stateDir: string): Promise<StopResult> {
  const record = readEmulatorRecord(stateDir);
  let leftAlone: StopResult["leftAlone"];
  if (record) {
    const proof = proveOurs(record);
    if (proof.ours) {
      await stopProcessGroup(record.pid);
      rmSync(recordPath(stateDir), { force: true });
      return { stopped: record };
    }
    if (processAlive(record.pid)) leftAlone = { pid: record.pid, reason: proof.reason };
  }
  // A garbled record, or one naming another process: our own emulator may still run.
  const found = findOurEmulator(stateDir);
  if (found) await stopProcessGroup(found.pid);
  rmSync(recordPath(stateDir), { force: true });
  return { stopped: found, ...(leftAlone ? { leftAlone } : {}) };
}
