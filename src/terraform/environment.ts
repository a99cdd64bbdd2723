import type { Environment } from "../core/environment.js";
import type { Target } from "../core/target.js";
import type { CommandContext } from "../context.js";
import { ConfigError } from "../errors.js";
import { getObjectText, getObjectTextStart, type S3Client } from "../aws/s3.js";
import { readEmulatorRecord } from "../local/emulator.js";
import { openAccount, s3ClientFor, withCheckedAccount, type AccountResources } from "../state/account.js";
import { stateObjectKey } from "../state/bootstrap-plan.js";
import { inspectOutputs, type EnvironmentOutputs, type OutputsInspection, type RawOutputs } from "./outputs.js";
import { outputsFromStatePrefix } from "./state-prefix.js";

/**
 * How much of the state object a read of its outputs fetches first: they come before the
 * resources (state-prefix.ts) and take a few kilobytes, while a whole state takes hundreds.
 */
const OUTPUTS_READ_BYTES = 64 * 1024;

/** The emulator instance a local target runs on, when it is the embedded one. */
export function emulatorInstanceId(ctx: Pick<CommandContext, "stateDir">, target: Target): string | undefined {
  return target.kind === "local" ? readEmulatorRecord(ctx.stateDir)?.instanceId : undefined;
}

/** A read of the environment's state object, with an S3 client of its own for the account's region. */
async function onStateObject<T>(target: Target, account: AccountResources, env: string, read: (s3: S3Client, bucket: string, key: string) => Promise<T>): Promise<T> {
  const s3 = s3ClientFor(target, account.region);
  try {
    return await read(s3, account.bucket, stateObjectKey(env));
  } finally {
    s3.destroy();
  }
}

/** The environment's Terraform state object, as text; undefined when it was never deployed. */
export async function readStateObject(target: Target, account: AccountResources, env: string, signal?: AbortSignal): Promise<string | undefined> {
  return onStateObject(target, account, env, (s3, bucket, key) => getObjectText(s3, bucket, key, signal));
}

/**
 * The first `startBytes` bytes of the state object, and whether they are all of it, read on the
 * account's names without a bootstrap check first: a read that answers proves the bucket. A read
 * that fails, and a missing object (S3 answers the same for a missing bucket), have the account
 * checked (withCheckedAccount): the not-bootstrapped error, or an emulator bootstrapped implicitly,
 * and the object read once more.
 */
async function readCheckedStateObject(
  ctx: CommandContext,
  target: Target,
  env: Environment,
  startBytes: number,
): Promise<{ account: AccountResources; read: { text: string; complete: boolean } | undefined }> {
  const input = { target, env, reporter: ctx.reporter, signal: ctx.signal, stateDir: ctx.stateDir };
  const readStart = (account: AccountResources) => onStateObject(target, account, env, (s3, bucket, key) => getObjectTextStart(s3, bucket, key, startBytes, ctx.signal));
  const first = await withCheckedAccount(input, async (account) => ({ account, read: await readStart(account) }));
  if (first.read !== undefined) return first;
  const account = await openAccount(input);
  return { account, read: await readStart(account) };
}

/**
 * The raw outputs of the environment's Terraform state (empty when an apply stopped before it
 * recorded any), or undefined when it has never been deployed on this target. Read straight from
 * the state object in the account's bucket (no terraform process), the same on every target and
 * from every machine.
 */
export async function readRawOutputs(ctx: CommandContext): Promise<RawOutputs | undefined> {
  const target = await ctx.target();
  const env = ctx.environment();
  const { account, read } = await readCheckedStateObject(ctx, target, env, OUTPUTS_READ_BYTES);
  if (read === undefined) return undefined;
  if (!read.complete) {
    const outputs = outputsFromStatePrefix(read.text);
    if (outputs) return outputs;
  }
  // The whole object: it was small enough, or its beginning did not settle the outputs.
  const text = read.complete ? read.text : await readStateObject(target, account, env, ctx.signal);
  if (text === undefined) return undefined;
  const where = `s3://${account.bucket}/${stateObjectKey(env)}`;
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw new ConfigError("state-corrupt", `the Terraform state ${where} is not valid JSON (${text.trim() === "" ? "empty" : (error as Error).message})`, {
      hint: "the bucket is versioned: restore the previous version of the object, then run noveli deploy",
    });
  }
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new ConfigError("state-corrupt", `the Terraform state ${where} is not a Terraform state`, { hint: "the bucket is versioned: restore the previous version of the object" });
  }
  return stateOutputs(state);
}

/**
 * Pure: the root outputs a Terraform state records; empty when it records resources and no
 * outputs (a first apply that stopped before its outputs were known, see inspectOutputs: deployed
 * in part); undefined when it records neither (never deployed, or torn down).
 */
export function stateOutputs(state: object): RawOutputs | undefined {
  const outputs = (state as { outputs?: unknown }).outputs;
  const raw = outputs !== undefined && typeof outputs === "object" && outputs !== null ? (outputs as RawOutputs) : {};
  if (Object.keys(raw).length > 0) return raw;
  return holdsResources(state) ? {} : undefined;
}

/** Whether a Terraform state records any managed resource instance (data sources aside). */
function holdsResources(state: object): boolean {
  const resources = (state as { resources?: unknown }).resources;
  return (
    Array.isArray(resources) &&
    resources.some((resource: { mode?: unknown; instances?: unknown }) => resource?.mode === "managed" && Array.isArray(resource.instances) && resource.instances.length > 0)
  );
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
