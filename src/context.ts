import { EMULATOR_REGION, describeTarget, type Environment, type Target } from "./aws/target.js";
import { UsageError } from "./errors.js";
import type { GlobalOptions } from "./options.js";
import type { Reporter } from "./output/reporter.js";
import { stateDir } from "./state/paths.js";

/** What every command receives besides its own options. */
export interface CommandContext {
  readonly globals: GlobalOptions;
  readonly reporter: Reporter;
  /** noveli's local records (.noveli/ or NOVELI_STATE_DIR). */
  readonly stateDir: string;
  /** Aborted on SIGINT/SIGTERM: long operations stop, clean up, and the CLI exits 130. */
  readonly signal: AbortSignal;
  /** The AWS target; `--local` starts (or reuses) the embedded emulator on first use. */
  target(): Promise<Target>;
  /** The environment; required on real AWS, dev by default on emulator targets. */
  environment(): Environment;
}

export function createContext(globals: GlobalOptions, reporter: Reporter, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const dir = stateDir(env);
  let resolved: Promise<Target> | undefined;

  const resolveTarget = async (): Promise<Target> => {
    if (globals.local) {
      const { startEmulator } = await import("./local/emulator.js");
      const { record, reused } = await startEmulator({ stateDir: dir, env });
      reporter.debug(`${reused ? "using" : "started"} the local emulator at ${record.url} (pid ${record.pid})`);
      return { kind: "local", endpointUrl: record.url, region: globals.region ?? EMULATOR_REGION };
    }
    if (globals.endpointUrl) {
      return {
        kind: "endpoint",
        endpointUrl: globals.endpointUrl,
        region: globals.region ?? EMULATOR_REGION,
        source: globals.endpointSource ?? "flag",
        ...(globals.profile ? { profile: globals.profile } : {}),
      };
    }
    return { kind: "aws", ...(globals.region ? { region: globals.region } : {}), ...(globals.profile ? { profile: globals.profile } : {}) };
  };

  return {
    globals,
    reporter,
    stateDir: dir,
    signal,
    target() {
      resolved ??= resolveTarget().then((target) => {
        reporter.debug(`target: ${describeTarget(target)}`);
        return target;
      });
      return resolved;
    },
    environment() {
      if (globals.env) return globals.env;
      if (globals.local || globals.endpointUrl) return "dev";
      throw new UsageError("--env is required on real AWS: use --env dev, --env staging or --env production");
    },
  };
}
