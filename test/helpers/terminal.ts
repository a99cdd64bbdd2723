import xterm from "@xterm/headless";
import { execa } from "execa";
import { noveliBin } from "./cli.js";

export interface TerminalRun {
  exitCode: number;
  /** Everything the terminal received (stdout and stderr together), control sequences included. */
  output: string;
}

export const TERMINAL_COLUMNS = 200;

/**
 * Runs the built CLI in a pseudo-terminal (util-linux `script`), 200 columns wide, so stdin,
 * stdout and stderr are all a TTY, as at a person's terminal. CI is unset: spinners run.
 */
export async function runInTerminal(args: string[], options: TerminalOptions = {}): Promise<TerminalRun> {
  return runNodeInTerminal([noveliBin, ...args], options);
}

export interface TerminalOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Node with these arguments (a script and its arguments) in the same pseudo-terminal. */
export async function runNodeInTerminal(nodeArgs: string[], options: TerminalOptions = {}): Promise<TerminalRun> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols ${TERMINAL_COLUMNS} rows 50 2>/dev/null; exec ${[process.execPath, ...nodeArgs].map(quote).join(" ")}`;
  const result = await execa("script", ["-qec", command, "/dev/null"], {
    env: { ...process.env, TERM: "xterm-256color", CI: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined, AWS_ENDPOINT_URL: undefined, NOVELI_ENV: undefined, ...options.env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: options.timeoutMs ?? 600_000,
  });
  return { exitCode: result.exitCode ?? -1, output: String(result.stdout) };
}

/** The text a person would read: control sequences removed, each carriage-return redraw kept as its own line. */
export function screenText(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r(?!\n)/g, "\n").replace(/\r\n/g, "\n");
}

/**
 * What the terminal shows once the command is done, line by line (scrollback included): the
 * output played through a terminal emulator (xterm.js), so a redraw replaces what it redraws,
 * as on a person's screen. Unlike `screenText`, a spinner frame that was cleared is gone.
 */
export async function finalScreen(output: string, columns = TERMINAL_COLUMNS): Promise<string[]> {
  const terminal = new xterm.Terminal({ cols: columns, rows: 50, scrollback: 10_000, allowProposedApi: true });
  await new Promise<void>((resolve) => terminal.write(output, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
  terminal.dispose();
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return lines;
}

/** ora's spinner frames (the "dots" spinner). */
export const SPINNER_FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
