import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { runnableCommands, commandTree } from "../commandline/tree.js";
import { locateConfigFile, readConfigJson } from "../config/file.js";
import { validateConfig, type ProjectConfig } from "../config/validate.js";
import { effectiveSettings, type EffectiveSettings } from "../config/effective.js";

/** Arguments of `noveli config` (the environment comes from --env, NOVELI_ENV or the target). */
export interface ShowConfigOptions {
  /** The live commander program: every command registered in it is listed. */
  program: Command;
}

export async function showConfig(options: ShowConfigOptions, ctx: CommandContext): Promise<void> {
  const env = ctx.environment();
  const tree = commandTree(options.program);
  const location = locateConfigFile({ ...(ctx.globals.configFile !== undefined ? { flag: ctx.globals.configFile } : {}), env: process.env });
  const config: ProjectConfig | undefined = location ? validateConfig(readConfigJson(location.file), tree, location.file) : undefined;
  const settings = effectiveSettings({
    env,
    envSource: ctx.globals.env === undefined ? "the default on emulator targets" : ctx.globals.envSource === "env" ? "NOVELI_ENV" : "--env",
    commands: runnableCommands(tree),
    ...(config ? { config } : {}),
    ...(location ? { origin: location.origin } : {}),
  });
  ctx.reporter.result({ command: "config", ...settings, stateDir: ctx.stateDir }, (lines, s) => renderSettings(settings, lines, s));
}

function renderSettings(settings: EffectiveSettings, lines: string[], s: { bold(t: string): string; dim(t: string): string; cyan(t: string): string }): void {
  lines.push(
    settings.configFile
      ? `config file: ${s.bold(settings.configFile)} (${settings.configOrigin === "search" ? "found from the working directory" : `named by ${settings.configOrigin}`})`
      : `config file: none (no noveli.config.json in the working directory or above; --config names one)`,
  );
  lines.push(`environment: ${s.bold(settings.env)} (${settings.envSource})`);
  const flagWidth = Math.max(...settings.commands.flatMap((c) => c.flags.map((f) => f.flag.length)));
  const valueWidth = Math.max(8, ...settings.commands.flatMap((c) => c.flags.map((f) => (f.value === null ? 0 : String(f.value).length))));
  for (const command of settings.commands.filter((c) => c.flags.length > 0)) {
    lines.push("", s.bold(command.command));
    for (const flag of command.flags) {
      const value = flag.value === null ? "" : String(flag.value);
      const from = flag.source === "config" ? s.cyan("config file") : s.dim(flag.documentedDefault !== null ? `default (${flag.documentedDefault})` : "default");
      lines.push(`  ${flag.flag.padEnd(flagWidth)}  ${value.padEnd(valueWidth)}  ${from}`);
    }
  }
}
