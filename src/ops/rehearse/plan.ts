import type { Environment } from "../../aws/target.js";

/**
 * Pure: the runbook a rehearsal runs, per environment and target. Emulator targets cannot run
 * API Gateway canaries (moto ignores canary settings), so they switch all at once.
 */
export interface SwitchSettings {
  canary?: string;
  interval?: string;
  watch?: string;
  pollInterval?: string;
}

export interface RehearsalPlan {
  env: Environment;
  emulator: boolean;
  switchSettings: SwitchSettings;
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

export function planRehearsal(env: Environment, emulator: boolean, teardown: boolean): RehearsalPlan {
  // On an emulator nothing real is at stake and no traffic flows: a short watch still proves the
  // alarm polling works, without making the rehearsal wait minutes.
  const switchSettings: SwitchSettings = emulator ? { watch: "3s", pollInterval: "1s" } : RELEASE_SETTINGS[env];
  const steps: RehearsalStepName[] = ["deploy", ...(emulator ? (["seed sample stories"] as const) : []), "health-check idle", "switch-traffic", "health-check live", "dr-drill", "cost-report"];
  if (teardown) steps.push("teardown");
  return { env, emulator, switchSettings, teardown, steps };
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
