import { parse } from "@cdktf/hcl2json";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ConfigError, UsageError } from "../errors.js";

/**
 * Reads a Terraform tree of noveli's layout (modules/<name>/, environments/<env>/) with
 * @cdktf/hcl2json, one file at a time so that every block keeps its file and line.
 */

export interface TerraformFile {
  /** Absolute path. */
  path: string;
  /** Path shown in findings: relative to the working directory when inside it. */
  display: string;
  text: string;
}

export interface RawBlock {
  file: TerraformFile;
  line: number;
  body: Record<string, unknown>;
}

export interface RawResource extends RawBlock {
  mode: "resource" | "data";
  type: string;
  name: string;
}

export interface RawModuleCall extends RawBlock {
  name: string;
  source: string;
}

export interface RawProvider extends RawBlock {
  name: string;
}

export interface RawBackend extends RawBlock {
  type: string;
}

/** One directory of .tf files. */
export interface ModuleSource {
  dir: string;
  display: string;
  files: TerraformFile[];
  resources: RawResource[];
  variables: Map<string, RawBlock>;
  locals: Map<string, { raw: unknown; file: TerraformFile; line: number }>;
  moduleCalls: RawModuleCall[];
  providers: RawProvider[];
  backends: RawBackend[];
  /** Variable values from terraform.tfvars(.json) and *.auto.tfvars(.json), in Terraform's order. */
  variableFiles: { file: TerraformFile; values: Record<string, unknown> }[];
}

export interface EnvironmentRoot {
  name: string;
  root: ModuleSource;
}

export interface TerraformTree {
  dir: string;
  display: string;
  /** Every module under modules/. */
  modules: ModuleSource[];
  /** Every environment under environments/. */
  environments: EnvironmentRoot[];
  /** Loads (once) a module directory referenced by a module call. */
  loadModule(dir: string): Promise<ModuleSource>;
}

export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative.split(path.sep).join("/") : file;
}

/** 1-based line of the first match at or after `fromLine`, else `fallback`. */
export function lineOf(text: string, pattern: RegExp, fromLine = 1, fallback = 1): number {
  const lines = text.split("\n");
  for (let i = Math.max(0, fromLine - 1); i < lines.length; i += 1) {
    if (pattern.test(lines[i] as string)) return i + 1;
  }
  return fallback;
}

function quoted(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Line of the attribute `name = ...` inside the block starting at `blockLine`. */
export function attributeLine(file: TerraformFile, blockLine: number, name: string): number {
  const lines = file.text.split("\n");
  const pattern = new RegExp(`^\\s*${quoted(name)}\\s*=`);
  for (let i = blockLine; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.startsWith("}")) break; // end of the top-level block
    if (pattern.test(line)) return i + 1;
  }
  return blockLine;
}

async function parseFile(file: TerraformFile): Promise<Record<string, unknown>> {
  try {
    return (await parse(file.path, file.text)) as Record<string, unknown>;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^Error:\s*/, "").replace(/^parse config:\s*/, "").split("\n")[0];
    throw new ConfigError("terraform-parse", `cannot parse ${file.display}: ${reason}`, { hint: "run `terraform fmt` or `terraform validate` on it to see the syntax error" });
  }
}

function asBlocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null);
  return typeof value === "object" && value !== null ? [value as Record<string, unknown>] : [];
}

