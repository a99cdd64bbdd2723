import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import {
  confirmationAnswered,
  decideTrafficConfirmation,
  parseCanarySteps,
  planRestore,
  planShift,
  renderPatch,
  verifyReadBack,
} from "../../src/ops/traffic/planner.js";
import { previousColor } from "../../src/ops/traffic/previous-color.js";
import { recentEntries, trafficShares } from "../../src/ops/traffic/status.js";
import type { HistoryRecord } from "../../src/state/history.js";

describe("parseCanarySteps", () => {
  it("accepts increasing percentages ending with 100", () => {
    expect(parseCanarySteps("10,50,100")).toEqual([10, 50, 100]);
    expect(parseCanarySteps(" 1 , 2.5 ,100")).toEqual([1, 2.5, 100]);
  });
  it.each([
    ["10,5,100", /must increase: 10 is followed by 5/],
    ["10,10,100", /must increase/],
    ["10,50", /must end with 100/],
    ["100", /at least one step below 100/],
    ["0,100", /not a percentage from 1 to 100/],
    ["10,150", /not a percentage from 1 to 100/],
    ["ten,100", /not a percentage/],
    ["10,,100", /comma-separated percentages/],
    ["-5,100", /not a percentage/],
  ])("refuses %j with a usage error", (raw, message) => {
    expect(() => parseCanarySteps(raw)).toThrow(UsageError);
    expect(() => parseCanarySteps(raw)).toThrow(message);
  });
});

describe("planShift", () => {
  it("all at once is one replace of /variables/deployment", () => {
    const steps = planShift({ current: { deployment: "blue" }, to: "green" });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: "switch", percent: 100, expect: { deployment: "green" } });
    expect(steps[0]?.patchOperations).toEqual([{ op: "replace", path: "/variables/deployment", value: "green" }]);
  });

  it("nothing to do when the target already serves all traffic", () => {
    expect(planShift({ current: { deployment: "green" }, to: "green" })).toEqual([]);
    expect(planShift({ current: { deployment: "green" }, to: "green", canary: [10, 100] })).toEqual([]);
  });

  it("a canary steps through canarySettings, then promotes and removes them", () => {
    const steps = planShift({ current: { deployment: "blue" }, to: "green", canary: [10, 50, 100] });
    expect(steps.map((s) => [s.kind, s.percent])).toEqual([
      ["canary", 10],
      ["canary", 50],
      ["promote", 100],
    ]);
    expect(steps[0]?.patchOperations.map(renderPatch)).toEqual([
      "replace /canarySettings/percentTraffic=10",
      "replace /canarySettings/stageVariableOverrides/deployment=green",
    ]);
    expect(steps[0]?.expect).toEqual({ deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } });
    expect(steps[1]?.patchOperations[0]).toEqual({ op: "replace", path: "/canarySettings/percentTraffic", value: "50" });
    expect(steps[2]?.patchOperations).toEqual([
      { op: "replace", path: "/variables/deployment", value: "green" },
      { op: "remove", path: "/canarySettings" },
    ]);
    expect(steps[2]?.expect).toEqual({ deployment: "green" });
  });

  it("a leftover canary on the target's own color is removed", () => {
    const steps = planShift({ current: { deployment: "green", canary: { percentTraffic: 0, deployment: "blue" } }, to: "green" });
    expect(steps).toHaveLength(1);
    expect(steps[0]?.patchOperations).toEqual([{ op: "remove", path: "/canarySettings" }]);
  });
});

describe("planRestore", () => {
  it("sets the previous color back and removes any canary", () => {
    const step = planRestore("blue", { deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } });
    expect(step?.patchOperations).toEqual([{ op: "remove", path: "/canarySettings" }]);
    expect(planRestore("blue", { deployment: "green" })?.patchOperations).toEqual([{ op: "replace", path: "/variables/deployment", value: "blue" }]);
    expect(planRestore("blue", { deployment: "green", canary: { percentTraffic: 50, deployment: "blue" } })?.patchOperations).toHaveLength(2);
  });
  it("is nothing when the stage already reads as before", () => {
    expect(planRestore("blue", { deployment: "blue" })).toBeUndefined();
  });
});

