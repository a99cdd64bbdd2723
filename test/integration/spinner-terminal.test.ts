import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/cli.js";
import { SPINNER_FRAME, finalScreen, runInTerminal, runNodeInTerminal } from "../helpers/terminal.js";

/**
 * After a phase fails at a terminal, the spinner's last frame must be gone: the screen shows the
 * ✖ line, then the error, and nothing of the spinner. The output is played through a terminal
 * emulator, so what is checked is what a person sees, not the raw redraws.
 */
let stateDir: string;
let closedPort: number;

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-spinner-"));
  // A loopback port nothing listens on: every connection is refused at once.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("spinners after an error, at a terminal", () => {
  it("a command whose phase fails: the ✖ line and the error, no spinner frame left", async () => {
    const run = await runInTerminal(["status", "--env", "dev", "--endpoint-url", `http://127.0.0.1:${closedPort}`], {
      env: { NOVELI_STATE_DIR: stateDir, NO_COLOR: "1", AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" },
      timeoutMs: 60_000,
    });
    const screen = await finalScreen(run.output);
    expect(run.exitCode, screen.join("\n")).toBe(2);
    // The spinner did run (so the check below means something): its frames are in the raw output.
    expect(run.output).toMatch(SPINNER_FRAME);
    expect(screen.filter((line) => SPINNER_FRAME.test(line)), screen.join("\n")).toEqual([]);
    expect(screen).toEqual([
      expect.stringMatching(/^✖ reading the state of dev \(\d+\.\ds\)$/),
      expect.stringMatching(/^error: cannot tell which AWS account this is \(STS GetCallerIdentity failed: connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/),
      "hint: is the emulator running?",
    ]);
  });

  it("a late progress update after the phase failed draws no frame under the ✖ or in front of the error", async () => {
    // What a step runner or terraform's output reader can do: report progress once more after the
    // phase it belonged to has failed. The reporter is the CLI's own, at the same terminal.
    const dir = mkdtempSync(path.join(tmpdir(), "noveli-spinner-late-"));
    try {
      const script = path.join(dir, "late-update.mts");
      writeFileSync(
        script,
        `import { StreamReporter } from ${JSON.stringify(path.join(repoRoot, "src/output/reporter.ts"))};
const reporter = new StreamReporter({ json: false, verbose: false });
let late: ((text: string) => void) | undefined;
try {
  await reporter.phase("terraform apply (dev → blue)", async (progress) => {
    late = (text) => progress.update(text, { milestone: true });
    progress.update("3/62 aws_dynamodb_table.story", { milestone: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    throw new Error("apply failed");
  });
} catch (error) {
  late?.("4/62 aws_lambda_function.story");
  reporter.failure(error);
}
`,
      );
      const run = await runNodeInTerminal(["--import", "tsx", script], { env: { NO_COLOR: "1" }, timeoutMs: 60_000 });
      const screen = await finalScreen(run.output);
      expect(run.output).toMatch(SPINNER_FRAME);
      expect(screen, run.output).toEqual([expect.stringMatching(/^✖ terraform apply \(dev → blue\) \(\d+\.\ds\)$/), "error: apply failed"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
