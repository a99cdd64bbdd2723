import { allCommands, type CommandSpec, type OptionSpec } from "./tree.js";

/**
 * Pure: shell completion scripts generated from the command tree. Each script is a small engine
 * (the same in every shell: walk the words typed so far, skipping option values, to find the
 * command path and how many arguments follow it) plus tables generated from the tree: the
 * subcommands, options, option choices and argument choices of every command.
 */

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const HELP: OptionSpec = { flag: "--help", key: "help", attribute: "help", takesValue: false, negate: false, description: "show help", takesPath: false };
const VERSION: OptionSpec = { flag: "--version", key: "version", attribute: "version", takesValue: false, negate: false, description: "print the version", takesPath: false };

interface Tables {
  commands: CommandSpec[];
  globals: OptionSpec[];
  valueFlags: string[];
  pathFlags: string[];
}

function tables(tree: CommandSpec): Tables {
  const commands = allCommands(tree);
  const every = commands.flatMap((command) => command.options);
  const valueFlags = [...new Set(every.filter((o) => o.takesValue).flatMap((o) => [o.flag, ...(o.short ? [o.short] : [])]))];
  const pathFlags = [...new Set(every.filter((o) => o.takesValue && o.takesPath).map((o) => o.flag))];
  return { commands, globals: tree.options.filter((o) => o.flag !== "--version" && o.flag !== "-V"), valueFlags, pathFlags };
}

/** The options offered after a command: its own, the global ones, --help (and --version at the top). */
function optionsOf(command: CommandSpec, t: Tables): OptionSpec[] {
  const own = command.path.length === 0 ? [] : command.options;
  return [...own, ...t.globals, HELP, ...(command.path.length === 0 ? [VERSION] : [])];
}

const key = (command: CommandSpec) => command.path.join(" ");
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
/** A single-quoted word for bash and zsh. */
const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** A single-quoted word for fish. */
const fq = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** The case-statement tables shared by bash and zsh (both read this syntax alike). */
function posixTables(t: Tables, prefix: string): string[] {
  const lines: string[] = [];
  lines.push(`${prefix}_value_flags=${sq(t.valueFlags.join(" "))}`);
  lines.push(`${prefix}_path_flags=${sq(t.pathFlags.join(" "))}`);
  lines.push(`${prefix}_subcommands() {`, `  case "$1" in`);
  for (const command of t.commands) {
    if (command.subcommands.length > 0) lines.push(`    ${sq(key(command))}) echo ${sq(command.subcommands.map((s) => s.path.at(-1)).join(" "))} ;;`);
  }
  lines.push(`  esac`, `}`);
  lines.push(`${prefix}_options() {`, `  case "$1" in`);
  for (const command of t.commands) lines.push(`    ${sq(key(command))}) echo ${sq(optionsOf(command, t).map((o) => o.flag).join(" "))} ;;`);
  lines.push(`  esac`, `}`);
  lines.push(`${prefix}_option_choices() {`, `  case "$1|$2" in`);
  for (const command of t.commands.filter((c) => c.path.length > 0)) {
    for (const option of command.options.filter((o) => o.choices)) lines.push(`    ${sq(`${key(command)}|${option.flag}`)}) echo ${sq((option.choices ?? []).join(" "))} ;;`);
  }
  for (const option of t.globals.filter((o) => o.choices)) lines.push(`    *${sq(`|${option.flag}`)}) echo ${sq((option.choices ?? []).join(" "))} ;;`);
  lines.push(`  esac`, `}`);
  lines.push(`${prefix}_argument_choices() {`, `  case "$1|$2" in`);
  for (const command of t.commands) {
    command.arguments.forEach((argument, index) => {
      if (argument.choices) lines.push(`    ${sq(`${key(command)}|${index}`)}) echo ${sq(argument.choices.join(" "))} ;;`);
    });
  }
  lines.push(`  esac`, `}`);
  return lines;
}

