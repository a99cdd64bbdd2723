import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import path from "node:path";
import { LockError } from "../errors.js";
import { processAlive } from "../system/process.js";

/** Who holds a lock: shown to the one who is refused. */
export interface LockHolder {
  pid: number;
  host: string;
  user: string;
  operation: string;
  since: string;
}

export interface HeldLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** The holder of a stale or broken lock this one replaced: its operation never finished. */
  readonly tookOverFrom?: LockHolder;
  release(): void;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}

/** The holder, when the lock file holds one; `null`, `"hello"` or a torn write read as unreadable. */
export function readLockHolder(lockPath: string): LockHolder | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(lockPath, "utf8"));
  } catch {
    return undefined;
  }
  const h = parsed as Partial<LockHolder> | null;
  const valid =
    typeof h === "object" && h !== null && Number.isInteger(h.pid) && typeof h.host === "string" && typeof h.user === "string" && typeof h.operation === "string" && typeof h.since === "string";
  return valid ? (h as LockHolder) : undefined;
}

/**
 * A machine-local lock file, for what only this machine shares: starting the embedded emulator,
 * and drill records kept in a state dir by library use. Environments are locked by their lease in
 * the account (lease.ts), never by this.
 *
 * Takes an exclusive lock file (O_EXCL), or fails at once naming the holder. A lock whose holder
 * process is gone on this host is stale and taken over; `force` breaks any lock (--force-unlock).
 */
export function acquireLock(lockPath: string, operation: string, options: { force?: boolean } = {}): HeldLock {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    user: currentUser(),
    operation,
    since: new Date().toISOString(),
  };
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      let released = false;
      return {
        path: lockPath,
        holder,
        ...(tookOverFrom ? { tookOverFrom } : {}),
        release() {
          if (released) return;
          released = true;
          const current = readLockHolder(lockPath);
          if (current && current.pid === holder.pid && current.since === holder.since) rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const existing = readLockHolder(lockPath);
      const stale =
        existing === undefined
          ? !maybeMidWrite(lockPath) || ageMs(lockPath) > 5_000 // garbled, or a holder that died mid-write
          : existing.host === hostname() && !processAlive(existing.pid);
      if (options.force || stale) {
        tookOverFrom = existing;
        rmSync(lockPath, { force: true });
        continue;
      }
      if (existing === undefined) throw new LockError(`${operation} refused: another noveli process is taking the lock ${lockPath}`);
      throw new LockError(
        `${operation} refused: ${existing.operation} by ${existing.user}@${existing.host} (pid ${existing.pid}) holds the lock since ${existing.since}`,
        { hint: "wait for it to finish, or use --force-unlock if that process is gone", details: { holder: existing } },
      );
    }
  }
  throw new LockError(`${operation} refused: could not take the lock at ${lockPath}`);
}

/**
 * Whether an unreadable lock file may be one another process is writing right now: noveli writes a
 * JSON object, so only an empty file or the start of an object can be that. Whole JSON that is no
 * holder (`null`, `"hello"`, `42`) or other text never is: it is broken, and taken over at once.
 */
function maybeMidWrite(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return false;
  }
  if (text.trim() === "") return true;
  if (!text.trimStart().startsWith("{")) return false;
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The warning a takeover owes the operator: the last change ran with nobody watching it to the end. */
export function warnTakeover(reporter: { warn(message: string): void }, previous: LockHolder): void {
  reporter.warn(
    `took over the lock of ${previous.operation} by ${previous.user}@${previous.host} (pid ${previous.pid}, since ${previous.since}): it never finished, so what it changed went unwatched; check noveli status`,
  );
}
