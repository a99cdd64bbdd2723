import { describe, expect, it } from "vitest";
import { MemoryReporter } from "../../src/output/reporter.js";
import { runSteps, type Step } from "../../src/ops/drill/steps.js";

interface Trace {
  ran: string[];
  cleanups: number;
}

const step = (name: Step<Trace>["name"], run?: (t: Trace, signal: AbortSignal) => Promise<void>, extra: Partial<Step<Trace>> = {}): Step<Trace> => ({
  name,
  title: name,
  async run(t, signal) {
    t.ran.push(name);
    await run?.(t, signal);
  },
  ...extra,
});

const cleanup: Step<Trace> = {
  name: "cleanup",
  title: "cleanup",
  async run(t, signal) {
    expect(signal.aborted).toBe(false); // cleanup never gets the aborted signal
    t.cleanups += 1;
  },
};

let clock = 0;
const now = () => (clock += 10);

describe("runSteps", () => {
  it("runs the steps in order, then the cleanup once", async () => {
    const trace: Trace = { ran: [], cleanups: 0 };
    const run = await runSteps([step("preflight"), step("restore"), step("verify")], trace, { signal: new AbortController().signal, reporter: new MemoryReporter(), cleanup, now });
    expect(trace).toEqual({ ran: ["preflight", "restore", "verify"], cleanups: 1 });
    expect(run.error).toBeUndefined();
    expect(run.interrupted).toBe(false);
    expect(run.records.map((r) => [r.name, r.status])).toEqual([["preflight", "done"], ["restore", "done"], ["verify", "done"], ["cleanup", "done"]]);
  });

  it("stops at a failing step and still cleans up once", async () => {
    const trace: Trace = { ran: [], cleanups: 0 };
    const boom = new Error("restore refused");
    const run = await runSteps(
      [step("preflight"), step("restore", async () => Promise.reject(boom)), step("verify")],
      trace,
      { signal: new AbortController().signal, reporter: new MemoryReporter(), cleanup, now },
    );
    expect(trace).toEqual({ ran: ["preflight", "restore"], cleanups: 1 });
    expect(run.error).toBe(boom);
    expect(run.records.find((r) => r.name === "restore")).toMatchObject({ status: "failed", reason: "restore refused" });
  });

  it("stops on abort mid-step, reports the interruption and cleans up once", async () => {
    const trace: Trace = { ran: [], cleanups: 0 };
    const controller = new AbortController();
    const reason = new Error("interrupted by SIGINT");
    const run = await runSteps(
      [
        step("restore"),
        step(
          "verify",
          (_t, signal) =>
            new Promise((_, reject) => {
              // A scan in flight: it rejects when the signal aborts (SIGINT arrives mid-scan).
              signal.addEventListener("abort", () => reject(new Error("scan aborted")), { once: true });
              setTimeout(() => controller.abort(reason), 5);
            }),
        ),
        step("settings"),
      ],
      trace,
      { signal: controller.signal, reporter: new MemoryReporter(), cleanup, now },
    );
    expect(trace).toEqual({ ran: ["restore", "verify"], cleanups: 1 });
    expect(run.interrupted).toBe(true);
    expect(run.error).toBe(reason);
  });

  it("does not start when already aborted, but still cleans up", async () => {
    const trace: Trace = { ran: [], cleanups: 0 };
    const controller = new AbortController();
    controller.abort(new Error("early"));
    const run = await runSteps([step("preflight")], trace, { signal: controller.signal, reporter: new MemoryReporter(), cleanup, now });
    expect(trace).toEqual({ ran: [], cleanups: 1 });
    expect(run.interrupted).toBe(true);
  });

  it("leaves disabled steps out and records skipped ones with their reason", async () => {
    const trace: Trace = { ran: [], cleanups: 0 };
    const run = await runSteps(
      [step("preflight"), step("hook", undefined, { enabled: () => false }), step("pitr-catch-up", undefined, { skip: () => "emulator" })],
      trace,
      { signal: new AbortController().signal, reporter: new MemoryReporter(), cleanup, now },
    );
    expect(trace.ran).toEqual(["preflight"]);
    expect(run.records.map((r) => [r.name, r.status, r.reason])).toEqual([["preflight", "done", undefined], ["pitr-catch-up", "skipped", "emulator"], ["cleanup", "done", undefined]]);
  });

  it("reports a failing cleanup without hiding the steps' outcome", async () => {
    const trace: Trace = { ran: [], cleanups: 0 };
    const failing: Step<Trace> = { name: "cleanup", title: "cleanup", run: async () => Promise.reject(new Error("delete refused")) };
    const run = await runSteps([step("preflight")], trace, { signal: new AbortController().signal, reporter: new MemoryReporter(), cleanup: failing, now });
    expect(run.error).toBeUndefined();
    expect((run.cleanupError as Error).message).toBe("delete refused");
  });
});

describe("runSteps as one phase", () => {
  it("one phase whose progress follows the steps; a failing step still cleans up and fails the phase", async () => {
    const reporter = new MemoryReporter();
    const trace: Trace = { ran: [], cleanups: 0 };
    const boom = step("verify", async () => {
      throw new Error("mismatch");
    });
    const run = await runSteps([step("preflight"), step("restore", undefined, { milestone: true }), boom], trace, { signal: new AbortController().signal, reporter, cleanup, now, title: "DR drill" });
    expect(reporter.phases).toEqual(["DR drill"]);
    expect(reporter.progress).toEqual(["DR drill: preflight", "DR drill: restore", "DR drill: verify", "DR drill: cleanup"]);
    expect(trace.cleanups).toBe(1);
    expect((run.error as Error).message).toBe("mismatch");
    expect(run.records.map((r) => [r.name, r.status])).toEqual([["preflight", "done"], ["restore", "done"], ["verify", "failed"], ["cleanup", "done"]]);
  });
});

describe("StreamReporter phases outside a terminal", () => {
  it("print the start and the end, and of the progress only the milestones", async () => {
    const { StreamReporter } = await import("../../src/output/reporter.js");
    let err = "";
    const reporter = new StreamReporter({ json: false, verbose: false, stdout: { write: () => true }, stderr: { write: (text: string) => (err += text), isTTY: false }, env: { NO_COLOR: "1" } });
    await reporter.phase("terraform apply", async (progress) => {
      progress.update("1/4 a created");
      progress.update("2/4 b created", { milestone: true });
      progress.update("3/4 c created");
    });
    expect(err.split("\n").filter(Boolean).map((l) => l.replace(/\(\d+\.\ds\)/, "(T)"))).toEqual(["terraform apply...", "  terraform apply: 2/4 b created", "✓ terraform apply (T)"]);
  });
});