export function bashCompletion(tree: CommandSpec): string {
  const t = tables(tree);
  return [
    "# bash completion for noveli, generated from its commands by `noveli completion bash`.",
    "# Install: noveli completion bash > ~/.local/share/bash-completion/completions/noveli",
    "# (or add `source <(noveli completion bash)` to ~/.bashrc).",
    ...posixTables(t, "_noveli"),
    "_noveli_complete() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath="" positional=0 i word',
    '  [[ $COMP_CWORD -gt 0 ]] && prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    word="${COMP_WORDS[i]}"',
    '    if [[ "$word" == -* ]]; then',
    '      if [[ "$word" != *=* && " $_noveli_value_flags " == *" $word "* ]]; then i=$((i + 1)); fi',
    "      continue",
    "    fi",
    '    if [[ $positional -eq 0 && " $(_noveli_subcommands "$cmdpath") " == *" $word "* ]]; then cmdpath="${cmdpath:+$cmdpath }$word"; else positional=$((positional + 1)); fi',
    "  done",
    '  if [[ "$prev" == -* && " $_noveli_value_flags " == *" $prev "* ]]; then',
    '    if [[ " $_noveli_path_flags " == *" $prev "* ]]; then COMPREPLY=($(compgen -f -- "$cur")); else COMPREPLY=($(compgen -W "$(_noveli_option_choices "$cmdpath" "$prev")" -- "$cur")); fi',
    "    return 0",
    "  fi",
    '  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$(_noveli_options "$cmdpath")" -- "$cur")); return 0; fi',
    '  local subs; subs="$(_noveli_subcommands "$cmdpath")"',
    '  if [[ -n "$subs" && $positional -eq 0 ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); return 0; fi',
    '  COMPREPLY=($(compgen -W "$(_noveli_argument_choices "$cmdpath" "$positional")" -- "$cur"))',
    "}",
    "complete -F _noveli_complete noveli",
    "",
  ].join("\n");
}

export function zshCompletion(tree: CommandSpec): string {
  const t = tables(tree);
  const described: string[] = ["_noveli_described() {", '  case "$1|$2" in'];
  for (const command of t.commands) {
    const options = optionsOf(command, t).map((o) => `${o.flag}:${oneLine(o.description)}`);
    described.push(`    ${sq(`options|${key(command)}`)}) print -rl -- ${options.map(sq).join(" ")} ;;`);
    if (command.subcommands.length > 0) {
      const subs = command.subcommands.map((s) => `${s.path.at(-1)}:${oneLine(s.description)}`);
      described.push(`    ${sq(`commands|${key(command)}`)}) print -rl -- ${subs.map(sq).join(" ")} ;;`);
    }
  }
  described.push("  esac", "}");
  return [
    "#compdef noveli",
    "# zsh completion for noveli, generated from its commands by `noveli completion zsh`.",
    '# Install: noveli completion zsh > "${fpath[1]}/_noveli" (or `source <(noveli completion zsh)` after compinit).',
    ...posixTables(t, "_noveli"),
    ...described,
    "_noveli() {",
    '  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmdpath="" positional=0 i word',
    "  local -a candidates",
    "  for ((i = 2; i < CURRENT; i++)); do",
    '    word="${words[i]}"',
    '    if [[ "$word" == -* ]]; then',
    '      if [[ "$word" != *=* && " $_noveli_value_flags " == *" $word "* ]]; then i=$((i + 1)); fi',
    "      continue",
    "    fi",
    '    if (( positional == 0 )) && [[ " $(_noveli_subcommands "$cmdpath") " == *" $word "* ]]; then cmdpath="${cmdpath:+$cmdpath }$word"; else positional=$((positional + 1)); fi',
    "  done",
    '  if [[ "$prev" == -* && " $_noveli_value_flags " == *" $prev "* ]]; then',
    '    if [[ " $_noveli_path_flags " == *" $prev "* ]]; then _files; else candidates=(${=$(_noveli_option_choices "$cmdpath" "$prev")}); compadd -a candidates; fi',
    "    return",
    "  fi",
    '  if [[ "$cur" == -* ]]; then candidates=("${(@f)$(_noveli_described options "$cmdpath")}"); _describe -t options option candidates; return; fi',
    '  if [[ -n "$(_noveli_subcommands "$cmdpath")" ]] && (( positional == 0 )); then candidates=("${(@f)$(_noveli_described commands "$cmdpath")}"); _describe -t commands command candidates; return; fi',
    '  candidates=(${=$(_noveli_argument_choices "$cmdpath" "$positional")}); compadd -a candidates',
    "}",
    'if [[ "${funcstack[1]}" == "_noveli" ]]; then _noveli "$@"; else compdef _noveli noveli; fi',
    "",
  ].join("\n");
}

