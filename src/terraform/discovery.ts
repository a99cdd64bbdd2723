import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { ConfigError } from "../errors.js";
import { which } from "../system/which.js";

/**
 * Finds terraform and a provider mirror on this machine, and writes noveli's own Terraform CLI
 * config (TF_CLI_CONFIG_FILE) so terraform installs providers from that mirror when there is one
 * and from the registry otherwise. Nothing here is a fixed machine path: mirrors are discovered.
 */

const TERRAFORM_INSTALL_HINT =
  "install Terraform 1.10 or newer (HashiCorp's release zip or your OS package manager) and put it on PATH, or set NOVELI_TERRAFORM to its path";

export function findTerraform(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.NOVELI_TERRAFORM;
  const found = which(configured && configured !== "" ? configured : "terraform", env);
  if (!found) {
    throw new ConfigError(
      "terraform-missing",
      configured ? `NOVELI_TERRAFORM=${configured} is not an executable` : "terraform is not installed (not found on PATH)",
      { hint: TERRAFORM_INSTALL_HINT },
    );
  }
  return found;
}

/** Terraform's platform name for this machine, e.g. linux_amd64. */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const archName: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" };
  return `${platform === "win32" ? "windows" : platform}_${archName[arch] ?? arch}`;
}

export interface MirroredProvider {
  /** e.g. registry.terraform.io/hashicorp/aws */
  source: string;
  versions: string[];
}

export interface ProviderMirror {
  dir: string;
  providers: MirroredProvider[];
  /** How it was found, for --verbose and `noveli local status`. */
  foundBy: string;
}

/**
 * The providers a directory mirrors for this platform, in either of Terraform's mirror layouts:
 * unpacked (HOST/NS/TYPE/VERSION/PLATFORM/) or packed (HOST/NS/TYPE/terraform-provider-TYPE_VERSION_PLATFORM.zip).
 */
export function mirroredProviders(dir: string, platform = terraformPlatform()): MirroredProvider[] {
  const found: MirroredProvider[] = [];
  for (const host of listDirs(dir)) {
    if (!host.includes(".")) continue; // hostnames only, skips unrelated folders
    for (const namespace of listDirs(path.join(dir, host))) {
      for (const type of listDirs(path.join(dir, host, namespace))) {
        const typeDir = path.join(dir, host, namespace, type);
        const versions = new Set<string>();
        for (const entry of safeReaddir(typeDir)) {
          const full = path.join(typeDir, entry);
          if (isDir(full) && isDir(path.join(full, platform))) versions.add(entry);
          const packed = new RegExp(`^terraform-provider-${escape(type)}_(.+)_${escape(platform)}\\.zip$`).exec(entry);
          if (packed?.[1]) versions.add(packed[1]);
        }
        if (versions.size > 0) found.push({ source: `${host}/${namespace}/${type}`, versions: [...versions].sort() });
      }
    }
  }
  return found;
}

export interface MirrorSearch {
  env?: NodeJS.ProcessEnv;
  home?: string;
  platform?: string;
  /** Roots whose immediate subfolders are looked at too (FHS locations for add-on software). */
  scanRoots?: string[];
}

/** Candidate mirror folders in the order they are tried, each with how it was found. */
export function mirrorCandidates(search: MirrorSearch = {}): { dir: string; foundBy: string }[] {
  const env = search.env ?? process.env;
  const home = search.home ?? homedir();
  const candidates: { dir: string; foundBy: string }[] = [];
  const add = (dir: string | undefined, foundBy: string) => {
    if (dir && dir !== "" && !candidates.some((c) => c.dir === path.resolve(dir))) candidates.push({ dir: path.resolve(dir), foundBy });
  };
  // Terraform's own implied local mirror folders.
  add(path.join(home, ".terraform.d", "plugins"), "terraform's implied mirror in the home folder");
  add(path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "terraform", "plugins"), "XDG_DATA_HOME");
  for (const dataDir of (env.XDG_DATA_DIRS || "/usr/local/share:/usr/share").split(":")) {
    add(path.join(dataDir, "terraform", "plugins"), "XDG_DATA_DIRS");
  }
  // Mirrors named by the user's own Terraform CLI config.
  for (const configFile of [env.TF_CLI_CONFIG_FILE, path.join(home, ".terraformrc")]) {
    if (!configFile || !existsSync(configFile)) continue;
    for (const dir of filesystemMirrorPaths(readFileSync(configFile, "utf8"))) add(dir, `filesystem_mirror in ${configFile}`);
  }
  // Machine images often unpack a mirror under an add-on software root: look one level down.
  for (const root of search.scanRoots ?? ["/opt", "/usr/local/share", "/usr/local/lib", "/srv"]) {
    for (const child of listDirs(root)) add(path.join(root, child), `scan of ${root}`);
  }
  return candidates;
}

