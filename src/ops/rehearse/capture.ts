import type { Level, PhaseProgress, Reporter } from "../../output/reporter.js";
import type { Style } from "../../output/style.js";

/**
 * Runs a command inside the rehearsal: its progress still reaches the user (stderr), its result
 * document is captured for the rehearsal's own report instead of being printed.
 */
export class CapturingReporter implements Reporter {
  readonly json = false;
  readonly verbose: boolean;
  readonly style: Style;
  readonly interactive = false;
  document: Record<string, unknown> | undefined;
  humanLines: string[] = [];

  constructor(private readonly parent: Reporter) {
    this.verbose = parent.verbose;
    this.style = parent.style;
  }

  log(level: Level, message: string): void {
    this.parent.log(level, message);
  }
  info(message: string): void {
    this.parent.info(message);
  }
  warn(message: string): void {
    this.parent.warn(message);
  }
  debug(message: string): void {
    this.parent.debug(message);
  }
  phase<T>(title: string, run: (progress: PhaseProgress) => Promise<T>): Promise<T> {
    return this.parent.phase(title, run);
  }
  write(): void {
    /* streamed text of a sub-command is not part of a rehearsal */
  }
  result(document: object, human: (lines: string[], style: Style) => void): void {
    this.document = { ...(document as Record<string, unknown>) };
    const lines: string[] = [];
    human(lines, this.style);
    this.humanLines = lines;
  }
  failure(): void {
    /* the rehearsal reports the failing step itself */
  }
}
