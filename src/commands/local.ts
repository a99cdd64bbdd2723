import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { emulatorStatus, startEmulator, stopEmulator } from "../local/emulator.js";

/** Options of `noveli local up`. */
export interface LocalUpOptions {
  /** Listen on this port instead of one chosen by the OS. Default: a free port. */
  port?: string;
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new UsageError(`--port must be a number from 1024 to 65535, got ${JSON.stringify(raw)}`);
  }
  return port;
}

function rejectRemoteTargets(ctx: CommandContext): void {
  if (ctx.globals.endpointSource === "flag") throw new UsageError("noveli local manages the embedded emulator; --endpoint-url does not apply");
}

export async function localUp(options: LocalUpOptions, ctx: CommandContext): Promise<void> {
  rejectRemoteTargets(ctx);
  const port = parsePort(options.port);
  const { record, reused } = await ctx.reporter.phase("Starting the local AWS emulator (moto)", () =>
    startEmulator({ stateDir: ctx.stateDir, ...(port !== undefined ? { port } : {}) }),
  );
  ctx.reporter.result({ command: "local up", state: "running", reused, url: record.url, pid: record.pid, port: record.port, startedAt: record.startedAt, logFile: record.logFile }, (lines, s) => {
    lines.push(`${s.green("●")} local AWS emulator ${reused ? "already running" : "started"} at ${s.bold(record.url)} (pid ${record.pid})`);
    lines.push(`  use it with --local on any command; stop it with: noveli local down`);
  });
}

export async function localDown(ctx: CommandContext): Promise<void> {
  rejectRemoteTargets(ctx);
  const { stopped, leftAlone } = await stopEmulator(ctx.stateDir);
  if (leftAlone) ctx.reporter.warn(`left process ${leftAlone.pid} alone: ${leftAlone.reason}`);
  ctx.reporter.result(
    { command: "local down", state: "stopped", stopped: stopped ? { pid: stopped.pid, url: stopped.url } : null, ...(leftAlone ? { leftAlone } : {}) },
    (lines) => {
      lines.push(stopped ? `local AWS emulator stopped (pid ${stopped.pid}, ${stopped.url})` : "local AWS emulator was not running");
    },
  );
}

export async function localStatus(ctx: CommandContext): Promise<void> {
  rejectRemoteTargets(ctx);
  const status = await emulatorStatus(ctx.stateDir);
  const record = status.state === "stopped" ? undefined : status.record;
  ctx.reporter.result(
    {
      command: "local status",
      state: status.state,
      running: status.state === "running",
      url: status.state === "running" ? status.record.url : null,
      pid: status.state === "running" ? status.record.pid : null,
      startedAt: record?.startedAt ?? null,
      ...(status.state === "stale" ? { reason: status.reason } : {}),
      stateDir: ctx.stateDir,
    },
    (lines, s) => {
      if (status.state === "running") lines.push(`${s.green("●")} running at ${s.bold(status.record.url)} (pid ${status.record.pid}, since ${status.record.startedAt})`);
      else if (status.state === "stale") lines.push(`${s.yellow("●")} not running: ${status.reason} (the record is cleared by noveli local up or down)`);
      else lines.push(`${s.dim("○")} not running (start it with: noveli local up)`);
    },
  );
}
