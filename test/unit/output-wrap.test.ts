import { describe, expect, it } from "vitest";
import { StreamWrapper, wrapText } from "../../src/output/wrap.js";

describe("word wrapping for the terminal", () => {
  const text = "You stand behind the lighthouse door while the sea knocks twice, then a third time, slower.";

  it("wraps whole words to the width and never splits one", () => {
    const wrapped = wrapText(text, 20);
    for (const line of wrapped.split("\n")) expect(line.length).toBeLessThanOrEqual(20);
    expect(wrapped.replace(/\n/g, " ")).toBe(text);
    expect(wrapped).toBe("You stand behind the\nlighthouse door\nwhile the sea knocks\ntwice, then a third\ntime, slower.");
  });

  it("gives the same lines when the text streams in pieces that cut words in half", () => {
    const wrapper = new StreamWrapper(20);
    let out = "";
    for (let i = 0; i < text.length; i += 7) out += wrapper.push(text.slice(i, i + 7));
    out += wrapper.end();
    expect(out).toBe(wrapText(text, 20));
  });

  it("keeps line breaks, puts an over-long word on its own line, and indents continuation lines", () => {
    expect(wrapText("a\nbb cc", 3)).toBe("a\nbb\ncc");
    expect(wrapText("go supercalifragilistic now", 10)).toBe("go\nsupercalifragilistic\nnow");
    expect(wrapText("1. Climb the spiral stairs slowly", 16, "   ")).toBe("1. Climb the\n   spiral stairs\n   slowly");
  });
});

describe("indentation", () => {
  it("keeps the spaces a line starts with", () => {
    expect(wrapText("  1. Open the door and face whatever waits outside", 40, "     ")).toBe("  1. Open the door and face whatever\n     waits outside");
  });
});
