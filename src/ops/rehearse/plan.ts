import type { Environment } from "../../core/environment.js";

/**
 * Pure: the runbook a rehearsal runs, per environment and target. Emulator targets cannot run
 * API Gateway canaries (moto ignores canary settings), so they switch all at once.
 */
export interface SwitchSettings {
  canary?: string;
  interval?: string;
  watch?: string;
  pollInterval?: string;
  healthInterval?: string;
}

/** Health-check flags of the rehearsal's two health checks (defaults of `noveli health-check` when empty). */
export interface HealthSettings {
  interval?: string;
}

export interface RehearsalPlan {
  env: Environment;
  emulator: boolean;
  switchSettings: SwitchSettings;
  healthSettings: HealthSettings;
  teardown: boolean;
  steps: RehearsalStepName[];
}

export type RehearsalStepName =
  | "deploy"
  | "seed sample stories"
  | "health-check idle"
  | "switch-traffic"
  | "health-check live"
  | "dr-drill"
  | "cost-report"
  | "teardown";

/** The canary and watch each environment is released with on real AWS. */
export const RELEASE_SETTINGS: Record<Environment, SwitchSettings> = {
  dev: { watch: "30s", pollInterval: "10s" },
  staging: { canary: "10,50,100", interval: "60s", watch: "5m", pollInterval: "15s" },
  production: { canary: "10,25,50,100", interval: "120s", watch: "10m", pollInterval: "15s" },
};

const EMULATOR_HEALTH_INTERVAL = "200ms";

export function planRehearsal(env: Environment, emulator: boolean, teardown: boolean): RehearsalPlan {
  // On an emulator nothing real is at stake and no traffic flows: a short watch still proves the
  // alarm polling works, without making the rehearsal wait minutes.
  // Health checks on an emulator run the deployed zip in a local Lambda runner: a second between
  // attempts gives nothing time to warm up or drift, so they space their attempts 200 ms apart
  // (about 8 s less waiting over the rehearsal's three health checks).
  const healthSettings: HealthSettings = emulator ? { interval: EMULATOR_HEALTH_INTERVAL } : {};
  const switchSettings: SwitchSettings = emulator ? { watch: "3s", pollInterval: "1s", healthInterval: EMULATOR_HEALTH_INTERVAL } : RELEASE_SETTINGS[env];
  const steps: RehearsalStepName[] = ["deploy", ...(emulator ? (["seed sample stories"] as const) : []), "health-check idle", "switch-traffic", "health-check live", "dr-drill", "cost-report"];
  if (teardown) steps.push("teardown");
  return { env, emulator, switchSettings, healthSettings, teardown, steps };
}

export interface StepOutcome {
  name: RehearsalStepName;
  ok: boolean;
  seconds: number;
  detail: string;
  /** The exit code the step's command would have given on its own. */
  exitCode: number;
}

/** Pure: the rehearsal's exit code: 3 when the switch was rolled back, 1 on any other failure. */
export function rehearsalExitCode(steps: StepOutcome[]): number {
  const failed = steps.find((s) => !s.ok);
  if (!failed) return 0;
  return failed.exitCode === 3 || failed.exitCode === 130 ? failed.exitCode : 1;
}
