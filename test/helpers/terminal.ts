import { execa } from "execa";
import { noveliBin } from "./cli.js";

export interface TerminalRun {
  exitCode: number;
  /** Everything the terminal received (stdout and stderr together), control sequences included. */
  output: string;
}

/**
 * Runs the built CLI in a pseudo-terminal (util-linux `script`), 200 columns wide, so stdin,
 * stdout and stderr are all a TTY, as at a person's terminal. CI is unset: spinners run.
 */
export async function runInTerminal(args: string[], options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<TerminalRun> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols 200 rows 50 2>/dev/null; exec ${[process.execPath, noveliBin, ...args].map(quote).join(" ")}`;
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
