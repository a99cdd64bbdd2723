import type { Color } from "../../core/color.js";
import { describeTarget, isEmulatorTarget } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { errorMessage, isNoveliError } from "../../errors.js";
import { withLease } from "../../state/lease-scope.js";
import { emulatorInstanceId, loadEnvironmentOutputs } from "../../terraform/environment.js";
import { addDays, resolvePeriod, utcDate } from "../cost/period.js";
import { parseGroupBy } from "../cost/query.js";
import { budgetGateFailure, runCostReport, type CostReportResult } from "../cost/run.js";
import { runDeploy, type DeployResult } from "../deploy/deploy.js";
import { checkReleaseLabel } from "../deploy/release.js";
import { runTeardown } from "../deploy/teardown.js";
import { drillFailure, runDrDrill, type DrDrillResult } from "../drill/run.js";
import { healthFailure, runHealthCheck, type ColorHealthResult } from "../health/check.js";
import { parseHealthSettings } from "../health/settings.js";
import { parseSwitchTraffic } from "../traffic/flags.js";
import { runTrafficChange, throwForOutcome, type TrafficChangeResult } from "../traffic/run.js";
import { seedSampleCosts } from "./seed-costs.js";
import { seedSampleStories } from "./seed.js";
import { planRehearsal, rehearsalExitCode, type RehearsalStepName, type StepOutcome } from "./plan.js";

/** Options of a rehearsal (flags of `noveli rehearse`). */
export interface RehearseOptions {
  /** Destroy the environment at the end (emulator targets only). Default false. */
  teardown?: boolean;
  /** Release label for the deploy step (APP_VERSION). Default: noveli's version. */
  release?: string;
  /** How long to wait for the environment's lease (ms). Default 0: refuse at once. */
  waitLockMs?: number;
}

/** The sample stories a rehearsal on an emulator writes before its drill. */
export interface SeededStories {
  written: number;
  tableName: string;
}

/** One step's typed result: what the operation behind it returned. */
export type RehearsalStepResult =
  | { name: "deploy"; result: DeployResult }
  | { name: "seed sample stories"; result: SeededStories | null }
  | { name: "health-check idle" | "health-check live"; result: ColorHealthResult }
  | { name: "switch-traffic"; result: TrafficChangeResult }
  | { name: "dr-drill"; result: DrDrillResult }
  | { name: "cost-report"; result: CostReportResult }
  | { name: "teardown"; result: { destroyed: boolean } };

export interface RehearseDependencies {
  /** Called after each step that passed, with its typed result: the command shows it through the step's own view. */
  stepPassed?(step: RehearsalStepResult): void;
}

export interface RehearsalResult {
  env: string;
  target: string;
  steps: StepOutcome[];
  passed: boolean;
  exitCode: number;
  /** Names of the steps that did not run because an earlier one failed. */
  notRun: RehearsalStepName[];
}

const SEED_STORIES = 200;
const SEED_BEATS = 3;
/** Days of sample costs a rehearsal on an emulator seeds (and its cost report covers). */
const SAMPLE_COST_DAYS = 14;

/** A step as the runbook runs it: its operation, its one-line summary, and the verdict that fails it. */
interface StepSpec<R> {
  run(): Promise<R>;
  describe(result: R): string;
  /** Throws the error the step's command would exit with, for an outcome that fails it. */
  verdict?(result: R): void;
}

