import { SCHEMA_VERSION } from "../output/reporter.js";
import type { ValidationReport } from "../validate/engine.js";
import { jsonDocument, renderText, sarifDocument } from "../validate/render.js";
import type { View } from "./view.js";

export const VALIDATE_FORMATS = ["text", "json", "sarif"] as const;
export type ValidateFormat = (typeof VALIDATE_FORMATS)[number];

/**
 * How `noveli validate` shows its findings in the chosen format: text (grouped by file), json (the
 * versioned document, also without --json) or sarif (SARIF 2.1.0 for code scanning, naming `toolVersion`).
 */
export function validateView(format: ValidateFormat, toolVersion: string): View<ValidationReport> {
  switch (format) {
    case "sarif":
      return {
        json: (report) => sarifDocument(report, { toolVersion }),
        human: (report) => [JSON.stringify(sarifDocument(report, { toolVersion }), null, 2)],
      };
    case "json":
      // --format json without --json: the same versioned document, printed as the human output.
      return {
        json: (report) => jsonDocument(report),
        human: (report) => [JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...jsonDocument(report) }, null, 2)],
      };
    case "text":
      return {
        json: (report) => jsonDocument(report),
        human: (report, style) => {
          const lines: string[] = [];
          renderText(report, lines, style);
          return lines;
        },
      };
  }
}
