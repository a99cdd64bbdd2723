import { readFileSync, readdirSync } from "node:fs";

/** One live (not zombie) process, from Linux /proc. */
export interface ProcessInfo {
  pid: number;
  pgid: number;
  commandLine: string;
}

/** Every live process on this machine (zombies left out: they hold no memory and run nothing). */
export function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      processes.push({ pid: Number(entry), pgid: Number(fields[2]), commandLine });
    } catch {
      /* exited meanwhile */
    }
  }
  return processes;
}

/** Pids of the live processes in a process group. */
export function groupMembers(group: number): number[] {
  return listProcesses()
    .filter((p) => p.pgid === group)
    .map((p) => p.pid);
}

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return check();
}

/** SIGKILL to every group in the list (test cleanup); gone groups are fine. */
export function killGroups(groups: Iterable<number>): void {
  for (const group of groups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}
