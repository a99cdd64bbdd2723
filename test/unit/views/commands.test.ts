import { describe, expect, it } from "vitest";
import type { DeployResult } from "../../../src/ops/deploy/deploy.js";
import type { ColorHealthResult } from "../../../src/ops/health/check.js";
import type { HistoryListing } from "../../../src/ops/lease/history.js";
import type { UnlockResult } from "../../../src/ops/lease/unlock.js";
import type { RehearsalResult } from "../../../src/ops/rehearse/rehearse.js";
import { styleFor } from "../../../src/output/style.js";
import { deployView, targetFlags } from "../../../src/views/deploy.js";
import { healthCheckView } from "../../../src/views/health-check.js";
import { historyView } from "../../../src/views/history.js";
import { localStatusView } from "../../../src/views/local.js";
import { rehearsalStepLines, rehearseView } from "../../../src/views/rehearse.js";
import { unlockView } from "../../../src/views/unlock.js";

const plain = styleFor(false);

const applied: DeployResult = {
  env: "dev",
  color: "green",
  firstDeploy: false,
  colorReason: "idle color",
  liveColor: "blue",
  version: "1.2.3",
  lambdaVersion: "7",
  codeSha256: "abc=",
  plan: { add: 1, change: 2, replace: 0, destroy: 0 },
  summary: null,
  applied: true,
  outcome: "applied",
  outputs: null,
};

describe("deployView", () => {
  it("says what was deployed and the next commands with the same target flags", () => {
    const lines = deployView(" --local").human(applied, plain);
    expect(lines[0]).toBe("✓ deployed dev: new code on green (Lambda version 7, code abc=) 1 added, 2 changed, 0 replaced, 0 destroyed");
    expect(lines).toContain("  live traffic is unchanged: it stays on blue");
    expect(lines.at(-1)).toBe("  next: noveli health-check green --env dev --local, then noveli switch-traffic green --env dev --local");
  });

  it("a dry run lists the commands and nothing else", () => {
    const lines = deployView("").human({ ...applied, applied: false, outcome: "dry-run", commands: ["terraform init", "terraform plan"] }, plain);
    expect(lines).toEqual(["Dry run for dev → green (idle color); these would run:", "  terraform init", "  terraform plan"]);
  });

  it("the document keeps the command's fields, null for what is unknown", () => {
    expect(deployView("").json(applied)).toMatchObject({ command: "deploy", env: "dev", color: "green", liveColor: "blue", liveUrl: null, completedPartial: false, outputs: null });
    expect(deployView("").json(applied)).not.toHaveProperty("commands");
  });

  it("target flags repeat only what reaches the same place", () => {
    expect(targetFlags({ local: true })).toBe(" --local");
    expect(targetFlags({ local: false, endpointUrl: "http://127.0.0.1:5000", endpointSource: "flag" })).toBe(" --endpoint-url http://127.0.0.1:5000");
    expect(targetFlags({ local: false, endpointUrl: "http://127.0.0.1:5000", endpointSource: "env" })).toBe("");
    expect(targetFlags({ local: false, region: "eu-west-1", profile: "ops" })).toBe(" --region eu-west-1 --profile ops");
  });
});

describe("healthCheckView", () => {
  const result: ColorHealthResult = {
    env: "dev",
    color: "blue",
    healthy: false,
    checks: [
      { name: "health-endpoint", ok: true, detail: "5/5 answered 200" },
      { name: "version", ok: false, detail: "reports 1.0.0, expected 1.1.0" },
    ],
    p50Ms: 12,
    p95Ms: 30,
    version: "1.0.0",
    codeSha256: null,
    via: "https://api.example/blue",
  };
  it("marks each check and says where it asked", () => {
    expect(healthCheckView.human(result, plain)).toEqual([
      "✗ blue is UNHEALTHY (dev)",
      "  ✓ health-endpoint 5/5 answered 200",
      "  ✗ version         reports 1.0.0, expected 1.1.0",
      "  via https://api.example/blue",
    ]);
  });
  it("leaves where it asked out of the document", () => {
    expect(healthCheckView.json(result)).toEqual({ env: "dev", color: "blue", healthy: false, checks: result.checks, p50Ms: 12, p95Ms: 30, version: "1.0.0", codeSha256: null });
  });
});

