/**
 * The root outputs of a Terraform state from the first part of its JSON text. Terraform writes a
 * state's top-level keys in a fixed order (version, terraform_version, serial, lineage, outputs,
 * resources, check_results), so the outputs come within the first few kilobytes while the
 * resources after them grow with the environment. A command that needs only the outputs reads
 * that first part (a ranged GET) and this finds them in it. Pure.
 */

import type { RawOutputs } from "./outputs.js";

/**
 * The root `outputs` of a state whose JSON text begins with `text`, when that beginning holds them
 * whole and they are not empty; undefined otherwise (cut before they end, no outputs yet, not a
 * state's JSON): the caller then reads and parses the whole object, which also gives the error.
 */
export function outputsFromStatePrefix(text: string): RawOutputs | undefined {
  // Terraform's own layout, two-space indents: the outputs end where the top level's `resources`
  // key starts (no JSON string holds a raw newline). The text before it, closed, parses whole only
  // when that is the top level: then JSON.parse does the work, about a millisecond sooner than the
  // scan below, which reads any other layout.
  const resources = text.indexOf(TOP_LEVEL_RESOURCES);
  if (resources > 0) {
    const found = outputsOfTopLevel(`${text.slice(0, resources)}}`);
    if (found) return found;
  }
  let at = skipSpace(text, 0);
  if (text[at] !== "{") return undefined;
  at += 1;
  for (;;) {
    at = skipSpace(text, at);
    if (text[at] !== '"') return undefined;
    const keyEnd = stringEnd(text, at);
    if (keyEnd < 0) return undefined;
    const key = text.slice(at + 1, keyEnd - 1);
    at = skipSpace(text, keyEnd);
    if (text[at] !== ":") return undefined;
    at = skipSpace(text, at + 1);
    const end = valueEnd(text, at);
    if (end < 0) return undefined;
    if (key === "outputs") return nonEmpty(parsed(text.slice(at, end)));
    at = skipSpace(text, end);
    if (text[at] !== ",") return undefined;
    at += 1;
  }
}

const TOP_LEVEL_RESOURCES = ',\n  "resources": ';

function outputsOfTopLevel(json: string): RawOutputs | undefined {
  const value = parsed(json);
  return typeof value === "object" && value !== null && "outputs" in value ? nonEmpty(value.outputs) : undefined;
}

function parsed(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function nonEmpty(value: unknown): RawOutputs | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.keys(value).length === 0) return undefined;
  return value as RawOutputs;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && (text[at] === " " || text[at] === "\n" || text[at] === "\r" || text[at] === "\t")) at += 1;
  return at;
}

/** The index just past the string that opens at `at`; -1 when the text ends inside it. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === "\\") i += 1;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

/** The index just past the JSON value that starts at `at`; -1 when the text ends inside it. */
function valueEnd(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return stringEnd(text, at);
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        const end = stringEnd(text, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (c === "{" || c === "[") depth += 1;
      else if (c === "}" || c === "]") {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: it ends where a delimiter starts; a text that ends first may have cut it.
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === "," || c === "}" || c === "]" || c === " " || c === "\n" || c === "\r" || c === "\t") return i > at ? i : -1;
  }
  return -1;
}
