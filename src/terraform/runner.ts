import type { ResultPromise } from "execa";
import { AbortError, OperationError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
import { redact } from "../output/redact.js";
import { applyOutcome, errorDiagnostics, parseUiMessages, plannedChanges, type ApplyOutcome, type PlannedAction, type TerraformUiMessage } from "./json-stream.js";

/**
 * One small named function per terraform command. Each runs terraform in its own process group,
 * so a Ctrl-C at the terminal reaches noveli only, and noveli forwards exactly one SIGINT: terraform
 * then stops gracefully and releases its state lock (a second interrupt would make it quit at once).
 */

export interface TerraformCall {
  binary: string;
  /** The root module folder (passed as -chdir). */
  dir: string;
  /** Environment added to noveli's own (TF_CLI_CONFIG_FILE, TF_DATA_DIR, AWS endpoint...). */
  env: Record<string, string>;
  reporter: Reporter;
  signal?: AbortSignal;
}

export interface TerraformResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The commands noveli runs, as text (for --dry-run and --verbose). */
export function renderCommand(call: Pick<TerraformCall, "dir">, args: string[]): string {
  return ["terraform", `-chdir=${call.dir}`, ...args].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(" ");
}

/**
 * `json`: the command runs with -json; --verbose then shows each message's text, and errors come from its diagnostics.
 * `onMessage`: each JSON message as terraform writes it (deploy's N/M progress during the apply).
 */
async function terraform(
  call: TerraformCall,
  args: string[],
  okCodes: number[] = [0],
  options: { json?: boolean; onMessage?: (message: TerraformUiMessage) => void } = {},
): Promise<TerraformResult> {
  const { reporter, signal } = call;
  if (signal?.aborted) throw new AbortError("interrupted before terraform started");
  reporter.debug(`$ ${renderCommand(call, args)}`);
  // execa (and child_process under it) loads when terraform first runs: status, the traffic
  // commands and health checks import this module for its types and never run terraform.
  const { execa } = await import("execa");
  const child: ResultPromise = execa(call.binary, [`-chdir=${call.dir}`, ...args, "-no-color"], {
    env: { ...call.env, TF_IN_AUTOMATION: "1" },
    extendEnv: true,
    reject: false,
    detached: true,
    stdin: "ignore",
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
  });
  const forward = () => {
    try {
      child.kill("SIGINT");
    } catch {
      /* already gone */
    }
  };
  signal?.addEventListener("abort", forward, { once: true });
  if (reporter.verbose || (options.json && options.onMessage)) {
    let partial = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      if (!options.json) return reporter.debug(chunk.toString().trimEnd());
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const message of parseUiMessages(lines.join("\n"))) {
        if (reporter.verbose && message["@message"]) reporter.debug(message["@message"]);
        options.onMessage?.(message);
      }
    });
    if (reporter.verbose) child.stderr?.on("data", (chunk: Buffer) => reporter.debug(chunk.toString().trimEnd()));
  }
  try {
    const result = await child;
    const outcome = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
    if (signal?.aborted) throw new AbortError(`terraform ${args[0]} interrupted; terraform stopped gracefully`);
    if (!okCodes.includes(outcome.exitCode)) {
      const diagnostics = options.json ? errorDiagnostics(parseUiMessages(outcome.stdout)) : undefined;
      const text = diagnostics !== undefined ? redact(diagnostics).slice(0, 2_000) : terraformErrorText(outcome.stderr || outcome.stdout);
      throw new OperationError(`terraform-${args[0]}`, `terraform ${args[0]} failed: ${text}`, {
        details: { exitCode: outcome.exitCode, stderr: redact(outcome.stderr).slice(-8_000) },
      });
    }
    return outcome;
  } finally {
    signal?.removeEventListener("abort", forward);
  }
}

/** Pure: terraform's own error text, condensed to what a person needs (the `Error:` summaries). */
export function terraformErrorText(output: string): string {
  const lines = output.split("\n").map((l) => l.replace(/^[│╷╵]\s?/, "").trimEnd());
  const errors: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("Error: ")) {
      // The summary line, plus the first detail line when the summary alone is vague.
      const detail = lines.slice(i + 1, i + 6).find((l) => l.trim() !== "" && !l.startsWith("  with ") && !l.startsWith("  on "));
      errors.push(detail ? `${line.slice(7)} (${detail.trim()})` : line.slice(7));
    }
  }
  const text = errors.length > 0 ? errors.join("; ") : (lines.filter((l) => l.trim() !== "").slice(-3).join(" ") || "no output");
  return redact(text).slice(0, 2_000);
}

export function initArgs(options: { reconfigure?: boolean } = {}): string[] {
  return ["init", "-input=false", ...(options.reconfigure ? ["-reconfigure"] : [])];
}

export async function terraformInit(call: TerraformCall, options: { reconfigure?: boolean } = {}): Promise<void> {
  await terraform(call, initArgs(options));
}

export function planArgs(planFile: string, varFile: string, options: { destroy?: boolean } = {}): string[] {
  return ["plan", "-input=false", "-detailed-exitcode", `-out=${planFile}`, `-var-file=${varFile}`, ...(options.destroy ? ["-destroy"] : []), "-json"];
}

export interface PlanOutcome {
  /** Whether the plan would change anything (terraform's detailed exit code). */
  changes: boolean;
  /** What it changes, from the plan's own machine-readable messages (the same list `show -json` gives). */
  planned: { address: string; type: string; action: PlannedAction }[];
}

/** Saves a plan and says what it changes. */
export async function terraformPlan(call: TerraformCall, planFile: string, varFile: string, options: { destroy?: boolean } = {}): Promise<PlanOutcome> {
  const result = await terraform(call, planArgs(planFile, varFile, options), [0, 2], { json: true });
  return { changes: result.exitCode === 2, planned: plannedChanges(parseUiMessages(result.stdout)) };
}

export function applyArgs(planFile: string): string[] {
  return ["apply", "-input=false", "-auto-approve", "-json", planFile];
}

/**
 * Applies a saved plan; the outputs and each resource's time come from its machine-readable
 * messages, each handed to `onMessage` as it comes (deploy's progress).
 */
export async function terraformApply(call: TerraformCall, planFile: string, onMessage?: (message: TerraformUiMessage) => void): Promise<ApplyOutcome> {
  const result = await terraform(call, applyArgs(planFile), [0], { json: true, ...(onMessage ? { onMessage } : {}) });
  return applyOutcome(parseUiMessages(result.stdout));
}

export async function terraformOutputJson(call: TerraformCall): Promise<Record<string, { value: unknown } | undefined>> {
  const result = await terraform(call, ["output", "-json"]);
  const text = result.stdout.trim();
  return text === "" ? {} : (JSON.parse(text) as Record<string, { value: unknown }>);
}

export function destroyArgs(varFile: string): string[] {
  return ["destroy", "-input=false", "-auto-approve", `-var-file=${varFile}`];
}

export async function terraformDestroy(call: TerraformCall, varFile: string): Promise<void> {
  await terraform(call, destroyArgs(varFile));
}

export async function terraformVersion(binary: string): Promise<string> {
  const { execa } = await import("execa");
  const result = await execa(binary, ["version", "-json"], { reject: false, env: { CHECKPOINT_DISABLE: "1" } });
  try {
    return (JSON.parse(String(result.stdout)) as { terraform_version: string }).terraform_version;
  } catch {
    return "unknown";
  }
}
