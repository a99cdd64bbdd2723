import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Target } from "../aws/target.js";
import type { CommandContext } from "../context.js";
import { ConfigError } from "../errors.js";
import { readEmulatorRecord } from "../local/emulator.js";
import { inspectOutputs, type EnvironmentOutputs, type OutputsInspection } from "./outputs.js";
import { isInitialised, prepareWorkspace, terraformCall, workspaceDir } from "./workspace.js";
import { terraformInit, terraformOutputJson } from "./runner.js";

type RawOutputs = Record<string, { value: unknown } | undefined>;

/** The emulator instance a local target runs on, when it is the embedded one. */
export function emulatorInstanceId(ctx: Pick<CommandContext, "stateDir">, target: Target): string | undefined {
  return target.kind === "local" ? readEmulatorRecord(ctx.stateDir)?.instanceId : undefined;
}

/**
 * The raw outputs of the environment's Terraform state, or undefined when it has never been
 * deployed on this target. Emulator targets read their local state file directly (no terraform
 * process); real targets ask terraform, which reads the S3 backend.
 */
export async function readRawOutputs(ctx: CommandContext): Promise<RawOutputs | undefined> {
  const target = await ctx.target();
  const env = ctx.environment();
  if (target.kind !== "aws") {
    const dir = workspaceDir(ctx.stateDir, target, env);
    const stateFile = path.join(dir, "terraform.tfstate");
    if (!existsSync(stateFile)) return undefined;
    const instance = emulatorInstanceId(ctx, target);
    if (instance !== undefined && recordedInstance(dir) !== instance) return undefined; // emulator restarted since
    const state = readLocalState(stateFile);
    const outputs = state.outputs ?? {};
    return Object.keys(outputs).length > 0 ? outputs : undefined;
  }
  const workspace = prepareWorkspace({ stateDir: ctx.stateDir, env, target, reporter: ctx.reporter });
  const call = terraformCall(workspace, ctx.reporter, ctx.signal);
  if (!isInitialised(workspace)) await terraformInit(call);
  const outputs = await terraformOutputJson(call);
  return Object.keys(outputs).length > 0 ? outputs : undefined;
}

/** The local state file, or a one-line ConfigError naming it when it is cut off or not a state. */
function readLocalState(stateFile: string): { outputs?: RawOutputs } {
  let text: string;
  try {
    text = readFileSync(stateFile, "utf8");
  } catch (error) {
    throw new ConfigError("state-unreadable", `cannot read the Terraform state ${stateFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: "check the permissions of the state dir (NOVELI_STATE_DIR)",
    });
  }
  const backup = `${stateFile}.backup`;
  const hint = existsSync(backup)
    ? `terraform's copy from before its last write is ${backup}: check it and move it into place, then run noveli deploy`
    : "terraform was stopped while writing it; restore it from a copy, or move it aside and redeploy into an emulator without this environment";
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw new ConfigError("state-corrupt", `the Terraform state ${stateFile} is not valid JSON (${text.trim() === "" ? "empty" : (error as Error).message}): it was cut off or overwritten`, { hint });
  }
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new ConfigError("state-corrupt", `the Terraform state ${stateFile} is not a Terraform state (it holds ${JSON.stringify(state).slice(0, 40)})`, { hint });
  }
  const outputs = (state as { outputs?: unknown }).outputs;
  return outputs !== undefined && (typeof outputs !== "object" || outputs === null) ? {} : (state as { outputs?: RawOutputs });
}

function recordedInstance(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(dir, "target.json"), "utf8")) as { emulatorInstanceId?: string }).emulatorInstanceId;
  } catch {
    return undefined;
  }
}

/**
 * The environment's identifiers from its Terraform outputs; a ConfigError when it is not deployed,
 * or deployed in part (an apply that stopped before it finished: `noveli deploy` completes it).
 */
export async function loadEnvironmentOutputs(ctx: CommandContext): Promise<EnvironmentOutputs> {
  const raw = await readRawOutputs(ctx);
  const env = ctx.environment();
  const flags = ctx.globals.local ? " --local" : ctx.globals.endpointUrl ? " --endpoint-url <url>" : "";
  if (!raw) {
    throw new ConfigError("not-deployed", `environment ${env} is not deployed on this target`, {
      hint: `deploy it first: noveli deploy --env ${env}${flags}`,
    });
  }
  const inspected = inspectOutputs(raw);
  if (inspected.kind === "partial") throw deployedInPart(env, inspected, flags);
  return inspected.outputs;
}

export function deployedInPart(env: string, inspected: Extract<OutputsInspection, { kind: "partial" }>, flags = ""): ConfigError {
  return new ConfigError(
    "deployed-in-part",
    `environment ${env} is deployed in part: a deploy stopped before it finished (${inspected.present} of ${inspected.required} outputs recorded; missing ${inspected.missing.slice(0, 4).join(", ")}${inspected.missing.length > 4 ? ", ..." : ""})`,
    {
      hint: `noveli deploy --env ${env}${flags} completes it`,
      details: { state: "deployed-in-part", missing: inspected.missing, present: inspected.present, required: inspected.required },
    },
  );
}