describe("historyView", () => {
  const record = { type: "switch" as const, at: "2026-12-01T10:00:00.000Z", user: "ana", host: "laptop", env: "dev" as const, outcome: "switched", from: "blue", to: "green" };
  it("one line per record; an empty history names the kind asked for", () => {
    const listing: HistoryListing = { env: "dev", records: [record] };
    expect(historyView.human(listing, plain)).toEqual([`2026-12-01T10:00:00.000Z  ${"switch blue → green: switched".padEnd(40)}  ana@laptop`]);
    expect(historyView.human({ env: "staging", kind: "drill", records: [] }, plain)).toEqual(["no history recorded for staging of kind drill"]);
    expect(historyView.json(listing)).toEqual({ command: "history", env: "dev", records: [record] });
  });
});

describe("unlockView", () => {
  const base: UnlockResult = { env: "dev", outcome: "none", previous: null, summary: null, reason: "runner died" };
  it("says whether a lease was broken and records the reason in the document", () => {
    expect(unlockView.human(base, plain)).toEqual(["dev: nobody holds the lease, nothing to break"]);
    expect(unlockView.human({ ...base, outcome: "broken", summary: "deploy dev by ana@laptop" }, plain)).toEqual([
      'broke the lease on dev: deploy dev by ana@laptop; recorded in the history ("runner died")',
    ]);
    expect(unlockView.json(base)).toEqual({ command: "unlock", env: "dev", outcome: "none", previousHolder: null, reason: "runner died" });
  });
});

describe("localStatusView", () => {
  it("a stopped emulator has no URL or pid", () => {
    expect(localStatusView.json({ status: { state: "stopped" }, stateDir: "/tmp/s" })).toEqual({ command: "local status", state: "stopped", running: false, url: null, pid: null, startedAt: null, stateDir: "/tmp/s" });
    expect(localStatusView.human({ status: { state: "stopped" }, stateDir: "/tmp/s" }, plain)).toEqual(["○ not running (start it with: noveli local up)"]);
  });
});

describe("rehearseView", () => {
  const result: RehearsalResult = {
    env: "dev",
    target: "local emulator",
    steps: [
      { name: "deploy", ok: true, seconds: 12.34, detail: "applied to blue", exitCode: 0 },
      { name: "health-check idle", ok: false, seconds: 1, detail: "unhealthy blue", exitCode: 1 },
    ],
    passed: false,
    exitCode: 1,
    notRun: ["switch-traffic"],
  };
  it("one line per step, the steps that did not run, the verdict", () => {
    expect(rehearseView.human(result, plain)).toEqual([
      "Rehearsal of dev on local emulator",
      "  ✓ deploy              12.3s  applied to blue",
      "  ✗ health-check idle    1.0s  unhealthy blue",
      "  · switch-traffic             not run",
      "rehearsal failed",
    ]);
  });
  it("rounds seconds to a tenth and leaves the exit codes out of the document", () => {
    expect(rehearseView.json(result)).toEqual({
      command: "rehearse",
      env: "dev",
      target: "local emulator",
      steps: [
        { name: "deploy", ok: true, seconds: 12.3, detail: "applied to blue" },
        { name: "health-check idle", ok: false, seconds: 1, detail: "unhealthy blue" },
      ],
      notRun: ["switch-traffic"],
      passed: false,
    });
  });
});

describe("rehearsalStepLines", () => {
  it("shows a passed step through its own command's view", () => {
    expect(rehearsalStepLines({ name: "deploy", result: applied }, plain, " --local")).toEqual(deployView(" --local").human(applied, plain));
    expect(rehearsalStepLines({ name: "seed sample stories", result: { written: 600, tableName: "noveli-dev-stories" } }, plain, "")).toEqual(["wrote 600 sample beats to noveli-dev-stories"]);
    expect(rehearsalStepLines({ name: "seed sample stories", result: null }, plain, "")).toEqual([]);
    expect(rehearsalStepLines({ name: "teardown", result: { destroyed: true } }, plain, "")).toEqual([]);
  });
});
