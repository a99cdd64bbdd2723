import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { readLocalStatus, runLocalDown, runLocalUp, type LocalStatusResult, type LocalUpResult, type StopResult } from "../ops/local/emulator.js";
import { localDownView, localStatusView, localUpView } from "../views/local.js";
import { render } from "../views/view.js";

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

export async function localUp(options: LocalUpOptions, ctx: CommandContext): Promise<LocalUpResult> {
  rejectRemoteTargets(ctx);
  const port = parsePort(options.port);
  const result = await runLocalUp({ stateDir: ctx.stateDir, reporter: ctx.reporter, ...(port !== undefined ? { port } : {}) });
  render(ctx.reporter, localUpView, result);
  return result;
}

export async function localDown(ctx: CommandContext): Promise<StopResult> {
  rejectRemoteTargets(ctx);
  const result = await runLocalDown({ stateDir: ctx.stateDir, reporter: ctx.reporter });
  render(ctx.reporter, localDownView, result);
  return result;
}

export async function localStatus(ctx: CommandContext): Promise<LocalStatusResult> {
  rejectRemoteTargets(ctx);
  const result = await readLocalStatus({ stateDir: ctx.stateDir });
  render(ctx.reporter, localStatusView, result);
  return result;
}
