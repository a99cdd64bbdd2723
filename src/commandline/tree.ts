import type { Command, Option } from "commander";

/**
 * The command line as data, read from the live commander program: every command, its flags, their
 * choices and its arguments. Shell completion and the config file's validation both work from
 * this model, so a command or flag someone registers in src/cli.ts is covered without edits here.
 */

export interface OptionSpec {
  /** The long flag as typed, e.g. `--canary` or `--no-rollback`. */
  flag: string;
  /** The flag without its dashes: the key a config file uses, e.g. `canary`, `no-rollback`. */
  key: string;
  short?: string;
  /** commander's attribute name (`pollInterval` for `--poll-interval`, `rollback` for `--no-rollback`). */
  attribute: string;
  takesValue: boolean;
  /** A negated boolean (`--no-x`): given, it sets the attribute to false. */
  negate: boolean;
  choices?: readonly string[];
  description: string;
  /** The default as the help text states it, e.g. "60s" from "(default 60s)". */
  documentedDefault?: string;
  /** Values are paths: completion offers files. */
  takesPath: boolean;
}

export interface ArgumentSpec {
  name: string;
  required: boolean;
  choices?: readonly string[];
}

export interface CommandSpec {
  /** Names from the program down to this command; [] is the program itself. */
  path: string[];
  description: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
  subcommands: CommandSpec[];
}

const PATH_VALUE = /<(file|path|[a-z.]*\.(md|json))>|<file\b/i;

function optionSpec(option: Option): OptionSpec {
  const flag = option.long ?? option.short ?? option.flags;
  const documented = /\(default:? ([^)]*)\)/.exec(option.description)?.[1];
  return {
    flag,
    key: flag.replace(/^--?/, ""),
    ...(option.short ? { short: option.short } : {}),
    attribute: option.attributeName(),
    takesValue: option.required || option.optional,
    negate: option.negate,
    ...(option.argChoices ? { choices: option.argChoices } : {}),
    description: option.description,
    ...(documented !== undefined ? { documentedDefault: documented } : {}),
    takesPath: PATH_VALUE.test(option.flags),
  };
}

/** The model of a commander program (or any command below it). */
export function commandTree(command: Command, path: string[] = []): CommandSpec {
  return {
    path,
    description: command.description(),
    options: command.options.filter((option) => !option.hidden).map(optionSpec),
    arguments: command.registeredArguments.map((argument) => ({
      name: argument.name(),
      required: argument.required,
      ...(argument.argChoices ? { choices: argument.argChoices } : {}),
    })),
    subcommands: command.commands.filter((sub) => !(sub as Command & { _hidden?: boolean })._hidden).map((sub) => commandTree(sub, [...path, sub.name()])),
  };
}

/** Every command of the tree, the program first, depth first. */
export function allCommands(tree: CommandSpec): CommandSpec[] {
  return [tree, ...tree.subcommands.flatMap(allCommands)];
}

/** The commands that run something (those without subcommands of their own). */
export function runnableCommands(tree: CommandSpec): CommandSpec[] {
  return allCommands(tree).filter((command) => command.path.length > 0 && command.subcommands.length === 0);
}
