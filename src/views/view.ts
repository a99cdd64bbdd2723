import type { Reporter } from "../output/reporter.js";
import type { Style } from "../output/style.js";

/**
 * How one command's typed result is shown, chosen once: `json` is the document printed with
 * --json (the reporter adds `schemaVersion`), `human` the lines printed otherwise. Both are pure:
 * a result in, a document or lines out, so a view is unit-tested without a reporter.
 */
export interface View<R> {
  json(result: R): object;
  human(result: R, style: Style): string[];
}

/** Prints a command's result through its view: exactly one document with --json, its lines otherwise. */
export function render<R>(reporter: Reporter, view: View<R>, result: R): void {
  reporter.result(view.json(result), (lines, style) => {
    lines.push(...view.human(result, style));
  });
}
