import type { Command } from "commander";
import type { Environment } from "../core/environment.js";
import { isNoveliError, NoveliError, UsageError } from "../errors.js";
import type { ConfiguredFlag, ProjectConfig } from "./validate.js";

/** A config value that now stands in for a flag the user did not type. */
export interface AppliedFlag extends ConfiguredFlag {
  file: string;
  env: Environment;
}

/** The path of a command below the program, e.g. "local up". */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Sets the environment's configured flags of this command on commander's parsed options, except
 * those given on the command line (or by an environment variable): flags override the file.
 * Commander hands the action the same options object, so the command sees the configured values
 * as if they had been typed.
 */
export function applyConfig(command: Command, config: ProjectConfig, env: Environment): AppliedFlag[] {
  const path = commandPath(command);
  const applied: AppliedFlag[] = [];
  for (const flag of config.environments[env] ?? []) {
    if (flag.command !== path) continue;
    const source = command.getOptionValueSource(flag.option.attribute);
    if (source === "cli" || source === "env") continue;
    const value = flag.option.negate && typeof flag.value === "boolean" ? !flag.value : flag.value;
    command.setOptionValueWithSource(flag.option.attribute, value, "config");
    applied.push({ ...flag, file: config.file, env });
  }
  return applied;
}

/**
 * A usage error about a flag that came from the config file names the file and key, since the
 * user never typed that flag.
 */
export function attributeToConfig(error: unknown, applied: AppliedFlag[]): unknown {
  if (!isNoveliError(error) || !(error instanceof UsageError)) return error;
  const flag = applied.find((a) => new RegExp(`--${a.key}\\b`).test(error.message));
  if (!flag) return error;
  const where = `${flag.file}: environments.${flag.env}.${flag.command}.${flag.key}`;
  return new NoveliError("config-invalid", `${where}: ${error.message}`, error.exitCode, {
    hint: `fix the value in ${flag.file}, or override it with --${flag.key} on the command line`,
    ...(error.details ? { details: error.details } : {}),
    cause: error,
  });
}
