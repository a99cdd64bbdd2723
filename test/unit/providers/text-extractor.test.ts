import { describe, expect, it } from "vitest";
import { JsonTextFieldExtractor } from "@noveli/providers/text-extractor";

/** Feeds `json` in pieces of `size` characters and returns what was emitted, piece by piece. */
function feed(json: string, size: number, field = "text"): { deltas: string[]; extractor: JsonTextFieldExtractor } {
  const extractor = new JsonTextFieldExtractor(field);
  const deltas: string[] = [];
  for (let i = 0; i < json.length; i += size) deltas.push(extractor.push(json.slice(i, i + size)));
  return { deltas, extractor };
}

const tricky = {
  text: 'She said "run" \\ then:\n\ttab, unicode é — emoji 😀, escaped \u0007 and / slash',
  choices: ["a", "b"],
};

describe("JsonTextFieldExtractor", () => {
  it("decodes the text field exactly, whatever the chunk size (every split position)", () => {
    const json = JSON.stringify(tricky);
    for (let size = 1; size <= json.length; size++) {
      const { deltas, extractor } = feed(json, size);
      expect(deltas.join(""), `chunk size ${size}`).toBe(tricky.text);
      expect(extractor.complete).toBe(true);
      expect(extractor.value).toBe(tricky.text);
    }
  });

  it("decodes \\u escapes and surrogate pairs split across chunks, never emitting half a character", () => {
    const json = '{"text":"caf\\u00e9 \\ud83d\\ude00 ok","choices":[]}';
    for (let size = 1; size <= 8; size++) {
      const { deltas } = feed(json, size);
      expect(deltas.join("")).toBe("café 😀 ok");
      for (const delta of deltas) expect(/[\ud800-\udbff]$/.test(delta), `dangling high surrogate with size ${size}`).toBe(false);
    }
  });

  it("skips members before the text: nested objects, arrays, strings with escaped quotes, numbers, literals", () => {
    const json = JSON.stringify({ meta: { text: "not this", list: ["}", "]", '"'] }, choices: ["x", "y"], n: -1.5e3, ok: true, none: null, note: 'a "text": "decoy"', text: "the real one" });
    for (let size = 1; size <= 7; size++) expect(feed(json, size).deltas.join("")).toBe("the real one");
  });

  it("streams text before the choices arrive", () => {
    const extractor = new JsonTextFieldExtractor();
    expect(extractor.push('{"text": "Once upon')).toBe("Once upon");
    expect(extractor.complete).toBe(false);
    expect(extractor.push(' a time", "choi')).toBe(" a time");
    expect(extractor.complete).toBe(true);
    expect(extractor.push('ces": ["a","b"]}')).toBe("");
  });

  it("tolerates whitespace and a Markdown fence before the object", () => {
    expect(feed('```json\n{ "text" :  "fenced" , "choices": [] }\n```', 3).deltas.join("")).toBe("fenced");
  });

  it("emits nothing for a missing field, a non-string field or broken JSON", () => {
    expect(feed('{"choices":["a","b"]}', 2).deltas.join("")).toBe("");
    expect(feed('{"text": 42, "choices": []}', 2).deltas.join("")).toBe("");
    const broken = feed('{"text" "no colon"}', 1);
    expect(broken.deltas.join("")).toBe("");
    expect(broken.extractor.complete).toBe(false);
    expect(feed("not json at all", 4).deltas.join("")).toBe("");
  });

  it("stops at an invalid escape instead of emitting garbage", () => {
    const { deltas, extractor } = feed('{"text":"ok \\x bad"}', 1);
    expect(deltas.join("")).toBe("ok ");
    expect(extractor.complete).toBe(false);
  });

  it("only reads the first occurrence of the field and can target another field", () => {
    expect(feed('{"text":"first","text":"second"}', 5).deltas.join("")).toBe("first");
    expect(feed('{"text":"x","title":"The Tower"}', 4, "title").deltas.join("")).toBe("The Tower");
  });
});
