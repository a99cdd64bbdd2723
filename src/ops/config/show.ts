import { runnableCommands, type CommandSpec } from "../../commandline/tree.js";
import type { Environment } from "../../core/environment.js";
import { effectiveSettings, type EffectiveSettings } from "../../config/effective.js";
import { locateConfigFile, readConfigJson } from "../../config/file.js";
import { validateConfig, type ProjectConfig } from "../../config/validate.js";

export interface ShowConfigInput {
  env: Environment;
  /** Where the environment came from, in words: "--env", "NOVELI_ENV", or the emulator default. */
  envSource: string;
  /** Every command of the program, with its flags and their documented defaults. */
  tree: CommandSpec;
  /** --config, when given; otherwise noveli.config.json is looked for from the working directory up. */
  configFile?: string;
  stateDir: string;
}

export interface ShowConfigResult extends EffectiveSettings {
  stateDir: string;
}

/** Every runnable command's flags as they would apply in the environment, and where each value comes from. */
export function showEffectiveConfig(input: ShowConfigInput): ShowConfigResult {
  const location = locateConfigFile({ ...(input.configFile !== undefined ? { flag: input.configFile } : {}), env: process.env });
  const config: ProjectConfig | undefined = location ? validateConfig(readConfigJson(location.file), input.tree, location.file) : undefined;
  const settings = effectiveSettings({
    env: input.env,
    envSource: input.envSource,
    commands: runnableCommands(input.tree),
    ...(config ? { config } : {}),
    ...(location ? { origin: location.origin } : {}),
  });
  return { ...settings, stateDir: input.stateDir };
}