/** The `path` of every filesystem_mirror block in a Terraform CLI config (HCL). */
export function filesystemMirrorPaths(cliConfig: string): string[] {
  const paths: string[] = [];
  const block = /filesystem_mirror\s*\{([^}]*)\}/g;
  for (let m = block.exec(cliConfig); m; m = block.exec(cliConfig)) {
    const p = /path\s*=\s*"([^"]+)"/.exec(m[1] ?? "");
    if (p?.[1]) paths.push(p[1]);
  }
  return paths;
}

/**
 * The first candidate that mirrors the providers we need. NOVELI_TF_PROVIDER_MIRROR names one
 * explicitly (and must hold them); NOVELI_TF_PROVIDER_MIRROR=none turns mirrors off.
 */
export function findProviderMirror(required: string[], search: MirrorSearch = {}): ProviderMirror | undefined {
  const env = search.env ?? process.env;
  const platform = search.platform ?? terraformPlatform();
  const explicit = env.NOVELI_TF_PROVIDER_MIRROR;
  if (explicit === "none") return undefined;
  const covers = (providers: MirroredProvider[]) => required.every((source) => providers.some((p) => p.source === source));
  if (explicit && explicit !== "") {
    const providers = mirroredProviders(explicit, platform);
    if (!covers(providers)) {
      throw new ConfigError("terraform-mirror", `NOVELI_TF_PROVIDER_MIRROR=${explicit} does not mirror ${required.join(", ")} for ${platform}`);
    }
    return { dir: path.resolve(explicit), providers, foundBy: "NOVELI_TF_PROVIDER_MIRROR" };
  }
  for (const candidate of mirrorCandidates(search)) {
    const providers = mirroredProviders(candidate.dir, platform);
    if (providers.length > 0 && covers(providers)) return { ...candidate, providers };
  }
  return undefined;
}

/** Pure: the text of noveli's Terraform CLI config. */
export function renderCliConfig(mirror: ProviderMirror | undefined): string {
  const header = "# Written by noveli at run time; do not edit. Regenerated on every terraform run.\n";
  if (!mirror) return `${header}provider_installation {\n  direct {}\n}\n`;
  const sources = mirror.providers.map((p) => JSON.stringify(p.source)).join(", ");
  return (
    `${header}# Providers mirrored at ${mirror.dir} (${mirror.foundBy}) install from there; all others from their registry.\n` +
    `provider_installation {\n` +
    `  filesystem_mirror {\n    path    = ${JSON.stringify(mirror.dir)}\n    include = [${sources}]\n  }\n` +
    `  direct {\n    exclude = [${sources}]\n  }\n` +
    `}\n`
  );
}

/** Providers the project's Terraform needs. */
export const REQUIRED_PROVIDERS = ["registry.terraform.io/hashicorp/aws"];

export interface TerraformSetup {
  binary: string;
  cliConfigFile: string;
  mirror: ProviderMirror | undefined;
  /** Environment for every terraform process noveli runs. */
  env: Record<string, string>;
}

export function setupTerraform(stateDir: string, env: NodeJS.ProcessEnv = process.env): TerraformSetup {
  const binary = findTerraform(env);
  const mirror = findProviderMirror(REQUIRED_PROVIDERS, { env });
  const dir = path.join(stateDir, "terraform");
  mkdirSync(dir, { recursive: true });
  const cliConfigFile = path.join(dir, "cli-config.tfrc");
  writeFileSync(cliConfigFile, renderCliConfig(mirror));
  return {
    binary,
    cliConfigFile,
    mirror,
    env: { TF_CLI_CONFIG_FILE: cliConfigFile, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" },
  };
}

/**
 * The Go runtime setting of the terraform processes noveli runs (terraform and its providers
 * inherit it): GOGC=400 lets the heap grow to five times what is live before collecting, instead of
 * twice. Loading and decoding the AWS provider's schema allocates heavily; this costs about a fifth
 * less CPU per plan (measured: 15.3 to 12.6 s of CPU for the dev plan) for some 30 % more peak
 * memory (560 to 730 MB). It changes no request terraform makes. An operator's own GOGC or
 * GOMEMLIMIT is kept as it is.
 */
export function goRuntimeEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.GOGC !== undefined || env.GOMEMLIMIT !== undefined ? {} : { GOGC: "400" };
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listDirs(dir: string): string[] {
  return safeReaddir(dir).filter((entry) => isDir(path.join(dir, entry)));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
