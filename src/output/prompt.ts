import { createInterface } from "node:readline/promises";

/** Whether a person can answer a question: stdin and stderr are both terminals. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks one question on stderr and reads one line from stdin; abortable. */
export async function ask(question: string, signal?: AbortSignal): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(`${question} `, signal ? { signal } : {});
  } finally {
    rl.close();
  }
}
