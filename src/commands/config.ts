import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { commandTree } from "../commandline/tree.js";
import { showEffectiveConfig, type ShowConfigResult } from "../ops/config/show.js";
import { configView } from "../views/config.js";
import { render } from "../views/view.js";

/** Arguments of `noveli config` (the environment comes from --env, NOVELI_ENV or the target). */
export interface ShowConfigOptions {
  /** The live commander program: every command registered in it is listed. */
  program: Command;
}

export async function showConfig(options: ShowConfigOptions, ctx: CommandContext): Promise<ShowConfigResult> {
  const env = ctx.environment();
  const result = showEffectiveConfig({
    env,
    envSource: ctx.globals.env === undefined ? "the default on emulator targets" : ctx.globals.envSource === "env" ? "NOVELI_ENV" : "--env",
    tree: commandTree(options.program),
    ...(ctx.globals.configFile !== undefined ? { configFile: ctx.globals.configFile } : {}),
    stateDir: ctx.stateDir,
  });
  render(ctx.reporter, configView, result);
  return result;
}
