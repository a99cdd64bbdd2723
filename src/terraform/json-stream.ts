/**
 * Pure: reading terraform's machine-readable UI (`plan -json`, `apply -json`: one JSON message a
 * line). Deploy reads its plan summary from the plan's own `planned_change` messages and its
 * outputs from the apply's `outputs` message, which spares it a `terraform show -json` and a
 * `terraform output -json`: each of those starts terraform again (show -json the provider too).
 */

/** One message of terraform's JSON UI; only the fields noveli reads. */
export interface TerraformUiMessage {
  type: string;
  "@level"?: string;
  "@message"?: string;
  "@timestamp"?: string;
  change?: { resource?: { addr?: string; resource_type?: string }; action?: string; reason?: string };
  hook?: { resource?: { addr?: string; resource_type?: string }; action?: string; elapsed_seconds?: number };
  outputs?: Record<string, { sensitive?: boolean; value?: unknown }>;
  diagnostic?: { severity?: string; summary?: string; detail?: string };
}

export function parseUiMessages(stdout: string): TerraformUiMessage[] {
  const messages: TerraformUiMessage[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const message = JSON.parse(line) as TerraformUiMessage;
      if (typeof message.type === "string") messages.push(message);
    } catch {
      /* not a UI message (terraform prints nothing else on stdout with -json) */
    }
  }
  return messages;
}

export type PlannedAction = "create" | "update" | "replace" | "delete";

/** Each resource instance the plan changes (no-ops, reads, moves and forgets left out), in plan order. */
export function plannedChanges(messages: TerraformUiMessage[]): { address: string; type: string; action: PlannedAction; tainted?: true }[] {
  const changes: { address: string; type: string; action: PlannedAction; tainted?: true }[] = [];
  for (const message of messages) {
    if (message.type !== "planned_change") continue;
    const action = message.change?.action;
    const address = message.change?.resource?.addr;
    if (address === undefined || (action !== "create" && action !== "update" && action !== "replace" && action !== "delete")) continue;
    // A replace because the object is tainted: its creation never finished (an interrupted apply).
    const tainted = action === "replace" && message.change?.reason === "tainted";
    changes.push({ address, type: message.change?.resource?.resource_type ?? "", action, ...(tainted ? { tainted: true as const } : {}) });
  }
  return changes;
}

export interface AppliedResource {
  address: string;
  action: string;
  /** How long terraform spent on it (its provider's waits included), whole seconds as terraform reports. */
  seconds: number;
  /** When it started, seconds after the apply's first message. */
  startedAt: number;
}

export interface ApplyOutcome {
  /** The root module's outputs as `terraform output -json` gives them; undefined when one is sensitive (its value is left out). */
  outputs: Record<string, { value: unknown }> | undefined;
  /** Every resource the apply changed, slowest first. */
  resources: AppliedResource[];
}

export function applyOutcome(messages: TerraformUiMessage[]): ApplyOutcome {
  const first = messages.find((m) => m["@timestamp"] !== undefined)?.["@timestamp"];
  const origin = first ? Date.parse(first) : Number.NaN;
  const started = new Map<string, number>();
  const resources: AppliedResource[] = [];
  let outputs: ApplyOutcome["outputs"];
  for (const message of messages) {
    const address = message.hook?.resource?.addr;
    if (message.type === "apply_start" && address !== undefined) started.set(address, Date.parse(message["@timestamp"] ?? ""));
    if (message.type === "apply_complete" && address !== undefined) {
      const at = started.get(address) ?? Number.NaN;
      resources.push({
        address,
        action: message.hook?.action ?? "",
        seconds: message.hook?.elapsed_seconds ?? 0,
        startedAt: Number.isFinite(at - origin) ? Math.round((at - origin) / 100) / 10 : 0,
      });
    }
    if (message.type === "outputs" && message.outputs) {
      const values = Object.entries(message.outputs);
      outputs = values.some(([, output]) => output.sensitive === true || !("value" in output))
        ? undefined
        : Object.fromEntries(values.map(([name, output]) => [name, { value: output.value }]));
    }
  }
  resources.sort((a, b) => b.seconds - a.seconds || a.startedAt - b.startedAt);
  return { outputs, resources };
}

/** The error diagnostics' text, as terraformErrorText gives it for the human UI; undefined when there are none. */
export function errorDiagnostics(messages: TerraformUiMessage[]): string | undefined {
  const errors = messages
    .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
    .map((m) => {
      const summary = m.diagnostic?.summary ?? "error";
      const detail = m.diagnostic?.detail?.split("\n").find((line) => line.trim() !== "");
      return detail ? `${summary} (${detail.trim()})` : summary;
    });
  return errors.length > 0 ? errors.join("; ") : undefined;
}