export function fishCompletion(tree: CommandSpec): string {
  const t = tables(tree);
  const lines = [
    "# fish completion for noveli, generated from its commands by `noveli completion fish`.",
    "# Install: noveli completion fish > ~/.config/fish/completions/noveli.fish",
    `set -g __noveli_value_flags ${t.valueFlags.map(fq).join(" ")}`,
    "function __noveli_subcommands",
    "    switch $argv[1]",
  ];
  for (const command of t.commands) {
    if (command.subcommands.length > 0) lines.push(`        case ${fq(key(command))}`, `            printf '%s\\n' ${command.subcommands.map((s) => fq(s.path.at(-1) ?? "")).join(" ")}`);
  }
  lines.push(
    "    end",
    "end",
    "# Sets __noveli_cmdpath and __noveli_positional from the words before the cursor.",
    "function __noveli_parse",
    "    set -g __noveli_cmdpath ''",
    "    set -g __noveli_positional 0",
    "    set -l skip 0",
    "    for word in (commandline -opc)[2..-1]",
    "        if test $skip -eq 1",
    "            set skip 0",
    "            continue",
    "        end",
    "        if string match -q -- '-*' $word",
    "            if not string match -q -- '*=*' $word; and contains -- $word $__noveli_value_flags",
    "                set skip 1",
    "            end",
    "            continue",
    "        end",
    "        if test $__noveli_positional -eq 0; and contains -- $word (__noveli_subcommands $__noveli_cmdpath)",
    "            set -g __noveli_cmdpath (string trim -- \"$__noveli_cmdpath $word\")",
    "        else",
    "            set -g __noveli_positional (math $__noveli_positional + 1)",
    "        end",
    "    end",
    "end",
    "function __noveli_at",
    "    __noveli_parse",
    '    test "$__noveli_cmdpath" = "$argv[1]"',
    "end",
    "function __noveli_argument",
    "    __noveli_at $argv[1]; and test $__noveli_positional -eq $argv[2]",
    "end",
    "complete -c noveli -f",
  );
  const optionLine = (option: OptionSpec, condition?: string) => {
    const parts = ["complete -c noveli"];
    if (condition) parts.push(`-n ${fq(condition)}`);
    const long = option.flag.startsWith("--") ? option.flag.slice(2) : undefined;
    if (long) parts.push(`-l ${long}`);
    if (option.short) parts.push(`-s ${option.short.slice(1)}`);
    if (option.takesValue) parts.push(option.takesPath ? "-r -F" : option.choices ? `-x -a ${fq(option.choices.join(" "))}` : "-x");
    parts.push(`-d ${fq(oneLine(option.description))}`);
    return parts.join(" ");
  };
  for (const option of [...t.globals, HELP]) lines.push(optionLine(option));
  for (const command of t.commands) {
    const at = `__noveli_at ${fq(key(command))}`;
    for (const sub of command.subcommands) {
      lines.push(`complete -c noveli -n ${fq(`${at}; and test $__noveli_positional -eq 0`)} -a ${fq(sub.path.at(-1) ?? "")} -d ${fq(oneLine(sub.description))}`);
    }
    if (command.path.length > 0) for (const option of command.options) lines.push(optionLine(option, at));
    command.arguments.forEach((argument, index) => {
      if (argument.choices) lines.push(`complete -c noveli -n ${fq(`__noveli_argument ${fq(key(command))} ${index}`)} -a ${fq(argument.choices.join(" "))}`);
    });
  }
  lines.push("");
  return lines.join("\n");
}

export function completionScript(shell: Shell, tree: CommandSpec): string {
  switch (shell) {
    case "bash":
      return bashCompletion(tree);
    case "zsh":
      return zshCompletion(tree);
    case "fish":
      return fishCompletion(tree);
  }
}
