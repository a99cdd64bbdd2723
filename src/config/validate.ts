import { ENVIRONMENTS, type Environment } from "../core/environment.js";
import { ConfigError } from "../errors.js";
import { runnableCommands, type CommandSpec, type OptionSpec } from "../commandline/tree.js";

/**
 * Pure: a noveli.config.json checked against the commands' own option definitions. The file
 * reads like the command line: command names, then the flags' long names as typed.
 *
 *   { "environments": { "production": { "switch-traffic": { "canary": "10,25,50,100", "watch": "10m" },
 *                                        "health-check": { "no-deep": true } } } }
 */

/** A flag's value as commander would hold it: a string for a flag with a value, a boolean otherwise. */
export type ConfigValue = string | boolean;

export interface ConfiguredFlag {
  /** The command path, e.g. "switch-traffic" or "local up". */
  command: string;
  /** The flag's long name as typed, without dashes, e.g. "canary" or "no-rollback". */
  key: string;
  option: OptionSpec;
  value: ConfigValue;
}

export interface ProjectConfig {
  file: string;
  environments: Partial<Record<Environment, ConfiguredFlag[]>>;
}

const TOP_LEVEL_KEYS = new Set(["$schema", "environments"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The closest candidate within two edits, for "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] as number;
        row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length] as number;
  };
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d <= 2 && (!best || d < best.d)) best = { candidate, d };
  }
  return best?.candidate;
}

const suggest = (word: string, candidates: string[]) => {
  const near = closest(word, candidates);
  return near ? ` (did you mean ${JSON.stringify(near)}?)` : "";
};

function flagValue(option: OptionSpec, raw: unknown, where: () => string): ConfigValue {
  if (!option.takesValue) {
    if (typeof raw !== "boolean") throw new ConfigError("config-invalid", `${where()}: --${option.key} is a switch: use true or false, got ${JSON.stringify(raw)}`);
    return raw;
  }
  const value = typeof raw === "number" && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError("config-invalid", `${where()}: --${option.key} takes a value (a string or a number), got ${JSON.stringify(raw)}`);
  }
  if (option.choices && !option.choices.includes(value)) {
    throw new ConfigError("config-invalid", `${where()}: ${JSON.stringify(value)} is not one of ${option.choices.join(", ")}`);
  }
  return value;
}

/** Validates the whole file, every environment in it, so a typo anywhere surfaces at once. */
export function validateConfig(raw: unknown, tree: CommandSpec, file: string): ProjectConfig {
  if (!isPlainObject(raw)) throw new ConfigError("config-invalid", `${file}: the file must hold a JSON object like {"environments": {"dev": {...}}}`);
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new ConfigError("config-invalid", `${file}: unknown key ${JSON.stringify(key)}: the top level holds only "environments"${suggest(key, ["environments"])}`);
  }
  const commands = new Map(runnableCommands(tree).map((command) => [command.path.join(" "), command]));
  const environments: ProjectConfig["environments"] = {};
  const envs = raw.environments ?? {};
  if (!isPlainObject(envs)) throw new ConfigError("config-invalid", `${file}: "environments" must be an object keyed by environment (${ENVIRONMENTS.join(", ")})`);
  for (const [envName, perCommand] of Object.entries(envs)) {
    if (!(ENVIRONMENTS as readonly string[]).includes(envName)) {
      throw new ConfigError("config-invalid", `${file}: unknown environment environments.${envName}: use ${ENVIRONMENTS.join(", ")}${suggest(envName, [...ENVIRONMENTS])}`);
    }
    if (!isPlainObject(perCommand)) throw new ConfigError("config-invalid", `${file}: environments.${envName} must be an object keyed by command name`);
    const flags: ConfiguredFlag[] = [];
    for (const [commandName, perFlag] of Object.entries(perCommand)) {
      const command = commands.get(commandName);
      if (!command) {
        throw new ConfigError("config-invalid", `${file}: environments.${envName}.${commandName}: no such command${suggest(commandName, [...commands.keys()])}`);
      }
      if (!isPlainObject(perFlag)) throw new ConfigError("config-invalid", `${file}: environments.${envName}.${commandName} must be an object keyed by flag name`);
      const options = new Map(command.options.map((option) => [option.key, option]));
      for (const [flagName, value] of Object.entries(perFlag)) {
        const where = () => `${file}: environments.${envName}.${commandName}.${flagName}`;
        const option = options.get(flagName.replace(/^--/, ""));
        if (!option) throw new ConfigError("config-invalid", `${where()}: noveli ${commandName} has no flag --${flagName.replace(/^--/, "")}${suggest(flagName, [...options.keys()])}`);
        flags.push({ command: commandName, key: option.key, option, value: flagValue(option, value, where) });
      }
    }
    environments[envName as Environment] = flags;
  }
  return { file, environments };
}
