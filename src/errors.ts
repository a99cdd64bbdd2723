/**
 * Typed errors with stable codes. Only the top level (src/cli.ts) turns them into an exit code;
 * the exit codes are a documented contract (README, "Exit codes").
 */
export const ExitCode = {
  /** The operation succeeded. */
  Success: 0,
  /** The operation ran and failed: unhealthy, verification mismatch, all providers failed, over budget. */
  Failed: 1,
  /** Usage or configuration error: bad flags, missing tools, nothing configured. */
  Usage: 2,
  /** A traffic change was rolled back. */
  RolledBack: 3,
  /** Interrupted by SIGINT/SIGTERM, after cleanup. */
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface NoveliErrorOptions {
  /** A follow-up line telling the user what to do. */
  hint?: string;
  cause?: unknown;
  /** Structured evidence that goes into the --json error document. */
  details?: Record<string, unknown>;
}

export class NoveliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, exitCode: ExitCodeValue, options: NoveliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Bad flags or arguments. Exit 2. */
export class UsageError extends NoveliError {
  constructor(message: string, options?: NoveliErrorOptions) {
    super("usage", message, ExitCode.Usage, options);
  }
}

/** The machine or project is not set up for this: a missing tool, no credentials, no provider. Exit 2. */
export class ConfigError extends NoveliError {
  constructor(code: string, message: string, options?: NoveliErrorOptions) {
    super(code, message, ExitCode.Usage, options);
  }
}

/** The operation ran and failed. Exit 1. */
export class OperationError extends NoveliError {
  constructor(code: string, message: string, options?: NoveliErrorOptions) {
    super(code, message, ExitCode.Failed, options);
  }
}

/** Someone else holds the lock for this environment. Exit 1. */
export class LockError extends NoveliError {
  constructor(message: string, options?: NoveliErrorOptions) {
    super("locked", message, ExitCode.Failed, options);
  }
}

/** A traffic change was rolled back. Exit 3. */
export class RolledBackError extends NoveliError {
  constructor(message: string, options?: NoveliErrorOptions) {
    super("rolled-back", message, ExitCode.RolledBack, options);
  }
}

/** Interrupted by a signal; cleanup has run. Exit 130. */
export class AbortError extends NoveliError {
  constructor(message = "interrupted", options?: NoveliErrorOptions) {
    super("interrupted", message, ExitCode.Interrupted, options);
  }
}

export function isNoveliError(error: unknown): error is NoveliError {
  return error instanceof NoveliError;
}

/** The first line of any thrown value, for one-line error output. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error).split("\n")[0] ?? "unknown error";
}

/**
 * A file-system error (read-only state dir, a file where a folder should be, a full disk) as a
 * one-line ConfigError naming the path and what to do, instead of "unexpected error: EROFS".
 * Undefined for anything else.
 */
export function fileSystemError(error: unknown): ConfigError | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== "object" || typeof e.code !== "string" || typeof e.path !== "string") return undefined;
  const what: Record<string, string> = {
    EROFS: "the file system is read-only",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOTDIR: "a part of the path is a file, not a folder",
    EISDIR: "it is a folder, not a file",
    ENOSPC: "the disk is full",
    EEXIST: "something else already exists there",
  };
  const reason = what[e.code];
  if (!reason) return undefined;
  return new ConfigError("state-dir", `cannot ${e.syscall ?? "use"} ${e.path}: ${reason} (${e.code})`, {
    hint: "noveli keeps its local records in .noveli/ or NOVELI_STATE_DIR: point it at a writable folder",
    cause: error,
  });
}
