import { targetKey } from "../core/target.js";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isEmulatorTarget, type Target } from "../core/target.js";
import { type Environment } from "../core/environment.js";
import { awsProcessEnv } from "../aws/clients.js";
import { ConfigError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
import { stateObjectKey } from "../state/bootstrap-plan.js";
import { projectRoot } from "../core/version.js";
import { setupTerraform, type TerraformSetup } from "./discovery.js";
import type { TerraformCall } from "./runner.js";

/**
 * A workspace is where noveli runs terraform for one environment on one target:
 *   <stateDir>/workspaces/<target key>/<env>/
 *     terraform/        staged copy of the project's terraform/ tree (the env root inside it is run)
 *     data/             TF_DATA_DIR (providers, the initialised backend)
 *     plans/            saved plans
 *     emulator.s3.tfbackend  the S3 backend's endpoint options, emulator targets only
 * The state itself is never here: every target keeps it in the S3 backend, in the bucket
 * `noveli bootstrap` made for the account and region (emulators included, inside the emulator), so
 * a workspace can be deleted or copied at any time; the next run stages and initialises it again.
 */
export interface Workspace {
  env: Environment;
  target: Target;
  dir: string;
  /** The environment's root module inside the staged copy. */
  rootDir: string;
  /** Where the state lives: the S3 backend's bucket, key and region. */
  backend: { bucket: string; key: string; region: string };
  /** `-backend-config` arguments of `terraform init`. */
  backendConfig: string[];
  planDir: string;
  terraform: TerraformSetup;
  /** Environment for terraform processes. */
  processEnv: Record<string, string>;
}


export function workspaceDir(stateDir: string, target: Target, env: Environment): string {
  return path.join(stateDir, "workspaces", targetKey(target), env);
}

export interface PrepareWorkspaceOptions {
  stateDir: string;
  env: Environment;
  target: Target;
  reporter: Reporter;
  /** The account's state bucket and region (see src/state/account.ts). */
  account: { bucket: string; region: string };
  /** The terraform tree to stage; default: NOVELI_TERRAFORM_DIR, else the project's own terraform/. */
  terraformRoot?: string;
}

/** Pure: the backend options for an emulator target: its endpoint, path-style, no AWS-only checks. */
export function emulatorBackendConfig(endpointUrl: string): string {
  return [
    "# Written by noveli for an emulator target: the S3 backend inside the emulator.",
    `endpoints = { s3 = ${JSON.stringify(endpointUrl)} }`,
    "use_path_style              = true",
    "skip_credentials_validation = true",
    "skip_region_validation      = true",
    "skip_requesting_account_id  = true",
    "skip_metadata_api_check     = true",
    "",
  ].join("\n");
}

export function prepareWorkspace(options: PrepareWorkspaceOptions): Workspace {
  const { stateDir, env, target } = options;
  const source = path.resolve(options.terraformRoot ?? (process.env.NOVELI_TERRAFORM_DIR || path.join(projectRoot(), "terraform")));
  const envRoot = path.join(source, "environments", env);
  if (!existsSync(envRoot)) throw new ConfigError("terraform-missing-env", `no Terraform root for ${env} at ${envRoot}`);

  const dir = workspaceDir(stateDir, target, env);
  const staged = path.join(dir, "terraform");
  const rootDir = path.join(staged, "environments", env);
  const lockFile = path.join(rootDir, ".terraform.lock.hcl");
  const keptLock = existsSync(lockFile) ? readFileSync(lockFile) : undefined;
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(source, staged, {
    recursive: true,
    filter: (src) => !/(^|[\\/])(\.terraform|terraform\.tfstate(\.backup)?|\.terraform\.lock\.hcl)$/.test(src),
  });
  if (keptLock) writeFileSync(lockFile, keptLock);

  const backend = { bucket: options.account.bucket, key: stateObjectKey(env), region: options.account.region };
  const backendConfig = [`-backend-config=bucket=${backend.bucket}`, `-backend-config=key=${backend.key}`, `-backend-config=region=${backend.region}`];
  if (isEmulatorTarget(target)) {
    const file = path.join(dir, "emulator.s3.tfbackend");
    writeFileSync(file, emulatorBackendConfig(target.endpointUrl));
    backendConfig.push(`-backend-config=${file}`);
  }

  const terraform = setupTerraform(stateDir);
  const planDir = path.join(dir, "plans");
  mkdirSync(planDir, { recursive: true });
  return {
    env,
    target,
    dir,
    rootDir,
    backend,
    backendConfig,
    planDir,
    terraform,
    processEnv: { ...terraform.env, TF_DATA_DIR: path.join(dir, "data"), ...awsProcessEnv(target) },
  };
}

export function terraformCall(workspace: Workspace, reporter: Reporter, signal?: AbortSignal): TerraformCall {
  return { binary: workspace.terraform.binary, dir: workspace.rootDir, env: workspace.processEnv, reporter, ...(signal ? { signal } : {}) };
}
