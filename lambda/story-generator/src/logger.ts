/**
 * Structured JSON logs, one object per line on stdout: CloudWatch Logs Insights queries fields
 * directly, and the same line format works with the Lambda log format set to Text or JSON.
 * Secrets never reach this module: callers log ids, counts and error classes, never keys, and
 * `redactLog` scrubs anything that looks like a credential from free text as a second line of defence.
 */
import { redact } from "@noveli/providers/redact";

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
const LEVELS: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export type LogFields = Record<string, unknown>;
export type LineWriter = (line: string) => void;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines also carry these fields (request id, trace id, session id...). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service?: string;
  /** Minimum level; default from LOG_LEVEL or AWS_LAMBDA_LOG_LEVEL, else INFO. */
  level?: LogLevel;
  write?: LineWriter;
  now?: () => number;
}

export function logLevelFromEnv(env: Record<string, string | undefined>): LogLevel {
  const raw = (env.LOG_LEVEL ?? env.AWS_LAMBDA_LOG_LEVEL ?? "").toUpperCase();
  if (raw === "WARNING") return "WARN";
  return raw in LEVELS ? (raw as LogLevel) : "INFO";
}

/** Writes straight to stdout, bypassing the runtime's patched console (which would prefix the line). */
export const stdoutWriter: LineWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

/** Log lines mark what the shared redaction hid as "[redacted]". */
const LOG_REDACTION = { marker: "[redacted]" } as const;

/** Replaces anything that looks like a credential with a marker (@noveli/providers/redact, the CLI's and the providers' too). */
export function redactLog(text: string): string {
  return redact(text, LOG_REDACTION);
}

/** An error as log fields: name, message (redacted) and, for unexpected errors, the stack. */
export function errorFields(error: unknown, withStack = false): LogFields {
  if (error instanceof Error) {
    return {
      errorName: error.name,
      errorMessage: redactLog(error.message),
      ...(withStack && error.stack ? { stack: redactLog(error.stack) } : {}),
    };
  }
  return { errorMessage: redactLog(String(error)) };
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const min = LEVELS[options.level ?? "INFO"];
  const write = options.write ?? stdoutWriter;
  const now = options.now ?? Date.now;
  const service = options.service ?? "story-generator";
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const line: LogFields = { timestamp: new Date(now()).toISOString(), level, service, message: redactLog(message), ...bound, ...fields };
    let serialized: string;
    try {
      serialized = JSON.stringify(line, jsonSafe);
    } catch {
      serialized = JSON.stringify({ timestamp: line.timestamp, level, service, message: redactLog(message), logError: "unserializable fields" });
    }
    write(serialized);
  };
  return {
    debug: (message, fields) => emit("DEBUG", message, fields),
    info: (message, fields) => emit("INFO", message, fields),
    warn: (message, fields) => emit("WARN", message, fields),
    error: (message, fields) => emit("ERROR", message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return errorFields(value);
  return value;
}
