import { execa, type Result } from "execa";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const noveliBin = path.join(repoRoot, "bin", "noveli.cjs");

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (bin/noveli.cjs, as a user would) with a clean environment: no AWS endpoint,
 * no provider keys, unless the test passes them.
 */
export async function runCli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL: undefined,
    OPENAI_API_KEY: undefined,
    ANTHROPIC_API_KEY: undefined,
    NOVELI_ENV: undefined,
    CI: "true",
    NO_COLOR: "1",
    ...options.env,
  };
  const result: Result = await execa(process.execPath, [noveliBin, ...args], {
    env,
    extendEnv: true,
    cwd: options.cwd ?? repoRoot,
    reject: false,
    input: options.input,
    timeout: options.timeoutMs ?? 600_000,
    stripFinalNewline: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
