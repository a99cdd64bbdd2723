import type { Reporter } from "../../output/reporter.js";
import type { PhaseName } from "./timing.js";

/**
 * A declarative step list with one cleanup that runs exactly once, whatever happens: after the
 * last step, after a failing step, and after an abort (SIGINT/SIGTERM abort the signal; the step
 * in flight stops at its next await and the cleanup runs with a signal of its own).
 */
export interface Step<S> {
  name: PhaseName;
  /** What the user sees while it runs. */
  title: string;
  /** Worth a line in a CI log when the steps run as one phase (see RunStepsOptions.title). */
  milestone?: boolean;
  /** Whether the step belongs to this run at all; a disabled step leaves no trace. */
  enabled?(state: S): boolean;
  /** A reason to skip it this time; recorded in the phases. */
  skip?(state: S): string | undefined;
  run(state: S, signal: AbortSignal): Promise<void>;
}

export interface StepRecord {
  name: PhaseName;
  title: string;
  startedAt: number;
  endedAt: number;
  status: "done" | "skipped" | "failed";
  reason?: string;
}

export interface StepRun {
  records: StepRecord[];
  /** The error that stopped the steps, if any (the abort reason when interrupted). */
  error?: unknown;
  /** Whether the signal was aborted before the steps finished. */
  interrupted: boolean;
  /** The cleanup's own failure, if it failed. */
  cleanupError?: unknown;
}

export interface RunStepsOptions<S> {
  signal: AbortSignal;
  reporter: Reporter;
  /** Runs once, after the steps, in every case; gets a signal that is not the aborted one. */
  cleanup: Step<S>;
  cleanupSignal?: () => AbortSignal;
  now?: () => number;
  /**
   * Run the steps as one phase with this title: one spinner whose text follows the steps on a
   * terminal, and outside one a line only for the milestone steps. Default: one phase per step.
   */
  title?: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] ?? error.name : String(error);
}

export async function runSteps<S>(steps: readonly Step<S>[], state: S, options: RunStepsOptions<S>): Promise<StepRun> {
  const { title } = options;
  if (title === undefined) return runEachStep(steps, state, options, (step, run) => options.reporter.phase(step.title, run));
  let outcome: StepRun | undefined;
  try {
    await options.reporter.phase(title, async (progress) => {
      outcome = await runEachStep(steps, state, options, (step, run) => {
        progress.update(step.title, { milestone: step.milestone === true });
        return run();
      });
      // The phase shows as failed when the steps or the cleanup did; the caller reads the outcome.
      if (outcome.error !== undefined || outcome.cleanupError !== undefined) throw outcome.error ?? outcome.cleanupError;
    });
  } catch (error) {
    // Recorded in the outcome; only a phase that failed before the steps began has none.
    if (outcome === undefined) return { records: [], interrupted: options.signal.aborted, error };
  }
  return outcome as StepRun;
}

async function runEachStep<S>(
  steps: readonly Step<S>[],
  state: S,
  options: RunStepsOptions<S>,
  present: (step: Step<S>, run: () => Promise<void>) => Promise<void>,
): Promise<StepRun> {
  const now = options.now ?? Date.now;
  const records: StepRecord[] = [];
  const run: StepRun = { records, interrupted: false };
  const timed = async (step: Step<S>, signal: AbortSignal): Promise<void> => {
    const startedAt = now();
    try {
      await present(step, () => step.run(state, signal));
      records.push({ name: step.name, title: step.title, startedAt, endedAt: now(), status: "done" });
    } catch (error) {
      records.push({ name: step.name, title: step.title, startedAt, endedAt: now(), status: "failed", reason: message(error) });
      throw error;
    }
  };
  try {
    for (const step of steps) {
      options.signal.throwIfAborted();
      if (step.enabled && !step.enabled(state)) continue;
      const reason = step.skip?.(state);
      if (reason !== undefined) {
        const at = now();
        records.push({ name: step.name, title: step.title, startedAt: at, endedAt: at, status: "skipped", reason });
        options.reporter.debug(`skipped: ${step.title} (${reason})`);
        continue;
      }
      await timed(step, options.signal);
    }
  } catch (error) {
    run.interrupted = options.signal.aborted;
    run.error = options.signal.aborted ? options.signal.reason : error;
  } finally {
    try {
      await timed(options.cleanup, options.cleanupSignal?.() ?? new AbortController().signal);
    } catch (error) {
      run.cleanupError = error;
    }
  }
  if (!run.interrupted && options.signal.aborted) {
    // Aborted during the last step's final await or the cleanup: still an interruption.
    run.interrupted = true;
    run.error ??= options.signal.reason;
  }
  return run;
}
