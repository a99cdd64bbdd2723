import { errorMessage, isNoveliError } from "../errors.js";
import { redact } from "@noveli/providers/redact";
import { colorEnabled, styleFor, type Style } from "./style.js";

/** Version of every --json document noveli prints. Bump on a breaking change of any document. */
export const SCHEMA_VERSION = 1;

export type Level = "debug" | "info" | "warn" | "error";

/** What a running phase can say about its progress, e.g. "12/38". */
export interface PhaseProgress {
  /**
   * Shows the phase's progress: the spinner's text on a terminal. Outside one, only updates marked
   * `milestone` print a line, so a CI log gets a few lines rather than one per step.
   */
  update(text: string, options?: { milestone?: boolean }): void;
  /**
   * Ends the phase, when it returns, with a neutral mark and this text instead of ✓: for what
   * was not done and is no failure, e.g. "not available on the emulator".
   */
  note(text: string): void;
}

/**
 * The one way commands talk to the user. Results go to stdout (one JSON document with --json,
 * human text otherwise); progress, logs and spinners go to stderr. Every line is redacted.
 */
export interface Reporter {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly style: Style;
  /** Whether stdout is an interactive terminal (streamed text, prompts). */
  readonly interactive: boolean;
  /** The width of the terminal stdout is, in columns; undefined when it is none or reports none. */
  readonly columns?: number | undefined;
  log(level: Level, message: string): void;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Runs one phase: a spinner on an interactive stderr outside CI, plain start/end lines otherwise. */
  phase<T>(title: string, run: (progress: PhaseProgress) => Promise<T>): Promise<T>;
  /** Raw result text on stdout (human mode only); used for streamed story text. */
  write(text: string): void;
  /**
   * The command's result. With --json: exactly one document `{schemaVersion, ...document}` on stdout.
   * Without: `human` renders text lines, written to stdout.
   */
  result(document: object, human: (lines: string[], style: Style) => void): void;
  /** Reports a failure: one line (plus an optional hint) on stderr, and the error document with --json. */
  failure(error: unknown): void;
}

