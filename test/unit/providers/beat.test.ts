import { describe, expect, it } from "vitest";
import { beatPrompt, beatSchema, checkBeat, parseJsonReply, repairPrompt, requestProblems } from "@noveli/providers/beat";

describe("checkBeat", () => {
  it("accepts text plus 2 to 4 choices, trimmed", () => {
    expect(checkBeat({ text: "  Night falls. ", choices: [" Run", "Hide "] })).toEqual({ ok: true, beat: { text: "Night falls.", choices: ["Run", "Hide"] } });
    expect(checkBeat({ text: "x", choices: ["a", "b", "c", "d"] }).ok).toBe(true);
  });

  it.each([
    [undefined, "the reply had no structured beat", false],
    ["a string", "the reply was not a JSON object", false],
    [[1, 2], "the reply was not a JSON object", false],
    [{ choices: ["a", "b"] }, "the reply has no text", false],
    [{ text: "   ", choices: ["a", "b"] }, "the text is empty", false],
    [{ text: "x" }, "the reply has no list of choices", true],
    [{ text: "x", choices: ["only"] }, "the reply has 1 choice, not 2 to 4", true],
    [{ text: "x", choices: ["a", "b", "c", "d", "e"] }, "the reply has 5 choices, not 2 to 4", true],
    [{ text: "x", choices: ["a", " "] }, "a choice is empty or not text", true],
    [{ text: "x", choices: ["a", 3] }, "a choice is empty or not text", true],
    [{ text: "x", choices: ["Run", " run"] }, "two choices are the same", true],
    [{ text: "x", choices: ["a", "b".repeat(161)] }, "a choice is longer than 160 characters", true],
    [{ text: "x".repeat(6001), choices: ["a", "b"] }, "the text is longer than 6000 characters", false],
  ])("rejects %j: %s", (value, problem, textValid) => {
    expect(checkBeat(value)).toEqual({ ok: false, problem, textValid });
  });
});

describe("requestProblems", () => {
  it("finds nothing wrong with a plain request", () => {
    expect(requestProblems({ prompt: "a lighthouse", genre: "horror", maxTokens: 512, temperature: 0.7 })).toEqual([]);
  });

  it("lists every problem that would fail on every provider", () => {
    const problems = requestProblems({
      prompt: " ",
      maxTokens: 10,
      temperature: 1.5,
      history: [{ beat: { text: "t", choices: ["a", "b"] }, choice: 2 }],
    });
    expect(problems).toEqual([
      "the prompt is empty",
      "maxTokens must be an integer from 64 to 32000",
      "temperature must be a number from 0 to 1",
      "history[0].choice is not one of its 2 choices",
    ]);
    expect(requestProblems({ prompt: "x".repeat(4001) })).toEqual(["the prompt is longer than 4000 characters"]);
  });
});

describe("beatPrompt", () => {
  it("opens with the premise and genre, and replays the story so far with the reader's choices", () => {
    const prompt = beatPrompt({
      prompt: " a lighthouse ",
      genre: "gothic",
      history: [
        { beat: { text: "The lamp flickers.", choices: ["Climb", "Run"] }, choice: 1 },
        { beat: { text: "You run.", choices: ["Stop", "Keep going"] } },
      ],
    });
    expect(prompt.system).toMatch(/2 to 4 short, distinct choices/);
    expect(prompt.messages).toEqual([
      { role: "user", content: "Premise: a lighthouse\nGenre: gothic\nTell the opening beat." },
      { role: "assistant", content: "The lamp flickers.\n\n1. Climb\n2. Run" },
      { role: "user", content: "I choose 2: Run\nTell the next beat." },
      { role: "assistant", content: "You run.\n\n1. Stop\n2. Keep going" },
      { role: "user", content: "Tell the next beat." },
    ]);
  });

  it("asks for a repair with the faulty reply, keeping the text when it was already shown", () => {
    const base = beatPrompt({ prompt: "p" });
    const repair = repairPrompt(base, '{"text":"x","choices":["a"]}', "the reply has 1 choice, not 2 to 4", "x");
    expect(repair.messages.slice(1)).toEqual([
      { role: "assistant", content: '{"text":"x","choices":["a"]}' },
      { role: "user", content: expect.stringMatching(/^That reply was not a valid story beat: the reply has 1 choice, not 2 to 4\. Reply again with exactly the same narrative text/) },
    ]);
    expect(repairPrompt(base, "", "the reply had no structured beat", undefined).messages[1]).toEqual({ role: "assistant", content: "(no reply)" });
  });
});

describe("parseJsonReply", () => {
  it("parses plain and fenced JSON, and returns undefined for anything else", () => {
    expect(parseJsonReply('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonReply('```json\n{"a":1}\n```')).toEqual({ a: 1 });
    expect(parseJsonReply('{"a":')).toBeUndefined();
    expect(parseJsonReply('Here is the beat: {"a":1} Enjoy.')).toEqual({ a: 1 });
    expect(parseJsonReply("no json here")).toBeUndefined();
  });
});

describe("beatSchema", () => {
  /** Every keyword anywhere in a schema. */
  const keywords = (value: unknown): string[] =>
    value && typeof value === "object" ? Object.entries(value).flatMap(([k, v]) => [k, ...keywords(v)]) : [];

  it("says 2 to 4 choices in the full dialect (OpenAI strict, tool inputs)", () => {
    expect(beatSchema("full").properties.choices).toMatchObject({ type: "array", minItems: 2, maxItems: 4 });
  });

  it("keeps Claude's structured-output subset: minItems 0 or 1, no other array, string or number constraints", () => {
    const schema = beatSchema("claude-structured");
    expect(schema.properties.choices).toMatchObject({ minItems: 1 });
    for (const banned of ["maxItems", "uniqueItems", "minLength", "maxLength", "minimum", "maximum", "pattern"]) expect(keywords(schema)).not.toContain(banned);
    expect(schema.additionalProperties).toBe(false);
  });

  it("hands out a new object each time, so no request can change another's schema", () => {
    expect(beatSchema("full")).not.toBe(beatSchema("full"));
    expect(beatSchema("full")).toEqual(beatSchema("full"));
  });
});
