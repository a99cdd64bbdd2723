import type { ChildProcess, spawn as SpawnFunction } from "node:child_process";

/**
 * Terraform runs in its own process group (a Ctrl-C at the terminal must reach noveli only), so
 * nothing ends it, or the provider plugins in its group, when noveli itself dies: a kill -9 of
 * noveli would leave terraform applying and each terraform-provider-aws holding ~0.6 GB.
 *
 * The watchdog is a tiny Node process in a group of its own that holds the read end of a pipe
 * from noveli. The kernel closes the write end however noveli ends (exit, crash, kill -9); the
 * watchdog then reads end-of-file and stops terraform the way noveli itself would: ONE SIGINT to
 * terraform (it stops gracefully: in-flight operations finish, the state is saved, its lock
 * released). A second signal would make terraform exit at once, "data loss may have occurred",
 * and leave an empty state file, so there is none: only when terraform has not finished after
 * `graceMs` does the whole group get SIGKILL. Once terraform has exited, whatever is left in its
 * group (a provider plugin) gets SIGKILL. When terraform finishes first, noveli writes "done"
 * before closing the pipe and the watchdog exits touching nothing.
 */
export const WATCHDOG_GRACE_MS = 90_000;

// Runs as `node -e`: it must not depend on noveli's files (dist may be replaced under it).
const WATCHDOG_SCRIPT = `
const group = Number(process.argv[1]);
const grace = Number(process.argv[2]);
let input = "";
const exists = (target) => { try { process.kill(target, 0); return true; } catch (e) { return e.code === "EPERM"; } };
const send = (target, sig) => { try { process.kill(target, sig); } catch {} };
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("error", () => {});
process.stdin.on("close", () => {
  if (input.includes("done") || !exists(-group)) process.exit(0);
  send(group, "SIGINT");
  const started = Date.now();
  setInterval(() => {
    const waited = Date.now() - started;
    if (!exists(-group)) process.exit(0);
    if (!exists(group) || waited > grace) send(-group, "SIGKILL");
    // A group that keeps only zombies (nobody reaps them) still answers kill 0: give up then.
    if (waited > grace + 10000) process.exit(0);
  }, 100);
});
`;

export interface Watchdog {
  /** Terraform ended on its own: the watchdog leaves and signals nothing. */
  release(): void;
}

/**
 * Starts the watchdog of one terraform process group (the group id is the terraform child's pid).
 * `spawn` is passed in so that child_process loads only where terraform runs.
 */
export function watchProcessGroup(spawn: typeof SpawnFunction, group: number, graceMs = WATCHDOG_GRACE_MS): Watchdog {
  let dog: ChildProcess | undefined;
  try {
    dog = spawn(process.execPath, ["-e", WATCHDOG_SCRIPT, String(group), String(graceMs)], {
      detached: true, // its own group: a kill of noveli's group must not take the watchdog with it
      stdio: ["pipe", "ignore", "ignore"],
      env: {},
    });
    dog.on("error", () => undefined);
    dog.stdin?.on("error", () => undefined);
    dog.unref();
    // The pipe must not keep noveli's event loop alive either.
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    dog = undefined;
  }
  let released = false;
  return {
    release() {
      if (released || !dog?.stdin) return;
      released = true;
      dog.stdin.end("done\n");
    },
  };
}
