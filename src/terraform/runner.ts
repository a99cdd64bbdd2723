import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { constants as osConstants } from "node:os";
import path from "node:path";
import { AbortError, OperationError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";
import { redact } from "@noveli/providers/redact";
import { applyOutcome, parseUiMessages, plannedChanges, type ApplyOutcome, type PlannedAction, type TerraformUiMessage } from "./json-stream.js";
import { watchProcessGroup } from "./watchdog.js";

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
  /** How long the watchdog waits after its SIGINT before SIGTERM (and twice that before SIGKILL). */
  watchdogGraceMs?: number;
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
  // Terraform writes to files, not pipes: a pipe whose reader died (noveli killed) would kill
  // terraform with SIGPIPE at its next progress line, possibly halfway through writing its state.
  const output = terraformOutputFiles(call.dir);
  // child_process loads when terraform first runs: status, the traffic commands and health checks
  // import this module for its types and never run terraform.
  const { spawn } = await import("node:child_process");
  const child = spawn(call.binary, [`-chdir=${call.dir}`, ...args, "-no-color"], {
    env: { ...process.env, ...call.env, TF_IN_AUTOMATION: "1" },
    detached: true,
    stdio: ["ignore", output.stdoutFd, output.stderrFd],
  });
  output.closeParentCopies();
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", (error) => reject(new OperationError("terraform-start", `could not run ${call.binary}: ${error.message}`)));
    child.once("exit", (code, killedBy) => resolve(code ?? (killedBy ? 128 + (osConstants.signals[killedBy] ?? 0) : -1)));
  });
  // Terraform's group outlives noveli unless something ends it: the watchdog does, even after kill -9.
  const watchdog = child.pid !== undefined ? watchProcessGroup(spawn, child.pid, call.watchdogGraceMs) : undefined;
  const forward = () => {
    try {
      child.kill("SIGINT");
    } catch {
      /* already gone */
    }
  };
  signal?.addEventListener("abort", forward, { once: true });
  // --verbose: terraform's lines as they come; with -json, the text of each message, and each
  // message to onMessage (deploy's progress). Read from the output files as terraform writes them.
  const tail =
    reporter.verbose || (options.json && options.onMessage)
      ? output.follow((text, stream) => {
          if (!options.json || stream === "stderr") return reporter.verbose ? reporter.debug(text) : undefined;
          for (const message of parseUiMessages(text)) {
            if (reporter.verbose && message["@message"]) reporter.debug(message["@message"]);
            options.onMessage?.(message);
          }
        })
      : undefined;
  try {
    const exitCode = await exited;
    tail?.flush();
    const outcome = { exitCode, stdout: output.read("stdout"), stderr: output.read("stderr") };
    if (signal?.aborted) throw new AbortError(`terraform ${args[0]} interrupted; terraform stopped gracefully`);
    if (!okCodes.includes(outcome.exitCode)) {
      const diagnostics = options.json ? wholeDiagnostics(parseUiMessages(outcome.stdout)) : undefined;
      const text = diagnostics ?? terraformErrorText(outcome.stderr || outcome.stdout);
      throw new OperationError(`terraform-${args[0]}`, `terraform ${args[0]} failed: ${text}`, {
        hint: terraformHint(args[0] ?? "", text),
        details: { exitCode: outcome.exitCode, stderr: redact(outcome.stderr).slice(-8_000) },
      });
    }
    return outcome;
  } finally {
    tail?.stop();
    watchdog?.release();
    signal?.removeEventListener("abort", forward);
    output.remove();
  }
}

let outputSequence = 0;

/** Two files beside the staged root module that one terraform run writes its stdout and stderr to. */
function terraformOutputFiles(rootDir: string) {
  const dir = path.join(rootDir, ".noveli-output");
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${process.pid}-${++outputSequence}`);
  const files = { stdout: `${base}.out`, stderr: `${base}.err` };
  const stdoutFd = openSync(files.stdout, "w");
  const stderrFd = openSync(files.stderr, "w");
  return {
    stdoutFd,
    stderrFd,
    closeParentCopies() {
      closeSync(stdoutFd);
      closeSync(stderrFd);
    },
    read(which: "stdout" | "stderr"): string {
      try {
        return readFileSync(files[which], "utf8");
      } catch {
        return "";
      }
    },
    /** --verbose: terraform's lines as they come (polled; terraform prints progress every 10s). */
    follow(emit: (text: string, stream: "stdout" | "stderr") => void) {
      const offsets = { stdout: 0, stderr: 0 };
      const poll = () => {
        for (const which of ["stdout", "stderr"] as const) {
          const text = this.read(which);
          if (text.length > offsets[which]) {
            const fresh = text.slice(offsets[which]);
            const complete = fresh.lastIndexOf("\n") + 1;
            if (complete > 0) {
              emit(fresh.slice(0, complete).trimEnd(), which);
              offsets[which] += complete;
            }
          }
        }
      };
      const timer = setInterval(poll, 250);
      return {
        flush: () => {
          poll();
          for (const which of ["stdout", "stderr"] as const) {
            const rest = this.read(which).slice(offsets[which]);
            if (rest.trim() !== "") emit(rest.trimEnd(), which);
            offsets[which] += rest.length;
          }
        },
        stop: () => clearInterval(timer),
      };
    },
    remove() {
      rmSync(files.stdout, { force: true });
      rmSync(files.stderr, { force: true });
    },
  };
}

/**
 * Pure: terraform's own errors, whole: each `Error:` summary with every line of its detail (terraform
 * wraps them at 80 columns; they are joined back into sentences), on one line so the reporter's
 * one-line error keeps all of it. Source locations (`on main.tf line 3`, `with ...`) and the
 * quoted source lines are left out; --verbose shows terraform's output as it printed it.
 */
export function terraformErrorText(output: string): string {
  const lines = output.split("\n").map((l) => l.replace(/^[\u2502\u2577\u2575]\s?/, "").trimEnd());
  const errors: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!line.startsWith("Error: ")) continue;
    const detail: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const next = lines[j] ?? "";
      if (next.startsWith("Error: ") || next.startsWith("Warning: ")) break;
      if (/^\s*(on .+ line \d+|with .+:|\d+:\s)/.test(next) || /^\s*[\u2502\u251c\u2514].*/.test(next)) continue;
      if (next.trim() !== "") detail.push(next.trim());
    }
    i = j - 1;
    const summary = line.slice(7).trim();
    errors.push(detail.length > 0 ? `${summary}: ${detail.join(" ")}` : summary);
  }
  const text = errors.length > 0 ? errors.join("; ") : (lines.filter((l) => l.trim() !== "").slice(-3).join(" ") || "no output");
  const limit = 16_000;
  return redact(text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters: run with --verbose)` : text);
}

