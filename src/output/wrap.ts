/**
 * Word wrapping for text shown on a terminal: whole words to the width, never a word split across
 * lines ("behi/nd"). Pure. `wrapText` wraps a finished text; `StreamWrapper` wraps text that
 * arrives in pieces (a streamed story beat), holding back only the word still being written.
 */

/** Wraps `text` to `width` columns; existing line breaks are kept; a word longer than the width stands alone. */
export function wrapText(text: string, width: number, indent = ""): string {
  const wrapper = new StreamWrapper(width, indent);
  return wrapper.push(text) + wrapper.end();
}

export class StreamWrapper {
  /** Columns used on the current line. */
  private column = 0;
  /** The word being received (not yet placed). */
  private word = "";
  /** Spaces seen since the last word (emitted before the next word if it fits on the line). */
  private pendingSpace = false;
  /** No word on the current line yet. */
  private atLineStart = true;

  constructor(
    private readonly width: number,
    /** Put at the start of every continuation line (hanging indent). */
    private readonly indent = "",
  ) {}

  /** Takes the next piece of text; returns what can be shown now. */
  push(chunk: string): string {
    let out = "";
    for (const ch of chunk) {
      if (ch === "\n") {
        out += this.flushWord() + "\n";
        this.column = 0;
        this.pendingSpace = false;
        this.atLineStart = true;
      } else if (ch === " " || ch === "\t") {
        out += this.flushWord();
        if (!this.atLineStart) this.pendingSpace = true;
        else {
          // Indentation at the start of a line is kept as it is.
          out += ch;
          this.column += 1;
        }
      } else {
        this.word += ch;
      }
    }
    return out;
  }

  /** The rest: the last word. */
  end(): string {
    return this.flushWord();
  }

  private flushWord(): string {
    if (this.word === "") return "";
    const length = [...this.word].length;
    let out = "";
    const space = this.pendingSpace ? 1 : 0;
    if (!this.atLineStart && this.column + space + length > this.width) {
      out += `\n${this.indent}`;
      this.column = this.indent.length;
    } else if (space) {
      out += " ";
      this.column += 1;
    }
    out += this.word;
    this.column += length;
    this.word = "";
    this.pendingSpace = false;
    this.atLineStart = false;
    return out;
  }
}
