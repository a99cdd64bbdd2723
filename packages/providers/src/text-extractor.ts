/**
 * Pulls one top-level string field (the beat's `text`) out of a JSON object while it streams in,
 * chunk by chunk, so the narrative can be shown before the whole reply (and its choices) arrive.
 *
 * It is a small incremental scanner, not a parser: it tracks where it is in the top-level object,
 * skips other members (nested objects, arrays, strings with escapes, numbers, literals), and decodes
 * the target string's escapes, including \uXXXX and surrogate pairs split across chunks. It never
 * emits half a character. Invalid JSON just stops the extraction; the full reply is validated later.
 */
type State =
  | "before-object"
  | "expect-key" // inside the top-level object, before a key (or `}` / `,`)
  | "in-key"
  | "expect-colon"
  | "expect-value"
  | "in-target" // inside the target field's string: decoded and emitted
  | "skip-string" // inside another string value at depth 1
  | "skip-nested" // inside a nested object/array value
  | "skip-primitive" // a number, true, false or null
  | "done"; // the target string closed, or the object ended, or the input is not JSON

export class JsonTextFieldExtractor {
  private state: State = "before-object";
  private key = "";
  private keyEscape = false;
  private currentIsTarget = false;
  private nestedDepth = 0;
  private nestedInString = false;
  private nestedEscape = false;
  private skipEscape = false;
  /** An escape sequence being read inside the target string (starts with the backslash). */
  private escape = "";
  /** A high surrogate waiting for its low half. */
  private pendingHigh = "";
  private found = false;
  private closed = false;
  private text = "";

  constructor(private readonly field = "text") {}

  /** Whether the field's string has been read to its closing quote. */
  get complete(): boolean {
    return this.closed;
  }

  /** All of the field's text decoded so far. */
  get value(): string {
    return this.text;
  }

  /** Feeds the next chunk of JSON; returns the field's newly decoded text (possibly ""). */
  push(chunk: string): string {
    let out = "";
    for (let i = 0; i < chunk.length && this.state !== "done"; i++) {
      const ch = chunk[i] as string;
      switch (this.state) {
        case "before-object":
          if (ch === "{") this.state = "expect-key";
          // Anything before the object (a code fence, whitespace) is skipped.
          break;
        case "expect-key":
          if (ch === '"') {
            this.state = "in-key";
            this.key = "";
            this.keyEscape = false;
          } else if (ch === "}") this.state = "done";
          else if (ch !== "," && !isSpace(ch)) this.state = "done";
          break;
        case "in-key":
          if (this.keyEscape) {
            this.key += ch;
            this.keyEscape = false;
          } else if (ch === "\\") this.keyEscape = true;
          else if (ch === '"') this.state = "expect-colon";
          else this.key += ch;
          break;
        case "expect-colon":
          if (ch === ":") {
            this.state = "expect-value";
            this.currentIsTarget = !this.found && this.key === this.field;
          } else if (!isSpace(ch)) this.state = "done";
          break;
        case "expect-value":
          if (isSpace(ch)) break;
          if (ch === '"') {
            if (this.currentIsTarget) {
              this.found = true;
              this.state = "in-target";
            } else {
              this.state = "skip-string";
              this.skipEscape = false;
            }
          } else if (ch === "{" || ch === "[") {
            this.state = "skip-nested";
            this.nestedDepth = 1;
            this.nestedInString = false;
            this.nestedEscape = false;
          } else this.state = "skip-primitive";
          break;
        case "in-target":
          out += this.target(ch);
          break;
        case "skip-string":
          if (this.skipEscape) this.skipEscape = false;
          else if (ch === "\\") this.skipEscape = true;
          else if (ch === '"') this.state = "expect-key";
          break;
        case "skip-nested":
          if (this.nestedInString) {
            if (this.nestedEscape) this.nestedEscape = false;
            else if (ch === "\\") this.nestedEscape = true;
            else if (ch === '"') this.nestedInString = false;
          } else if (ch === '"') this.nestedInString = true;
          else if (ch === "{" || ch === "[") this.nestedDepth += 1;
          else if (ch === "}" || ch === "]") {
            this.nestedDepth -= 1;
            if (this.nestedDepth === 0) this.state = "expect-key";
          }
          break;
        case "skip-primitive":
          if (ch === ",") this.state = "expect-key";
          else if (ch === "}") this.state = "done";
          break;
      }
    }
    this.text += out;
    return out;
  }

  /** One character of the target string; returns decoded text ready to emit. */
  private target(ch: string): string {
    if (this.escape !== "") {
      this.escape += ch;
      if (this.escape.length === 2 && this.escape[1] !== "u") {
        const decoded = SIMPLE_ESCAPES[this.escape[1] as string];
        this.escape = "";
        if (decoded === undefined) {
          this.state = "done";
          return "";
        }
        return this.emit(decoded);
      }
      if (this.escape.length === 6) {
        const code = Number.parseInt(this.escape.slice(2), 16);
        this.escape = "";
        if (Number.isNaN(code)) {
          this.state = "done";
          return "";
        }
        return this.emitCodeUnit(code);
      }
      return "";
    }
    if (ch === "\\") {
      this.escape = "\\";
      return "";
    }
    if (ch === '"') {
      this.closed = true;
      this.state = "done";
      // A lone high surrogate at the end cannot become a character.
      this.pendingHigh = "";
      return "";
    }
    const code = ch.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return this.emitCodeUnit(code);
    return this.emit(ch);
  }

  private emitCodeUnit(code: number): string {
    if (code >= 0xd800 && code <= 0xdbff) {
      // Hold a high surrogate until its low half arrives, so no chunk ends in half a character.
      this.pendingHigh = String.fromCharCode(code);
      return "";
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      const pair = this.pendingHigh !== "" ? this.pendingHigh + String.fromCharCode(code) : "";
      this.pendingHigh = "";
      return pair;
    }
    return this.emit(String.fromCharCode(code));
  }

  private emit(text: string): string {
    // A high surrogate not followed by a low one is dropped rather than emitted broken.
    this.pendingHigh = "";
    return text;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\n" || ch === "\r" || ch === "\t";
}