describe("verifyReadBack", () => {
  it("passes when the stage reads back as written", () => {
    expect(verifyReadBack({ deployment: "green" }, { deployment: "green" })).toEqual({ ok: true });
    expect(
      verifyReadBack({ deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } }, { deployment: "blue", canary: { percentTraffic: 10.0, deployment: "green" } }),
    ).toEqual({ ok: true });
  });
  it("names an endpoint that ignores canary settings", () => {
    const verdict = verifyReadBack({ deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } }, { deployment: "blue" });
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.problem).toMatch(/reads back without canary settings.*ignores API Gateway canary settings/);
  });
  it("catches a variable that did not change, a wrong percentage or override, and a canary left behind", () => {
    expect(verifyReadBack({ deployment: "green" }, { deployment: "blue" })).toMatchObject({ ok: false, problem: expect.stringMatching(/reads back as "blue", not "green"/) });
    expect(verifyReadBack({ deployment: "blue", canary: { percentTraffic: 50, deployment: "green" } }, { deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/10%, not 50%/),
    });
    expect(verifyReadBack({ deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } }, { deployment: "blue", canary: { percentTraffic: 10, deployment: undefined } })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/override reads back as null/),
    });
    expect(verifyReadBack({ deployment: "green" }, { deployment: "green", canary: { percentTraffic: 0, deployment: "green" } })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/still has canary settings/),
    });
  });
});

describe("decideTrafficConfirmation", () => {
  it("production needs the typed name at a terminal, or --yes outside one", () => {
    expect(decideTrafficConfirmation({ env: "production", yes: false, interactive: true, action: "switch production to green" })).toMatchObject({ kind: "confirm" });
    expect(decideTrafficConfirmation({ env: "production", yes: false, interactive: false, action: "x" })).toMatchObject({ kind: "refuse", hint: expect.stringMatching(/--yes/) });
    expect(decideTrafficConfirmation({ env: "production", yes: true, interactive: false, action: "x" })).toEqual({ kind: "proceed" });
    expect(decideTrafficConfirmation({ env: "staging", yes: false, interactive: false, action: "x" })).toEqual({ kind: "proceed" });
    expect(confirmationAnswered(" production\n", "production")).toBe(true);
    expect(confirmationAnswered("yes", "production")).toBe(false);
  });
});

describe("previousColor from the stage alone", () => {
  it("is the other color, or the stable one under a canary", () => {
    expect(previousColor({ deployment: "green" })).toMatchObject({ to: "blue" });
    expect(previousColor({ deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } })).toMatchObject({ to: "blue" });
    expect(previousColor({ deployment: "purple" })).toMatchObject({ refuse: expect.stringMatching(/not blue or green/) });
  });
});

describe("status helpers", () => {
  it("splits live traffic between the colors", () => {
    expect(trafficShares({ deployment: "blue" })).toEqual({ blue: 100, green: 0 });
    expect(trafficShares({ deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } })).toEqual({ blue: 90, green: 10 });
    expect(trafficShares({ deployment: undefined })).toEqual({ blue: 0, green: 0 });
  });
  it("lists the newest history entries first", () => {
    const record = (type: HistoryRecord["type"], at: string, extra: Record<string, unknown> = {}): HistoryRecord => ({ type, at, user: "ana", env: "dev", outcome: "applied", ...extra });
    const records = [record("deploy", "1", { color: "blue" }), record("switch", "2", { from: "blue", to: "green", outcome: "switched", reason: "r" }), record("deploy", "3", { color: "blue" })];
    expect(recentEntries(records, ["deploy"]).map((e) => e.at)).toEqual(["3", "1"]);
    expect(recentEntries(records, ["switch", "rollback"])).toEqual([{ type: "switch", at: "2", user: "ana", outcome: "switched", from: "blue", to: "green", reason: "r" }]);
  });
});
