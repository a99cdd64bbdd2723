// readline loads when a question is asked or answers are read (about 1 ms of every start of the
// commands that can ask, most of which never do: --force, --yes, CI).
type ReadlinePromises = typeof import("node:readline/promises");
type Readline = typeof import("node:readline");

/** Whether a person can answer a question: stdin and stderr are both terminals. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks one question on stderr and reads one line from stdin; abortable. */
export async function ask(question: string, signal?: AbortSignal): Promise<string> {
  const { createInterface } = process.getBuiltinModule("node:readline/promises") as ReadlinePromises;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(`${question} `, signal ? { signal } : {});
  } finally {
    rl.close();
  }
}

/** Answers read one line at a time from stdin, a terminal or a pipe (`noveli generate --interactive`). */
export interface LineAnswers {
  /** The next line; undefined at the end of the input, or once the signal aborted. */
  next(): Promise<string | undefined>;
  close(): void;
}

/** Reads answers from stdin line by line; aborting the signal ends the input. */
export function stdinAnswers(signal: AbortSignal): LineAnswers {
  const { createInterface } = process.getBuiltinModule("node:readline") as Readline;
  const reader = createInterface({ input: process.stdin, terminal: false });
  const lines = reader[Symbol.asyncIterator]();
  const close = () => reader.close();
  signal.addEventListener("abort", close, { once: true });
  return {
    async next() {
      const line = await lines.next();
      return line.done ? undefined : String(line.value);
    },
    close() {
      signal.removeEventListener("abort", close);
      reader.close();
    },
  };
}