/** Pure: the error diagnostics of terraform's JSON UI, whole (every line of each detail), on one line; undefined when there are none. */
export function wholeDiagnostics(messages: TerraformUiMessage[]): string | undefined {
  const errors = messages
    .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
    .map((m) => {
      const summary = m.diagnostic?.summary ?? "error";
      const detail = (m.diagnostic?.detail ?? "").split("\n").map((line) => line.trim()).filter((line) => line !== "").join(" ");
      return detail ? `${summary}: ${detail}` : summary;
    });
  if (errors.length === 0) return undefined;
  const text = errors.join("; ");
  const limit = 16_000;
  return redact(text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters: run with --verbose)` : text);
}

/** Pure: noveli's hint for the terraform errors it knows, printed after terraform's own text. */
export function terraformHint(command: string, errorText: string): string {
  if (/Error acquiring the state lock/i.test(errorText)) return "another terraform run holds the state lock: wait for it to finish; if it died, noveli deploy --force-unlock breaks noveli's lock";
  if (/Backend configuration changed|Backend initialization required/i.test(errorText)) return "the workspace was initialised for another backend: run the command again (noveli re-initialises it), or remove the workspace's data/ folder under the state dir";
  if (/doesn't match any of the checksums/i.test(errorText)) return "the provider terraform found is not the one this workspace's lock file recorded when it was first initialised: if it was replaced on purpose (another mirror or provider build), remove the environment's folder under workspaces/ in the state dir and deploy again";
  if (/provider|registry\.terraform\.io/i.test(errorText) && /install|query|download|checksum/i.test(errorText)) return "terraform could not get the hashicorp/aws provider: noveli points it at a local filesystem mirror when one exists; see the README (Terraform)";
  if (/No valid credential sources|InvalidClientTokenId|ExpiredToken|security token/i.test(errorText)) return "terraform found no valid AWS credentials: check --profile, AWS_PROFILE or your SSO login";
  return `run with --verbose to see terraform ${command}'s whole output`;
}

/**
 * `init` with the S3 backend's bucket, key and region (and an emulator's endpoint options) given as
 * -backend-config. Always -reconfigure: the state lives in the bucket, the workspace only caches
 * the initialised backend, which may name an emulator port that changed since.
 */
export function initArgs(backendConfig: string[]): string[] {
  return ["init", "-input=false", "-reconfigure", ...backendConfig];
}

export async function terraformInit(call: TerraformCall, backendConfig: string[]): Promise<void> {
  await terraform(call, initArgs(backendConfig));
}

export interface PlanSettings {
  destroy?: boolean;
  /** Read every managed resource back before planning (terraform's default). Default true. */
  refresh?: boolean;
}

export function planArgs(planFile: string, varFile: string, options: PlanSettings = {}): string[] {
  return [
    "plan", "-input=false", "-detailed-exitcode", `-out=${planFile}`, `-var-file=${varFile}`,
    ...(options.destroy ? ["-destroy"] : []),
    ...(options.refresh === false ? ["-refresh=false"] : []),
    "-json",
  ];
}

/**
 * Pure: how deploy plans on a target. Real AWS: terraform's defaults, a full refresh (drift made
 * outside terraform is seen and planned away). An emulator: no refresh. Reading back every one of
 * the ~60 resources is most of a code-only redeploy's plan there, and an emulator's state and
 * resources live and die together (the state bucket is inside it), so its state is what it holds;
 * what noveli itself changes outside terraform (the live stage's color, the events target) is
 * ignored by the configuration or planned from the live stage either way.
 */
export function deployPlanSettings(target: { emulator: boolean }): PlanSettings {
  return target.emulator ? { refresh: false } : {};
}

export interface PlanOutcome {
  /** Whether the plan would change anything (terraform's detailed exit code). */
  changes: boolean;
  /** What it changes, from the plan's own machine-readable messages (the same list `show -json` gives). */
  planned: { address: string; type: string; action: PlannedAction; tainted?: true }[];
}

/** Saves a plan and says what it changes. */
export async function terraformPlan(call: TerraformCall, planFile: string, varFile: string, options: PlanSettings = {}): Promise<PlanOutcome> {
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

/**
 * Reads these resources (and what they depend on) back from the account into the state, and
 * changes nothing in the account: apply -refresh-only, targeted.
 */
export function refreshArgs(varFile: string, targets: readonly string[]): string[] {
  return ["apply", "-refresh-only", "-input=false", "-auto-approve", `-var-file=${varFile}`, ...targets.map((address) => `-target=${address}`), "-json"];
}

export async function terraformRefresh(call: TerraformCall, varFile: string, targets: readonly string[]): Promise<void> {
  await terraform(call, refreshArgs(varFile, targets), [0], { json: true });
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
