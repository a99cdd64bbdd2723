import type { Command } from "commander";
import type { CommandContext } from "./context.js";
import { AbortError, ExitCode, errorMessage, isNoveliError } from "./errors.js";
import { parseGlobalOptions, type RawGlobalOptions } from "./options.js";

/**
 * Runs one command: reporter, signal handling, global options, context, and the single exit point
 * that turns typed errors into the documented exit codes. Loaded lazily by src/cli.ts when a
 * command actually runs, so `noveli --help` loads only commander and the registrations.
 */

export type Invoke = (ctx: CommandContext) => Promise<void>;

export async function run(cmd: Command, invoke: Invoke): Promise<void> {
  const raw = cmd.optsWithGlobals() as RawGlobalOptions;
  const { StreamReporter } = await import("./output/reporter.js");
  const reporter = new StreamReporter({ json: raw.json === true, verbose: raw.verbose === true });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      reporter.warn(`second ${signal}: exiting without waiting for cleanup`);
      process.exit(ExitCode.Interrupted);
    }
    reporter.warn(`${signal} received: stopping and cleaning up (press Ctrl-C again to exit at once)`);
    controller.abort(new AbortError(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const globals = parseGlobalOptions(raw);
    const { createContext } = await import("./context.js");
    await invoke(createContext(globals, reporter, controller.signal));
    if (controller.signal.aborted) throw controller.signal.reason;
  } catch (error) {
    const failure = controller.signal.aborted && !(isNoveliError(error) && error.exitCode === ExitCode.Interrupted)
      ? new AbortError(`interrupted (${errorMessage(error)})`)
      : error;
    reporter.failure(isNoveliError(failure) ? failure : internalError(failure));
    process.exitCode = isNoveliError(failure) ? failure.exitCode : ExitCode.Failed;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function internalError(error: unknown): Error {
  const wrapped = new Error(`unexpected error: ${errorMessage(error)} (run with --verbose for details)`);
  if (error instanceof Error) wrapped.stack = error.stack;
  return wrapped;
}
