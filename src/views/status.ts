import { COLORS } from "../core/color.js";
import type { EnvironmentStatus, HistoryEntry } from "../ops/traffic/status.js";
import { relativeTime } from "../output/relative-time.js";
import type { View } from "./view.js";

/** How `noveli status` shows the environment: human lines say how long ago (from `now`), the JSON keeps the ISO times. */
export function statusView(now: Date): View<EnvironmentStatus> {
  const ago = (iso: string) => relativeTime(iso, now);
  return {
    json: (report) => report,
    human: (report, s) => {
      const lines: string[] = [];
      const canary = report.live.canary;
      lines.push(
        `${s.bold(report.env)}: live ${report.live.color ? s.bold(report.live.color) : s.red(`unknown (${JSON.stringify(report.live.deployment)})`)}` +
          (canary ? s.yellow(`, canary ${canary.percentTraffic}% to ${canary.color ?? "?"}`) : ", no canary"),
      );
      if (report.operationInProgress) {
        const h = report.operationInProgress;
        lines.push(
          h.expired
            ? s.red(`  NOT finished: ${h.summary}: it stopped renewing its lease (died?); what it changed went unwatched; the next command takes the lease over`)
            : s.yellow(`  lease: ${h.summary}`),
        );
      }
      lines.push(`  live API  ${s.bold(report.urls.live)}`);
      for (const color of COLORS) {
        const c = report.colors[color];
        const marker = c.trafficPercent > 0 ? s.green(`${String(c.trafficPercent).padStart(3)}%`) : s.dim("  0%");
        lines.push(`  ${color.padEnd(5)} API ${report.urls[color]}`);
        lines.push(
          c.error
            ? `  ${marker} ${color.padEnd(5)} ${s.red(`cannot read alias ${c.alias}: ${c.error}`)}`
            : `  ${marker} ${color.padEnd(5)} version ${c.version ?? "?"}  Lambda ${c.lambdaVersion}  code ${c.codeSha256}` +
                (c.matchesDeployRecord === false
                  ? s.yellow("  not what noveli last deployed to it (moved outside noveli?)")
                  : c.deployedAt
                    ? s.dim(`  deployed ${ago(c.deployedAt)}`)
                    : ""),
        );
      }
      const events = report.events;
      if (!events) lines.push(s.dim("story events: no EventBridge rule in this environment"));
      else if (events.error) lines.push(`story events: rule ${events.rule} → ${s.red(`cannot read its target: ${events.error}`)}`);
      else {
        const where = events.color ? `the ${s.bold(events.color)} alias (${events.alias})` : `${events.targetArn ?? "?"}`;
        const verdict = events.followsLive ? s.green("follows live") : s.yellow(`not the live color: run noveli switch-traffic ${report.live.color ?? "<color>"} to repoint it`);
        lines.push(`story events: rule ${events.rule} → ${where}, ${verdict}`);
      }
      const firing = report.alarms.filter((a) => a.state === "ALARM");
      lines.push(`alarms: ${report.alarms.length} (${firing.length} in ALARM)`);
      for (const alarm of report.alarms) {
        const state = alarm.state === "ALARM" ? s.red(alarm.state) : alarm.state === "OK" ? s.green(alarm.state) : s.dim(alarm.state);
        lines.push(`  ${state.padEnd(alarm.state.length)} ${alarm.name}${alarm.state === "ALARM" && alarm.reason ? s.dim(` (${alarm.reason})`) : ""}`);
      }
      lines.push("recent deploys:");
      if (report.history.deploys.length === 0) lines.push(s.dim("  none recorded"));
      for (const entry of report.history.deploys) lines.push(`  ${historyLine(entry, ago)}`);
      lines.push("recent switches and rollbacks:");
      if (report.history.switches.length === 0) lines.push(s.dim("  none recorded"));
      for (const entry of report.history.switches) lines.push(`  ${historyLine(entry, ago)}`);
      return lines;
    },
  };
}

function historyLine(entry: HistoryEntry, ago: (iso: string) => string): string {
  const what =
    entry.type === "deploy"
      ? `deploy ${entry.color ?? "?"}${entry.version ? ` ${entry.version}` : ""}: ${entry.outcome}`
      : `${entry.type} ${entry.from ?? "?"} → ${entry.to ?? "?"}: ${entry.outcome}`;
  return `${ago(entry.at).padEnd(11)} ${what}  (${entry.user})${entry.reason ? ` — ${entry.reason}` : ""}`;
}
