import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Environment, Target } from "../aws/target.js";
import { awsProcessEnv } from "../aws/clients.js";
import { ConfigError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
import { projectRoot } from "../state/paths.js";
import { setupTerraform, type TerraformSetup } from "./discovery.js";
import type { TerraformCall } from "./runner.js";

/**
 * A workspace is where noveli runs terraform for one environment on one target:
 *   <stateDir>/workspaces/<target key>/<env>/
 *     terraform/        staged copy of the project's terraform/ tree (the env root inside it is run)
 *     terraform.tfstate local state, emulator targets only (real targets use the S3 backend)
 *     data/             TF_DATA_DIR (providers, backend config)
 *     plans/            saved plans
 *     target.json       which emulator instance the local state belongs to
 * Staging a copy lets emulator targets swap the S3 backend for a local one without touching the
 * project's files, and keeps terraform's lock file and data out of the repository.
 */
export interface Workspace {
  env: Environment;
  target: Target;
  dir: string;
  /** The environment's root module inside the staged copy. */
  rootDir: string;
  backend: "local" | "s3";
  stateFile?: string;
  planDir: string;
  terraform: TerraformSetup;
  /** Environment for terraform processes. */
  processEnv: Record<string, string>;
}

/** Pure: a folder name for a target; emulator state never mixes with real state. */
export function targetKey(target: Target): string {
  switch (target.kind) {
    case "local":
      return "local";
    case "endpoint": {
      const url = new URL(target.endpointUrl);
      return `endpoint-${url.hostname}-${url.port || (url.protocol === "https:" ? "443" : "80")}`.replace(/[^A-Za-z0-9._-]/g, "_");
    }
    case "aws":
      return `aws-${target.region ?? "default-region"}-${target.profile ?? "default-profile"}`.replace(/[^A-Za-z0-9._-]/g, "_");
  }
}

export function workspaceDir(stateDir: string, target: Target, env: Environment): string {
  return path.join(stateDir, "workspaces", targetKey(target), env);
}

export interface PrepareWorkspaceOptions {
  stateDir: string;
  env: Environment;
  target: Target;
  reporter: Reporter;
  /** The emulator instance the target belongs to (local target): state from another instance is stale. */
  emulatorInstanceId?: string;
  /** The terraform tree to stage; default: NOVELI_TERRAFORM_DIR, else the project's own terraform/. */
  terraformRoot?: string;
}

export function prepareWorkspace(options: PrepareWorkspaceOptions): Workspace {
  const { stateDir, env, target, reporter } = options;
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

  const emulator = target.kind !== "aws";
  const stateFile = emulator ? path.join(dir, "terraform.tfstate") : undefined;
  if (stateFile) {
    // Emulator targets: local state, never a remote backend.
    writeFileSync(
      path.join(rootDir, "backend.tf"),
      `# Staged by noveli for an emulator target: local state instead of the S3 backend.\nterraform {\n  backend "local" {\n    path = ${JSON.stringify(stateFile)}\n  }\n}\n`,
    );
    retireStaleState(dir, stateFile, options.emulatorInstanceId, reporter);
  }

  const terraform = setupTerraform(stateDir);
  const planDir = path.join(dir, "plans");
  mkdirSync(planDir, { recursive: true });
  return {
    env,
    target,
    dir,
    rootDir,
    backend: emulator ? "local" : "s3",
    ...(stateFile ? { stateFile } : {}),
    planDir,
    terraform,
    processEnv: { ...terraform.env, TF_DATA_DIR: path.join(dir, "data"), ...awsProcessEnv(target) },
  };
}

/**
 * The embedded emulator keeps everything in memory: after a restart its resources are gone, and
 * local state from the previous instance describes nothing. That state is moved aside (never
 * deleted) so the next plan starts clean.
 */
function retireStaleState(dir: string, stateFile: string, instanceId: string | undefined, reporter: Reporter): void {
  const markerFile = path.join(dir, "target.json");
  if (instanceId === undefined) return;
  let recorded: string | undefined;
  try {
    recorded = (JSON.parse(readFileSync(markerFile, "utf8")) as { emulatorInstanceId?: string }).emulatorInstanceId;
  } catch {
    recorded = undefined;
  }
  if (recorded !== undefined && recorded !== instanceId && existsSync(stateFile)) {
    const aside = `${stateFile}.stale-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(stateFile, aside);
    reporter.warn(`the local emulator was restarted since the last deploy: its old state was moved to ${aside}`);
  }
  writeFileSync(markerFile, `${JSON.stringify({ emulatorInstanceId: instanceId }, null, 2)}\n`);
}

export function terraformCall(workspace: Workspace, reporter: Reporter, signal?: AbortSignal): TerraformCall {
  return { binary: workspace.terraform.binary, dir: workspace.rootDir, env: workspace.processEnv, reporter, ...(signal ? { signal } : {}) };
}

/** Whether terraform has already been initialised in this workspace. */
export function isInitialised(workspace: Workspace): boolean {
  return existsSync(path.join(workspace.processEnv.TF_DATA_DIR ?? "", "terraform.tfstate")) || existsSync(path.join(workspace.processEnv.TF_DATA_DIR ?? "", "providers"));
}