/** Reads every .tf file of one directory. */
export async function loadModuleSource(dir: string, cwd: string): Promise<ModuleSource> {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith(".tf"))
    .sort();
  const module: ModuleSource = {
    dir,
    display: displayPath(dir, cwd),
    files: [],
    resources: [],
    variables: new Map(),
    locals: new Map(),
    moduleCalls: [],
    providers: [],
    backends: [],
    variableFiles: [],
  };
  for (const name of variableFileNames(dir)) {
    const absolute = path.join(dir, name);
    const file: TerraformFile = { path: absolute, display: displayPath(absolute, cwd), text: readFileSync(absolute, "utf8") };
    let values: Record<string, unknown>;
    if (name.endsWith(".json")) {
      try {
        values = JSON.parse(file.text) as Record<string, unknown>;
      } catch (error) {
        throw new ConfigError("terraform-parse", `cannot parse ${file.display}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else {
      values = await parseFile(file);
    }
    module.variableFiles.push({ file, values });
  }
  for (const name of names) {
    const absolute = path.join(dir, name);
    const file: TerraformFile = { path: absolute, display: displayPath(absolute, cwd), text: readFileSync(absolute, "utf8") };
    module.files.push(file);
    const json = await parseFile(file);

    for (const mode of ["resource", "data"] as const) {
      const byType = (json[mode] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [type, byName] of Object.entries(byType)) {
        for (const [resourceName, bodies] of Object.entries(byName)) {
          const line = lineOf(file.text, new RegExp(`^\\s*${mode}\\s+"${quoted(type)}"\\s+"${quoted(resourceName)}"`));
          for (const body of asBlocks(bodies)) module.resources.push({ mode, type, name: resourceName, file, line, body });
        }
      }
    }
    for (const [variableName, bodies] of Object.entries((json.variable ?? {}) as Record<string, unknown>)) {
      const line = lineOf(file.text, new RegExp(`^\\s*variable\\s+"${quoted(variableName)}"`));
      for (const body of asBlocks(bodies)) module.variables.set(variableName, { file, line, body });
    }
    for (const block of asBlocks(json.locals)) {
      for (const [localName, raw] of Object.entries(block)) {
        module.locals.set(localName, { raw, file, line: lineOf(file.text, new RegExp(`^\\s*${quoted(localName)}\\s*=`)) });
      }
    }
    for (const [callName, bodies] of Object.entries((json.module ?? {}) as Record<string, unknown>)) {
      const line = lineOf(file.text, new RegExp(`^\\s*module\\s+"${quoted(callName)}"`));
      for (const body of asBlocks(bodies)) {
        module.moduleCalls.push({ name: callName, source: typeof body.source === "string" ? body.source : "", file, line, body });
      }
    }
    for (const [providerName, bodies] of Object.entries((json.provider ?? {}) as Record<string, unknown>)) {
      let from = 1;
      for (const body of asBlocks(bodies)) {
        const line = lineOf(file.text, new RegExp(`^\\s*provider\\s+"${quoted(providerName)}"`), from);
        from = line + 1;
        module.providers.push({ name: providerName, file, line, body });
      }
    }
    for (const terraformBlock of asBlocks(json.terraform)) {
      for (const [backendType, bodies] of Object.entries((terraformBlock.backend ?? {}) as Record<string, unknown>)) {
        const line = lineOf(file.text, new RegExp(`^\\s*backend\\s+"${quoted(backendType)}"`));
        for (const body of asBlocks(bodies)) module.backends.push({ type: backendType, file, line, body });
      }
    }
  }
  return module;
}

/** Variable files Terraform loads by itself, in the order it loads them (later ones win). */
function variableFileNames(dir: string): string[] {
  const all = readdirSync(dir);
  const auto = all.filter((name) => name.endsWith(".auto.tfvars") || name.endsWith(".auto.tfvars.json")).sort();
  return [...["terraform.tfvars", "terraform.tfvars.json"].filter((name) => all.includes(name)), ...auto];
}

function subdirectoriesWithTerraform(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() && readdirSync(full).some((f) => f.endsWith(".tf"));
    })
    .sort();
}

/** Loads a tree with modules/ and environments/ under `dir`. */
export async function loadTree(dir: string, cwd: string): Promise<TerraformTree> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--dir ${displayPath(dir, cwd)} is not a directory`);
  const moduleNames = subdirectoriesWithTerraform(path.join(dir, "modules"));
  const environmentNames = subdirectoriesWithTerraform(path.join(dir, "environments"));
  if (moduleNames.length === 0 && environmentNames.length === 0) {
    throw new UsageError(`${displayPath(dir, cwd)} has neither modules/<name>/ nor environments/<env>/ with .tf files`, {
      hint: "point --dir at a Terraform root laid out like noveli's own terraform/",
    });
  }
  const cache = new Map<string, Promise<ModuleSource>>();
  const loadModule = (moduleDir: string) => {
    const key = path.resolve(moduleDir);
    let loaded = cache.get(key);
    if (!loaded) {
      loaded = loadModuleSource(key, cwd);
      cache.set(key, loaded);
    }
    return loaded;
  };
  const modules: ModuleSource[] = [];
  for (const name of moduleNames) modules.push(await loadModule(path.join(dir, "modules", name)));
  const environments: EnvironmentRoot[] = [];
  for (const name of environmentNames) environments.push({ name, root: await loadModule(path.join(dir, "environments", name)) });
  return { dir, display: displayPath(dir, cwd), modules, environments, loadModule };
}
