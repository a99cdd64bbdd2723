import { mkdirSync, rmdirSync, statSync } from "node:fs";
import path from "node:path";
import { EMULATOR_REGION, describeTarget, type Target } from "./core/target.js";
import { type Environment } from "./core/environment.js";
import { ConfigError, UsageError } from "./errors.js";
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
  /**
   * The AWS target. With `--local` it uses the running embedded emulator; only a command that
   * creates an environment (deploy, rehearse) passes `startEmulator` to start one when none runs.
   * Any other command fails with exit 2 saying none is running and how to start one.
   */
  target(options?: TargetOptions): Promise<Target>;
  /** The environment; required on real AWS, dev by default on emulator targets. */
  environment(): Environment;
}

export interface TargetOptions {
  /** Start the embedded emulator when `--local` is given and none is running. Default: false. */
  startEmulator?: boolean;
}

export function createContext(globals: GlobalOptions, reporter: Reporter, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const dir = stateDir(env);
  assertStateDirUsable(dir, env);
  let resolved: Promise<Target> | undefined;

  const resolveTarget = async (options: TargetOptions): Promise<Target> => {
    if (globals.local) {
      const { LATE_PROBE_TIMEOUT_MS, emulatorStatus, startEmulator, watchEmulatorAnswers } = await import("./local/emulator.js");
      if (!options.startEmulator) {
        const status = await emulatorStatus(dir, { probe: false });
        if (status.state !== "running") {
          throw new ConfigError("emulator-not-running", `no local emulator is running${status.state === "stale" ? ` (${status.reason})` : ""}: --local uses the one noveli local up started`, {
            hint: "start it with `noveli local up` (or run `noveli deploy --local`, which starts it and deploys dev)",
          });
        }
        reporter.debug(`using the local emulator at ${status.record.url} (pid ${status.record.pid})`);
        const { url, pid } = status.record;
        watchEmulatorAnswers(url, () =>
          reporter.warn(`the local emulator at ${url} (pid ${pid}) has not answered within ${LATE_PROBE_TIMEOUT_MS / 1000} s: if it is frozen, this command's calls will time out; restart it with noveli local down, then noveli local up`),
        );
        return { kind: "local", endpointUrl: status.record.url, region: globals.region ?? EMULATOR_REGION };
      }
      const { record, reused } = await startEmulator({ stateDir: dir, env });
      if (reused) reporter.debug(`using the local emulator at ${record.url} (pid ${record.pid})`);
      else reporter.info(`started the local AWS emulator at ${record.url} (pid ${record.pid}); it keeps running for later --local commands; stop it with: noveli local down`);
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
    target(options = {}) {
      resolved ??= resolveTarget(options).then((target) => {
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

/**
 * The state dir may not exist yet (it is created on first write), but neither it nor a folder
 * above it may be a file, and folders must be creatable in it: on a file system that answers
 * every mkdir with ENOENT (/proc, /sys), Node's recursive mkdir retries for ever and the command
 * would hang, deaf to Ctrl-C. One probe folder, made and removed at once, finds that out.
 * A read-only or forbidden dir is not refused here: read-only commands still work, and a write
 * fails with its own one-line error (fileSystemError).
 */
function assertStateDirUsable(dir: string, env: NodeJS.ProcessEnv): void {
  const origin = env.NOVELI_STATE_DIR && env.NOVELI_STATE_DIR.trim() !== "" ? `NOVELI_STATE_DIR (${dir})` : dir;
  const hint = "point NOVELI_STATE_DIR at a folder (it is created when missing), or move the file away";
  // The nearest part of the path that exists.
  let existing = path.resolve(dir);
  let isDirectory: boolean | undefined;
  for (;;) {
    try {
      isDirectory = statSync(existing).isDirectory();
      break;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return;
      existing = parent;
    }
  }
  if (!isDirectory) {
    const what = existing === path.resolve(dir) ? `${origin} is a file, not a folder` : `${origin} cannot be created: ${existing} is a file, not a folder`;
    throw new ConfigError("state-dir", `${what}: noveli keeps its local records in that folder`, { hint });
  }
  // A folder noveli made in it before (the code cache, written by every earlier command) proves
  // folders can be made there: no probe then, on the path every later command takes.
  if (existing === path.resolve(dir)) {
    try {
      if (statSync(path.join(existing, "cache")).isDirectory()) return;
    } catch {
      /* not yet: probe */
    }
  }
  const probe = path.join(existing, `.noveli-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return;
    throw new ConfigError("state-dir", `${origin} cannot hold noveli's records: ${existing} is not a file system folders can be created in (mkdir answers ENOENT)`, {
      hint: "point NOVELI_STATE_DIR at a folder on a normal, writable file system",
    });
  }
}
