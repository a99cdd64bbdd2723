import { describe, expect, it } from "vitest";
import { MemoryReporter, StreamReporter } from "../../../src/output/reporter.js";
import { render, type View } from "../../../src/views/view.js";

interface Greeting {
  name: string;
  count: number;
}

const greetingView: View<Greeting> = {
  json: (r) => ({ name: r.name, count: r.count }),
  human: (r, s) => [s.bold(`hello ${r.name}`), `${r.count} time(s)`],
};

function sink(): { text: string; write(s: string): void } {
  return {
    text: "",
    write(s: string) {
      this.text += s;
    },
  };
}

describe("render", () => {
  it("writes exactly one versioned document with --json and no human lines", () => {
    const stdout = sink();
    const reporter = new StreamReporter({ json: true, verbose: false, stdout, stderr: sink(), env: {} });
    render(reporter, greetingView, { name: "ana", count: 2 });
    expect(JSON.parse(stdout.text)).toEqual({ schemaVersion: 1, name: "ana", count: 2 });
    expect(stdout.text).not.toContain("hello");
  });

  it("writes the view's human lines without --json", () => {
    const stdout = sink();
    const reporter = new StreamReporter({ json: false, verbose: false, stdout, stderr: sink(), env: {} });
    render(reporter, greetingView, { name: "ana", count: 2 });
    expect(stdout.text).toBe("hello ana\n2 time(s)\n");
  });

  it("hands the reporter both the document and the lines", () => {
    const reporter = new MemoryReporter();
    render(reporter, greetingView, { name: "bo", count: 1 });
    expect(reporter.documents).toEqual([{ schemaVersion: 1, name: "bo", count: 1 }]);
    expect(reporter.lines).toEqual(["hello bo", "1 time(s)"]);
  });
});