/** Runs the release runbook with the same operations a person runs by hand, one step at a time. */
export async function runRehearsal(ctx: CommandContext, options: RehearseOptions, deps: RehearseDependencies = {}): Promise<RehearsalResult> {
  const env = ctx.environment();
  const target = await ctx.target({ startEmulator: true });
  const emulator = isEmulatorTarget(target);
  const plan = planRehearsal(env, emulator, options.teardown === true);
  const steps: StepOutcome[] = [];
  let deployedColor: Color | undefined;

  /** Runs one step; false when it failed (the runbook stops there). */
  const step = async <R>(name: RehearsalStepName, spec: StepSpec<R>, typed: (result: R) => RehearsalStepResult): Promise<boolean> => {
    ctx.reporter.info(ctx.reporter.style.bold(`── ${name}`));
    const started = Date.now();
    let result: { value: R } | undefined;
    try {
      result = { value: await spec.run() };
      spec.verdict?.(result.value);
      steps.push({ name, ok: true, seconds: (Date.now() - started) / 1000, detail: spec.describe(result.value), exitCode: 0 });
    } catch (error) {
      // A result that fails its verdict is still described, as its command rendered it before exiting.
      const exitCode = isNoveliError(error) ? error.exitCode : 1;
      const detail = result ? `${spec.describe(result.value)}: ${errorMessage(error)}` : errorMessage(error);
      steps.push({ name, ok: false, seconds: (Date.now() - started) / 1000, detail, exitCode });
      return false;
    }
    deps.stepPassed?.(typed(result.value));
    return true;
  };

  const healthCheck = (name: "health-check idle" | "health-check live") =>
    step(
      name,
      {
        run: () => runHealthCheck(ctx, { color: requireDeployed(deployedColor), settings: parseHealthSettings(plan.healthSettings) }),
        describe: describeHealth,
        verdict: (result) => throwIf(healthFailure(result)),
      },
      (result) => ({ name, result }),
    );

  const runbook: Record<RehearsalStepName, () => Promise<boolean>> = {
    deploy: () =>
      step(
        "deploy",
        {
          // Confirmations stay the user's on real AWS; an emulator has nothing at stake.
          run: async () => {
            const result = await runDeploy(ctx, { ...(options.release !== undefined ? { release: checkReleaseLabel(options.release) } : {}), ...(emulator ? { yes: true } : {}) });
            deployedColor = result.color;
            return result;
          },
          describe: (result) => {
            const p = result.plan;
            return `${result.outcome} to ${result.color} (Lambda version ${result.lambdaVersion ?? "?"}; plan +${p.add} ~${p.change} -${p.destroy})`;
          },
        },
        (result) => ({ name: "deploy", result }),
      ),
    "seed sample stories": () =>
      step(
        "seed sample stories",
        {
          run: async (): Promise<SeededStories | null> => {
            if (!isEmulatorTarget(target)) return null;
            const outputs = await loadEnvironmentOutputs(ctx);
            const written = await seedSampleStories(target, outputs.tableName, { stories: SEED_STORIES, beats: SEED_BEATS, signal: ctx.signal });
            return { written, tableName: outputs.tableName };
          },
          describe: (result) => `${result?.written ?? 0} sample beats written (${SEED_STORIES} stories, emulator only)`,
        },
        (result) => ({ name: "seed sample stories", result }),
      ),
    "health-check idle": () => healthCheck("health-check idle"),
    "switch-traffic": () =>
      step(
        "switch-traffic",
        {
          // The switch `noveli switch-traffic <color>` runs with the plan's settings as its flags.
          run: () => runTrafficChange(ctx, { ...parseSwitchTraffic({ color: requireDeployed(deployedColor), ...plan.switchSettings }), ...(emulator ? { yes: true } : {}) }),
          describe: ({ outcome }) => `${outcome.result}: ${outcome.from ?? "?"} → ${outcome.to ?? "?"}${outcome.reason ? ` (${outcome.reason})` : ""}`,
          verdict: (result) => throwForOutcome(result.outcome, `switch to ${requireDeployed(deployedColor)}`),
        },
        (result) => ({ name: "switch-traffic", result }),
      ),
    "health-check live": () => healthCheck("health-check live"),
    "dr-drill": () =>
      step(
        "dr-drill",
        {
          // On an emulator the rehearsal's own writes are the table's only writes, and every one was
          // acknowledged before the drill began: there is no stamp-to-commit gap to guard against, so
          // every seeded beat is compared (with the default 10 s guard, the newest beats would be left
          // out or not depending on how fast the steps in between ran).
          run: () => runDrDrill(ctx, emulator ? { guardMs: 0 } : {}),
          describe: (report) => {
            const leftOut = report.items?.excluded?.source?.afterRestorePoint ?? 0;
            return `${report.passed ? "passed" : "failed"}: ${report.items?.matched ?? "?"}/${report.items?.source ?? "?"} items matched${leftOut > 0 ? ` (${leftOut} written after the restore point left out)` : ""}, RTO ${report.rtoSeconds?.toFixed(1) ?? "?"}s, RPO ${report.rpoSeconds?.toFixed(1) ?? "?"}s`;
          },
          verdict: (report) => throwIf(drillFailure(report)),
        },
        (result) => ({ name: "dr-drill", result }),
      ),
    "cost-report": () =>
      step(
        "cost-report",
        {
          run: async () => {
            const today = utcDate(new Date());
            // An emulator has no spend: seed two weeks of sample costs, so the report shows its
            // tables, the daily chart, a budget and the AI providers, each labelled sample data.
            let from: string | undefined;
            if (isEmulatorTarget(target)) {
              from = addDays(today, -(SAMPLE_COST_DAYS - 1));
              const seeded = await seedSampleCosts({ target, env, from, today, stateDir: ctx.stateDir, instanceId: emulatorInstanceId(ctx, target) ?? null, signal: ctx.signal });
              ctx.reporter.info(`seeded sample cost data for ${seeded.from} → ${seeded.to}: spend, budget ${seeded.budget}, ${seeded.metrics} AI provider and story metric values`);
            }
            // As `noveli cost-report`: only an explicit --env filters the report.
            return runCostReport(ctx, { period: resolvePeriod(from !== undefined ? { from } : {}, today), groupBy: parseGroupBy(undefined), env: ctx.globals.env, today });
          },
          describe: (report) => {
            const unavailable = report.unavailable.length;
            const sample = report.sampleData ? " of sample data" : "";
            return `${report.total === null ? "n/a" : `${report.total.toFixed(2)} ${report.currency}${sample}`}${report.estimated ? " (estimated)" : ""}${unavailable ? `, ${unavailable} section(s) unavailable` : ""}`;
          },
          verdict: (report) => throwIf(budgetGateFailure(report)),
        },
        (result) => ({ name: "cost-report", result }),
      ),
    teardown: () =>
      step(
        "teardown",
        { run: () => runTeardown(ctx), describe: (result) => (result.destroyed ? "environment destroyed" : "nothing to destroy") },
        (result) => ({ name: "teardown", result }),
      ),
  };

  // One lease for the whole runbook: the steps share it, and nobody else changes the environment in between.
  await withLease({ target, env, reporter: ctx.reporter, signal: ctx.signal, command: `rehearse ${env}`, waitMs: options.waitLockMs ?? 0 }, async () => {
    for (const name of plan.steps) {
      if (ctx.signal.aborted) break;
      if (!(await runbook[name]())) break;
    }
  });
  const ran = new Set(steps.map((s) => s.name));
  const exitCode = ctx.signal.aborted && steps.every((s) => s.ok) ? 130 : rehearsalExitCode(steps);
  return {
    env,
    target: describeTarget(target),
    steps,
    passed: exitCode === 0 && steps.length === plan.steps.length,
    exitCode,
    notRun: plan.steps.filter((s) => !ran.has(s)),
  };
}

/** A step's verdict: the failure its command would exit with, thrown. */
function throwIf(failure: Error | undefined): void {
  if (failure) throw failure;
}

/** The color the deploy step put the new code on; later steps act on it. */
function requireDeployed(color: Color | undefined): Color {
  // Unreachable: a step after deploy runs only when the deploy passed, and a passed deploy names its color.
  if (color === undefined) throw new Error("the deploy step named no color");
  return color;
}

function describeHealth(result: ColorHealthResult): string {
  return `${result.healthy ? "healthy" : "unhealthy"} ${result.color}${result.p95Ms !== null ? `, p95 ${result.p95Ms.toFixed(0)} ms` : ""}${result.version ? `, version ${result.version}` : ""}`.trim();
}