export interface StreamReporterOptions {
  json: boolean;
  verbose: boolean;
  stdout?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export class StreamReporter implements Reporter {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly style: Style;
  readonly interactive: boolean;
  private readonly stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  private readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  private readonly spinners: boolean;
  private readonly errStyle: Style;
  private resultWritten = false;

  constructor(options: StreamReporterOptions) {
    const env = options.env ?? process.env;
    this.json = options.json;
    this.verbose = options.verbose;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.style = styleFor(!this.json && colorEnabled(this.stdout, env));
    this.errStyle = styleFor(colorEnabled(this.stderr, env));
    this.interactive = !this.json && this.stdout.isTTY === true;
    const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false";
    this.spinners = this.stderr.isTTY === true && !ci;
  }

  get columns(): number | undefined {
    const columns = this.stdout.columns;
    return this.stdout.isTTY === true && columns !== undefined && columns > 0 ? columns : undefined;
  }

  log(level: Level, message: string): void {
    if (level === "debug" && !this.verbose) return;
    const s = this.errStyle;
    const prefix =
      level === "warn" ? s.yellow("warning: ") : level === "error" ? s.red("error: ") : level === "debug" ? s.dim("· ") : "";
    this.stderr.write(`${prefix}${redact(message)}\n`);
  }

  info(message: string): void {
    this.log("info", message);
  }

  warn(message: string): void {
    this.log("warn", message);
  }

  debug(message: string): void {
    this.log("debug", message);
  }

  async phase<T>(title: string, run: (progress: PhaseProgress) => Promise<T>): Promise<T> {
    const started = Date.now();
    const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
    let note: string | undefined;
    if (!this.spinners || this.verbose) {
      this.info(`${title}...`);
      const progress: PhaseProgress = {
        update: (text, options) => {
          if (options?.milestone) this.info(`  ${title}: ${text}`);
          else this.debug(`${title}: ${text}`);
        },
        note: (text) => {
          note = text;
        },
      };
      try {
        const value = await run(progress);
        if (note !== undefined) this.info(`${this.errStyle.dim("–")} ${title}: ${note} (${seconds()}s)`);
        else this.info(`${this.errStyle.green("✓")} ${title} (${seconds()}s)`);
        return value;
      } catch (error) {
        this.info(`${this.errStyle.red("✗")} ${title} (${seconds()}s)`);
        throw error;
      }
    }
    const { default: ora } = await import("ora");
    const spinner = ora({ text: redact(title), stream: this.stderr as NodeJS.WriteStream }).start();
    const progress: PhaseProgress = {
      update: (text, options) => {
        // A phase that ended (a failure, say) can still get a late event from what it ran, e.g.
        // terraform's output read to its end: drawing it would leave a spinner frame under the ✖
        // and in front of the error line. Once stopped, a spinner draws nothing more.
        if (!spinner.isSpinning) return;
        spinner.text = redact(`${title} ${text}`);
        // ora draws on its own timer; a milestone (e.g. the last of N/N, which can arrive just
        // before the phase ends) is drawn at once so the terminal always shows it.
        if (options?.milestone) spinner.render();
      },
      note: (text) => {
        note = text;
      },
    };
    try {
      const value = await run(progress);
      if (note !== undefined) spinner.stopAndPersist({ symbol: "–", text: redact(`${title}: ${note} (${seconds()}s)`) });
      else spinner.succeed(`${redact(title)} (${seconds()}s)`);
      return value;
    } catch (error) {
      spinner.fail(`${redact(title)} (${seconds()}s)`);
      throw error;
    }
  }

  write(text: string): void {
    if (!this.json) this.stdout.write(redact(text));
  }

  result(document: object, human: (lines: string[], style: Style) => void): void {
    if (this.json) {
      this.writeJson({ schemaVersion: SCHEMA_VERSION, ...document });
      return;
    }
    const lines: string[] = [];
    human(lines, this.style);
    if (lines.length > 0) this.stdout.write(redact(`${lines.join("\n")}\n`));
  }

  failure(error: unknown): void {
    const message = errorMessage(error);
    this.log("error", message);
    if (isNoveliError(error) && error.hint) this.stderr.write(`${redact(`hint: ${error.hint}`)}\n`);
    if (this.verbose && error instanceof Error && !isNoveliError(error) && error.stack) this.debug(error.stack);
    if (this.json && !this.resultWritten) {
      this.writeJson({
        schemaVersion: SCHEMA_VERSION,
        error: {
          code: isNoveliError(error) ? error.code : "internal",
          message,
          ...(isNoveliError(error) && error.hint ? { hint: error.hint } : {}),
          ...(isNoveliError(error) && error.details ? { details: error.details } : {}),
        },
      });
    }
  }

  private writeJson(document: object): void {
    // One document per process: a failure after a result must not add a second one.
    if (this.resultWritten) return;
    this.resultWritten = true;
    this.stdout.write(`${redact(JSON.stringify(document, null, 2))}\n`);
  }
}

/** A reporter that records everything, for tests: no stdout scraping. */
export class MemoryReporter implements Reporter {
  readonly json: boolean;
  readonly verbose = true;
  readonly style = styleFor(false);
  readonly interactive = false;
  readonly messages: { level: Level; message: string }[] = [];
  readonly phases: string[] = [];
  /** Every progress update, as "<phase title>: <text>". */
  readonly progress: string[] = [];
  readonly documents: object[] = [];
  readonly lines: string[] = [];
  readonly failures: unknown[] = [];
  text = "";

  constructor(options: { json?: boolean } = {}) {
    this.json = options.json ?? false;
  }

  log(level: Level, message: string): void {
    this.messages.push({ level, message: redact(message) });
  }
  info(message: string): void {
    this.log("info", message);
  }
  warn(message: string): void {
    this.log("warn", message);
  }
  debug(message: string): void {
    this.log("debug", message);
  }
  async phase<T>(title: string, run: (progress: PhaseProgress) => Promise<T>): Promise<T> {
    this.phases.push(title);
    return run({ update: (text) => this.progress.push(`${title}: ${text}`), note: (text) => this.progress.push(`${title}: – ${text}`) });
  }
  write(text: string): void {
    this.text += redact(text);
  }
  result(document: object, human: (lines: string[], style: Style) => void): void {
    this.documents.push({ schemaVersion: SCHEMA_VERSION, ...document });
    human(this.lines, this.style);
  }
  failure(error: unknown): void {
    this.failures.push(error);
  }
}
