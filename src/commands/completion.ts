import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { completionScript, SHELLS, type Shell } from "../commandline/completion.js";
import { commandTree } from "../commandline/tree.js";

/** Arguments of `noveli completion <shell>`. */
export interface CompletionOptions {
  /** bash, zsh or fish. */
  shell: string;
  /** The live commander program: the script covers every command registered in it. */
  program: Command;
}

export async function completion(options: CompletionOptions, ctx: CommandContext): Promise<void> {
  if (!(SHELLS as readonly string[]).includes(options.shell)) throw new UsageError(`completion: the shell must be one of ${SHELLS.join(", ")}, got ${JSON.stringify(options.shell)}`);
  const script = completionScript(options.shell as Shell, commandTree(options.program));
  if (ctx.reporter.json) {
    ctx.reporter.result({ command: "completion", shell: options.shell, script }, () => undefined);
    return;
  }
  ctx.reporter.write(script);
}
