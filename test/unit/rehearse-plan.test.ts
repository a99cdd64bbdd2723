import { describe, expect, it } from "vitest";
import { planRehearsal, rehearsalExitCode, RELEASE_SETTINGS, type StepOutcome } from "../../src/ops/rehearse/plan.js";
import { sampleStoryItems, SEED_USER } from "../../src/ops/rehearse/seed.js";

const step = (name: StepOutcome["name"], ok: boolean, exitCode = ok ? 0 : 1): StepOutcome => ({ name, ok, seconds: 1, detail: "", exitCode });

describe("planRehearsal", () => {
  it("runs the whole runbook in order, seeding data only on emulators", () => {
    expect(planRehearsal("dev", true, false).steps).toEqual(["deploy", "seed sample stories", "health-check idle", "switch-traffic", "health-check live", "dr-drill", "cost-report"]);
    expect(planRehearsal("staging", false, false).steps).toEqual(["deploy", "health-check idle", "switch-traffic", "health-check live", "dr-drill", "cost-report"]);
    expect(planRehearsal("dev", true, true).steps.at(-1)).toBe("teardown");
  });

  it("uses the environment's canary and watch on real AWS, all at once on emulators", () => {
    expect(planRehearsal("production", false, false).switchSettings).toEqual(RELEASE_SETTINGS.production);
    expect(planRehearsal("production", false, false).switchSettings.canary).toBe("10,25,50,100");
    expect(planRehearsal("production", true, false).switchSettings.canary).toBeUndefined();
  });

  it("spaces health attempts 200 ms apart on emulators, the health-check defaults on real AWS", () => {
    expect(planRehearsal("dev", true, false).healthSettings).toEqual({ interval: "200ms" });
    expect(planRehearsal("dev", true, false).switchSettings.healthInterval).toBe("200ms");
    expect(planRehearsal("dev", false, false).healthSettings).toEqual({});
    expect(planRehearsal("staging", false, false).switchSettings.healthInterval).toBeUndefined();
  });
});

describe("rehearsalExitCode", () => {
  it("is 0 when every step passed, 3 when the switch rolled back, 1 otherwise", () => {
    expect(rehearsalExitCode([step("deploy", true), step("dr-drill", true)])).toBe(0);
    expect(rehearsalExitCode([step("deploy", true), step("switch-traffic", false, 3)])).toBe(3);
    expect(rehearsalExitCode([step("deploy", false, 2)])).toBe(1);
    expect(rehearsalExitCode([step("deploy", true), step("dr-drill", false, 130)])).toBe(130);
  });
});

describe("sampleStoryItems", () => {
  it("writes whole stories in the Lambda's item format, marked as rehearsal data", () => {
    const items = sampleStoryItems(3, 2, 1_700_000_000_000);
    expect(items).toHaveLength(6);
    const firstBeats = items.filter((item) => item.step?.N === "0");
    expect(firstBeats).toHaveLength(3);
    for (const beat of firstBeats) expect(beat.user_id).toEqual({ S: SEED_USER });
    const keys = new Set(items.map((item) => `${item.session_id?.S}#${item.timestamp?.N}`));
    expect(keys.size).toBe(6);
  });
});
