import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Target } from "../aws/target.js";
import type { CommandContext } from "../context.js";
import { ConfigError } from "../errors.js";
import { readEmulatorRecord } from "../local/emulator.js";
import { parseOutputs, type EnvironmentOutputs } from "./outputs.js";
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
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as { outputs?: RawOutputs };
    const outputs = state.outputs ?? {};
    return Object.keys(outputs).length > 0 ? outputs : undefined;
  }
  const workspace = prepareWorkspace({ stateDir: ctx.stateDir, env, target, reporter: ctx.reporter });
  const call = terraformCall(workspace, ctx.reporter, ctx.signal);
  if (!isInitialised(workspace)) await terraformInit(call);
  const outputs = await terraformOutputJson(call);
  return Object.keys(outputs).length > 0 ? outputs : undefined;
}

function recordedInstance(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(dir, "target.json"), "utf8")) as { emulatorInstanceId?: string }).emulatorInstanceId;
  } catch {
    return undefined;
  }
}

/** The environment's identifiers from its Terraform outputs; a ConfigError when it is not deployed. */
export async function loadEnvironmentOutputs(ctx: CommandContext): Promise<EnvironmentOutputs> {
  const raw = await readRawOutputs(ctx);
  if (!raw) {
    const env = ctx.environment();
    const flags = ctx.globals.local ? " --local" : ctx.globals.endpointUrl ? " --endpoint-url <url>" : "";
    throw new ConfigError("not-deployed", `environment ${env} is not deployed on this target`, {
      hint: `deploy it first: noveli deploy --env ${env}${flags}`,
    });
  }
  return parseOutputs(raw);
}
