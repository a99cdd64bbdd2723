import { readFileSync, readdirSync } from "node:fs";

/** Whether a process with this pid exists (and we may signal it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The command line of a process, where the OS exposes it (Linux /proc); undefined elsewhere. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return undefined;
  }
}

/**
 * When a process started, in clock ticks since boot (Linux /proc/<pid>/stat field 22): with the pid
 * it names one process for the life of the machine, where a pid alone is reused. Undefined
 * elsewhere or when the process is gone.
 */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses) start at state (field 3).
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** The environment a process started with (Linux /proc, same user only); undefined when unreadable. */
export function processEnvironment(pid: number): Record<string, string> | undefined {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter((e) => e.includes("="));
    return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  } catch {
    return undefined;
  }
}

/** Pids of the processes this OS lists (Linux /proc); empty elsewhere. */
export function listPids(): number[] {
  try {
    return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

