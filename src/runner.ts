import type { Command } from "commander";
import type { CommandContext } from "./context.js";
import { AbortError, ExitCode, errorMessage, fileSystemError, isNoveliError } from "./errors.js";
import { parseGlobalOptions, type GlobalOptions, type RawGlobalOptions } from "./options.js";
import { applyConfig, attributeToConfig, type AppliedFlag } from "./config/apply.js";
import { locateConfigFile, readConfigJson } from "./config/file.js";
import { validateConfig } from "./config/validate.js";
import { commandTree } from "./commandline/tree.js";
import type { Reporter } from "./output/reporter.js";

/**
 * Runs one command: reporter, signal handling, global options, context, and the single exit point
 * that turns typed errors into the documented exit codes. Loaded lazily by src/cli.ts when a
 * command actually runs, so `noveli --help` loads only commander and the registrations.
 */

/** Calls one command; what it returns is its typed result (already rendered), which the runner does not need. */
export type Invoke = (ctx: CommandContext) => Promise<unknown>;

export async function run(cmd: Command, invoke: Invoke): Promise<void> {
  const raw = cmd.optsWithGlobals() as RawGlobalOptions;
  // --no-color means what NO_COLOR means, for noveli's own styling and the libraries it uses.
  if (raw.color === false) process.env.NO_COLOR = "1";
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
  let applied: AppliedFlag[] = [];
  try {
    const globals = parseGlobalOptions(raw);
    applied = applyProjectConfig(cmd, globals, reporter);
    const { createContext } = await import("./context.js");
    await invoke(createContext(globals, reporter, controller.signal));
    if (controller.signal.aborted) throw controller.signal.reason;
  } catch (caught) {
    const error = attributeToConfig(caught, applied);
    const failure = controller.signal.aborted && !(isNoveliError(error) && error.exitCode === ExitCode.Interrupted)
      ? new AbortError(`interrupted (${errorMessage(error)})`)
      : error;
    const known = isNoveliError(failure) ? failure : fileSystemError(failure);
    reporter.failure(known ?? internalError(failure));
    process.exitCode = known ? known.exitCode : ExitCode.Failed;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * Reads noveli.config.json (or --config), validates all of it against the program's own option
 * definitions, and fills this command's flags that were not typed with the environment's values.
 */
function applyProjectConfig(cmd: Command, globals: GlobalOptions, reporter: Reporter): AppliedFlag[] {
  const location = locateConfigFile({ ...(globals.configFile !== undefined ? { flag: globals.configFile } : {}), env: process.env });
  if (!location) return [];
  let root = cmd;
  while (root.parent) root = root.parent;
  const config = validateConfig(readConfigJson(location.file), commandTree(root), location.file);
  const env = globals.env ?? (globals.local || globals.endpointUrl ? "dev" : undefined);
  if (env === undefined) return [];
  const applied = applyConfig(cmd, config, env);
  for (const flag of applied) reporter.debug(`--${flag.key} ${flag.value} from ${flag.file} (${env})`);
  return applied;
}

function internalError(error: unknown): Error {
  const wrapped = new Error(`unexpected error: ${errorMessage(error)} (run with --verbose for details)`);
  if (error instanceof Error) wrapped.stack = error.stack;
  return wrapped;
}
