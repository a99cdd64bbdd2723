import { targetKey } from "../core/target.js";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type BigIntStats } from "node:fs";
import path from "node:path";
import { isEmulatorTarget, type Target } from "../core/target.js";
import { type Environment } from "../core/environment.js";
import { awsProcessEnv } from "../aws/clients.js";
import { ConfigError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
import { stateObjectKey } from "../state/bootstrap-plan.js";
import { projectRoot } from "../core/version.js";
import { goRuntimeEnv, setupTerraform, type TerraformSetup } from "./discovery.js";
import type { TerraformCall } from "./runner.js";
import { writeFileAtomically } from "../system/files.js";

/**
 * A workspace is where noveli runs terraform for one environment on one target:
 *   <stateDir>/workspaces/<target key>/<env>/
 *     terraform/        staged copy of the project's terraform/ tree (the env root inside it is run)
 *     data/             TF_DATA_DIR (providers, the initialised backend)
 *     plans/            saved plans
 *     emulator.s3.tfbackend  the S3 backend's endpoint options, emulator targets only
 *     init.fingerprint  what the last successful `terraform init` was run with (see initFingerprint)
 *     init.lock.hcl     emulator targets: the dependency lock file as init wrote it (see trustVerifiedProviders)
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
  const lockFile = path.join(rootDir, LOCK_FILE);
  // The lock file with its checksums: an emulator's plan and apply ran with a copy without them.
  const keptLock = [verifiedLockFile(dir), lockFile].filter((file) => existsSync(file)).map((file) => readFileSync(file))[0];
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
    processEnv: { ...terraform.env, ...goRuntimeEnv(), TF_DATA_DIR: path.join(dir, "data"), ...awsProcessEnv(target) },
  };
}

const LOCK_FILE = ".terraform.lock.hcl";

function verifiedLockFile(dir: string): string {
  return path.join(dir, "init.lock.hcl");
}

/** Pure: a dependency lock file without its `hashes` lists (provider versions and constraints kept). */
export function withoutLockHashes(lock: string): string {
  return lock.replace(/^[ \t]*hashes[ \t]*=[ \t]*\[[^\]]*\][ \t]*\r?\n/gm, "");
}

/**
 * Emulator targets, once init has run or was found current: plan, apply and destroy run with a lock
 * file that names no checksums, so terraform does not read and hash the whole provider again (the
 * hashicorp/aws provider is a 675 MB binary: about 0.5 s of every terraform process). init checks the
 * provider against the checksums, and the lock file with them is kept beside the workspace and staged
 * again for the next init. The init fingerprint holds each provider file's identity (device, inode,
 * size, modification and change times), so a provider changed in any way since that check makes the
 * next deploy run init, which checks it again. Real AWS targets keep terraform's check at every run.
 */
export function trustVerifiedProviders(workspace: Pick<Workspace, "target" | "dir" | "rootDir">): void {
  if (!isEmulatorTarget(workspace.target)) return;
  const lockFile = path.join(workspace.rootDir, LOCK_FILE);
  if (!existsSync(lockFile)) return;
  const lock = readFileSync(lockFile, "utf8");
  const stripped = withoutLockHashes(lock);
  if (stripped === lock) return;
  writeFileAtomically(verifiedLockFile(workspace.dir), lock);
  writeFileAtomically(lockFile, stripped);
}

export function terraformCall(workspace: Workspace, reporter: Reporter, signal?: AbortSignal): TerraformCall {
  return { binary: workspace.terraform.binary, dir: workspace.rootDir, env: workspace.processEnv, reporter, ...(signal ? { signal } : {}) };
}

/**
 * What a `terraform init` of this workspace depends on, as one hash: the terraform binary, noveli's
 * CLI config (the provider mirror), the backend options (bucket, key, region, an emulator's
 * endpoint), every file of the staged tree (module calls, required providers) and the dependency
 * lock file. When the last successful init was run with the same fingerprint and its data folder is
 * still there, running it again would change nothing, so deploy skips it. Any difference (another
 * emulator port, another account's bucket, an edited .tf file, a new provider mirror) runs init.
 */
export function initFingerprint(workspace: Pick<Workspace, "rootDir" | "backendConfig" | "terraform" | "processEnv">): string {
  const hash = createHash("sha256");
  const add = (label: string, value: string | Buffer) => hash.update(`${label}\0`).update(value).update("\0");
  const binary = statSync(workspace.terraform.binary);
  add("binary", `${workspace.terraform.binary}:${binary.size}:${binary.mtimeMs}`);
  const cliConfig = workspace.processEnv.TF_CLI_CONFIG_FILE;
  add("cli-config", cliConfig && existsSync(cliConfig) ? readFileSync(cliConfig) : "");
  for (const argument of workspace.backendConfig) {
    add("backend", argument);
    // A -backend-config file: its content counts, not its name.
    const file = argument.startsWith("-backend-config=") ? argument.slice("-backend-config=".length) : "";
    if (file !== "" && path.isAbsolute(file) && existsSync(file)) add("backend-file", readFileSync(file));
  }
  add("data-dir", workspace.processEnv.TF_DATA_DIR ?? "");
  // The installed providers as they were when init checked them (an emulator's plan and apply do not check them again).
  const providers = path.join(workspace.processEnv.TF_DATA_DIR ?? "", "providers");
  if (workspace.processEnv.TF_DATA_DIR && existsSync(providers)) {
    for (const [name, file] of fileIdentities(providers)) add(`provider:${name}`, `${file.dev}:${file.ino}:${file.size}:${file.mtimeNs}:${file.ctimeNs}`);
  }
  const staged = path.resolve(workspace.rootDir, "..", "..");
  for (const file of listFiles(staged)) add(path.relative(staged, file), readFileSync(file));
  return hash.digest("hex");
}

/** Every file under a folder, sorted; terraform's own folders and noveli's output files left out. */
function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === ".terraform" || entry.name === ".noveli-output") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/** Every file under a folder, symbolic links followed (terraform links a mirror's providers), with its stat. */
function fileIdentities(dir: string, base = dir): [string, BigIntStats][] {
  const files: [string, BigIntStats][] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const stat = statSync(full, { bigint: true });
    if (stat.isDirectory()) files.push(...fileIdentities(full, base));
    else files.push([path.relative(base, full), stat]);
  }
  return files;
}

function fingerprintFile(workspace: Pick<Workspace, "dir">): string {
  return path.join(workspace.dir, "init.fingerprint");
}

/** Whether the last successful init ran with this same fingerprint and left its data folder (the initialised backend, providers, modules). */
export function initialisedAsBefore(workspace: Workspace): boolean {
  const dataDir = workspace.processEnv.TF_DATA_DIR;
  if (!dataDir || !["terraform.tfstate", "providers", path.join("modules", "modules.json")].every((entry) => existsSync(path.join(dataDir, entry)))) return false;
  try {
    return readFileSync(fingerprintFile(workspace), "utf8").trim() === initFingerprint(workspace);
  } catch {
    return false;
  }
}

/** After a successful init: its fingerprint, for the next deploy to compare (a cache: losing it only means init runs again). */
export function recordInitialised(workspace: Workspace): void {
  try {
    writeFileSync(fingerprintFile(workspace), `${initFingerprint(workspace)}\n`);
  } catch {
    /* the next deploy runs init again */
  }
}

/** Before an init: a fingerprint left from an earlier one no longer holds (the init may fail half-way). */
export function forgetInitialised(workspace: Workspace): void {
  rmSync(fingerprintFile(workspace), { force: true });
}
