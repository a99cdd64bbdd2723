import { describeTarget, isEmulatorTarget } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { errorMessage, isNoveliError } from "../../errors.js";
import { withLease } from "../../state/lease-scope.js";
import { runTeardown } from "../deploy/teardown.js";
import { CapturingReporter } from "./capture.js";
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

export interface RehearsalResult {
  env: string;
  target: string;
  steps: StepOutcome[];
  passed: boolean;
  exitCode: number;
  /** Names of the steps that did not run because an earlier one failed. */
  notRun: RehearsalStepName[];
}

type Doc = Record<string, unknown>;
const SEED_STORIES = 200;
const SEED_BEATS = 3;
/** Days of sample costs a rehearsal on an emulator seeds (and its cost report covers). */
const SAMPLE_COST_DAYS = 14;
const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Runs the release runbook with the same command code a person runs by hand, one step at a time. */
export async function runRehearsal(ctx: CommandContext, options: RehearseOptions): Promise<RehearsalResult> {
  const env = ctx.environment();
  const target = await ctx.target({ startEmulator: true });
  const emulator = isEmulatorTarget(target);
  const plan = planRehearsal(env, emulator, options.teardown === true);
  const steps: StepOutcome[] = [];
  let deployedColor: string | undefined;

  const step = async (name: RehearsalStepName, run: (sub: CommandContext) => Promise<unknown>, describe: (doc: Doc) => string): Promise<Doc | undefined> => {
    const capture = new CapturingReporter(ctx.reporter);
    // Confirmations stay the user's on real AWS; an emulator has nothing at stake.
    // Sub-commands render for a person (their lines go to stderr); their documents are captured.
    const sub: CommandContext = { ...ctx, reporter: capture, globals: { ...ctx.globals, json: false, yes: emulator || ctx.globals.yes } };
    ctx.reporter.info(ctx.reporter.style.bold(`── ${name}`));
    const started = Date.now();
    try {
      await run(sub);
      const doc = capture.document ?? {};
      steps.push({ name, ok: true, seconds: (Date.now() - started) / 1000, detail: describe(doc), exitCode: 0 });
      for (const line of capture.humanLines) ctx.reporter.info(`   ${line}`);
      return doc;
    } catch (error) {
      const exitCode = isNoveliError(error) ? error.exitCode : 1;
      const detail = capture.document ? `${describe(capture.document)}: ${errorMessage(error)}` : errorMessage(error);
      steps.push({ name, ok: false, seconds: (Date.now() - started) / 1000, detail, exitCode });
      return undefined;
    }
  };

  const runbook: Record<RehearsalStepName, () => Promise<Doc | undefined>> = {
    deploy: () =>
      step("deploy", async (sub) => (await import("../../commands/deploy.js")).deploy(options.release ? { release: options.release } : {}, sub), (doc) => {
        deployedColor = str(doc.color);
        const p = doc.plan as { add?: number; change?: number; destroy?: number } | undefined;
        return `${str(doc.outcome) ?? "?"} to ${deployedColor ?? "?"} (Lambda version ${str(doc.lambdaVersion) ?? "?"}; plan +${p?.add ?? 0} ~${p?.change ?? 0} -${p?.destroy ?? 0})`;
      }),
    "seed sample stories": () =>
      step("seed sample stories", async (sub) => {
        if (!isEmulatorTarget(target)) return;
        const { loadEnvironmentOutputs } = await import("../../terraform/environment.js");
        const { seedSampleStories } = await import("./seed.js");
        const outputs = await loadEnvironmentOutputs(sub);
        const written = await seedSampleStories(target, outputs.tableName, { stories: SEED_STORIES, beats: SEED_BEATS, signal: sub.signal });
        sub.reporter.result({ written, tableName: outputs.tableName }, (lines) => lines.push(`wrote ${written} sample beats to ${outputs.tableName}`));
      }, (doc) => `${num(doc.written) ?? 0} sample beats written (${SEED_STORIES} stories, emulator only)`),
    "health-check idle": () =>
      step("health-check idle", async (sub) => (await import("../../commands/health-check.js")).healthCheck({ color: deployedColor, ...plan.healthSettings }, sub), describeHealth),
    "switch-traffic": () =>
      step(
        "switch-traffic",
        async (sub) => (await import("../../commands/switch-traffic.js")).switchTraffic({ color: deployedColor, ...plan.switchSettings }, sub),
        (doc) => `${str(doc.result) ?? "?"}: ${str(doc.from) ?? "?"} → ${str(doc.to) ?? "?"}${str(doc.reason) ? ` (${str(doc.reason)})` : ""}`,
      ),
    "health-check live": () =>
      step("health-check live", async (sub) => (await import("../../commands/health-check.js")).healthCheck({ color: deployedColor, ...plan.healthSettings }, sub), describeHealth),
    "dr-drill": () =>
      // On an emulator the rehearsal's own writes are the table's only writes, and every one was
      // acknowledged before the drill began: there is no stamp-to-commit gap to guard against, so
      // every seeded beat is compared (with the default 10 s guard, the newest beats would be left
      // out or not depending on how fast the steps in between ran).
      step("dr-drill", async (sub) => (await import("../../commands/dr-drill.js")).drDrill(isEmulatorTarget(target) ? { guard: "0" } : {}, sub), (doc) => {
        const items = doc.items as { source?: number; matched?: number; excluded?: { source?: { afterRestorePoint?: number } } } | undefined;
        const leftOut = items?.excluded?.source?.afterRestorePoint ?? 0;
        return `${doc.passed === true ? "passed" : "failed"}: ${items?.matched ?? "?"}/${items?.source ?? "?"} items matched${leftOut > 0 ? ` (${leftOut} written after the restore point left out)` : ""}, RTO ${num(doc.rtoSeconds)?.toFixed(1) ?? "?"}s, RPO ${num(doc.rpoSeconds)?.toFixed(1) ?? "?"}s`;
      }),
    "cost-report": () =>
      step("cost-report", async (sub) => {
        // An emulator has no spend: seed two weeks of sample costs, so the report shows its
        // tables, the daily chart, a budget and the AI providers, each labelled sample data.
        const options: { from?: string } = {};
        if (isEmulatorTarget(target)) {
          const { seedSampleCosts } = await import("./seed-costs.js");
          const { addDays, utcDate } = await import("../cost/period.js");
          const { emulatorInstanceId } = await import("../../terraform/environment.js");
          const today = utcDate(new Date());
          options.from = addDays(today, -(SAMPLE_COST_DAYS - 1));
          const seeded = await seedSampleCosts({ target, env, from: options.from, today, stateDir: sub.stateDir, instanceId: emulatorInstanceId(sub, target) ?? null, signal: sub.signal });
          sub.reporter.info(`seeded sample cost data for ${seeded.from} → ${seeded.to}: spend, budget ${seeded.budget}, ${seeded.metrics} AI provider and story metric values`);
        }
        await (await import("../../commands/cost-report.js")).costReport(options, sub);
      }, (doc) => {
        const total = num(doc.total);
        const unavailable = Array.isArray(doc.unavailable) ? doc.unavailable.length : 0;
        const sample = doc.sampleData ? " of sample data" : "";
        return `${total === undefined ? "n/a" : `${total.toFixed(2)} ${str(doc.currency) ?? "USD"}${sample}`}${doc.estimated === true ? " (estimated)" : ""}${unavailable ? `, ${unavailable} section(s) unavailable` : ""}`;
      }),
    teardown: () =>
      step("teardown", async (sub) => {
        const { destroyed } = await runTeardown(sub);
        sub.reporter.result({ destroyed }, () => undefined);
      }, (doc) => (doc.destroyed ? "environment destroyed" : "nothing to destroy")),
  };

  // One lease for the whole runbook: the steps share it, and nobody else changes the environment in between.
  await withLease({ target, env, reporter: ctx.reporter, signal: ctx.signal, command: `rehearse ${env}`, waitMs: options.waitLockMs ?? 0 }, async () => {
    for (const name of plan.steps) {
      if (ctx.signal.aborted) break;
      const doc = await runbook[name]();
      if (!doc) break;
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

function describeHealth(doc: Doc): string {
  const p95 = num(doc.p95Ms);
  return `${doc.healthy === true ? "healthy" : "unhealthy"} ${str(doc.color) ?? ""}${p95 !== undefined ? `, p95 ${p95.toFixed(0)} ms` : ""}${str(doc.version) ? `, version ${str(doc.version)}` : ""}`.trim();
}
