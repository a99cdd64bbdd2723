import type { Environment } from "../core/environment.js";
import type { CommandSpec } from "../commandline/tree.js";
import type { ConfigFileLocation } from "./file.js";
import type { ProjectConfig } from "./validate.js";

/** One flag of one command as it would apply in the environment, and where its value comes from. */
export interface EffectiveFlag {
  flag: string;
  /** The value from the config file; null when the command's own default applies. */
  value: string | boolean | null;
  source: "config" | "default";
  /** The default as the command's help states it, when it states one. */
  documentedDefault: string | null;
}

export interface EffectiveSettings {
  env: Environment;
  envSource: string;
  configFile: string | null;
  configOrigin: ConfigFileLocation["origin"] | null;
  commands: { command: string; flags: EffectiveFlag[] }[];
}

/** Pure: every runnable command's flags for one environment, configured or default. */
export function effectiveSettings(input: {
  env: Environment;
  envSource: string;
  commands: CommandSpec[];
  config?: ProjectConfig;
  origin?: ConfigFileLocation["origin"];
}): EffectiveSettings {
  const configured = input.config?.environments[input.env] ?? [];
  return {
    env: input.env,
    envSource: input.envSource,
    configFile: input.config?.file ?? null,
    configOrigin: input.origin ?? null,
    commands: input.commands.map((command) => {
      const name = command.path.join(" ");
      return {
        command: name,
        flags: command.options.map((option) => {
          const set = configured.find((c) => c.command === name && c.key === option.key);
          return {
            flag: option.flag,
            value: set ? set.value : null,
            source: set ? "config" : "default",
            documentedDefault: option.documentedDefault ?? null,
          };
        }),
      };
    }),
  };
}
