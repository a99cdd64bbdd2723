import type { LocalStatusResult, LocalUpResult, StopResult } from "../ops/local/emulator.js";
import type { View } from "./view.js";

/** `noveli local up`: where the emulator listens and how to use and stop it. */
export const localUpView: View<LocalUpResult> = {
  json: ({ record, reused }) => ({ command: "local up", state: "running", reused, url: record.url, pid: record.pid, port: record.port, startedAt: record.startedAt, logFile: record.logFile }),
  human: ({ record, reused }, s) => [
    `${s.green("●")} local AWS emulator ${reused ? "already running" : "started"} at ${s.bold(record.url)} (pid ${record.pid})`,
    `  use it with --local on any command; stop it with: noveli local down`,
  ],
};

/** `noveli local down`: what was stopped (or left alone). */
export const localDownView: View<StopResult> = {
  json: ({ stopped, leftAlone }) => ({ command: "local down", state: "stopped", stopped: stopped ? { pid: stopped.pid, url: stopped.url } : null, ...(leftAlone ? { leftAlone } : {}) }),
  human: ({ stopped }) => [stopped ? `local AWS emulator stopped (pid ${stopped.pid}, ${stopped.url})` : "local AWS emulator was not running"],
};

/** `noveli local status`: running, stopped, or a stale record and why. */
export const localStatusView: View<LocalStatusResult> = {
  json: ({ status, stateDir }) => {
    const record = status.state === "stopped" ? undefined : status.record;
    return {
      command: "local status",
      state: status.state,
      running: status.state === "running",
      url: status.state === "running" ? status.record.url : null,
      pid: status.state === "running" ? status.record.pid : null,
      startedAt: record?.startedAt ?? null,
      ...(status.state === "stale" ? { reason: status.reason } : {}),
      stateDir,
    };
  },
  human: ({ status }, s) => {
    if (status.state === "running") return [`${s.green("●")} running at ${s.bold(status.record.url)} (pid ${status.record.pid}, since ${status.record.startedAt})`];
    if (status.state === "stale") return [`${s.yellow("●")} not running: ${status.reason} (the record is cleared by noveli local up or down)`];
    return [`${s.dim("○")} not running (start it with: noveli local up)`];
  },
};
