import { describe, expect, it } from "vitest";
import { judge, renderMarkdown, type DrillReport } from "../../src/ops/drill/report.js";
import { drDrillGcView, drDrillView, renderHuman } from "../../src/views/dr-drill.js";
import { drillFailure } from "../../src/ops/drill/run.js";
import { styleFor } from "../../src/output/style.js";

type Partial = Omit<DrillReport, "passed" | "problems">;

function passingReport(): Partial {
  return {
    env: "dev",
    method: "pitr",
    target: "local emulator http://127.0.0.1:5000 (us-east-1)",
    sourceTable: "noveli-dev-story-sessions",
    scratchTable: "noveli-drill-noveli-dev-story-sessions-20261125T140509Z-0a1b2c3d",
    drillId: "20261125T140509Z-0a1b2c3d",
    backupArn: null,
    restorePoint: "2026-11-25T14:05:10.000Z",
    restorePointBasis: "RestoreSummary.RestoreDateTime of the restored table",
    rtoSeconds: 12.5,
    rpoSeconds: 300,
    phases: [
      { name: "restore", seconds: 0.5, inRto: true, status: "done" },
      { name: "wait", seconds: 2, inRto: true, status: "done" },
      { name: "verify", seconds: 10, inRto: true, status: "done" },
      { name: "pitr-catch-up", seconds: 0, inRto: false, status: "skipped", reason: "emulator | no wait" },
    ],
    items: {
      source: 3000,
      restored: 3000,
      matched: 3000,
      missing: 0,
      extra: 0,
      changed: 0,
      examples: { missing: [], extra: [], changed: [] },
      excluded: { source: { afterRestorePoint: 5, expiring: 2, sentinels: 2 }, restored: { afterRestorePoint: 0, expiring: 2, sentinels: 1 } },
      reads: { passes: 1, source: 3009, restored: 3003 },
      segments: 4,
      buckets: 4096,
      itemsPerSecond: 600,
    },
    comparisonRule: ["Every item of both tables is read once per table."],
    sentinels: [
      { role: "before", key: "noveli-drill-sentinel#d#before", writtenAt: "2026-11-25T14:05:09.500Z", expected: "present", found: "present", ok: true },
      { role: "after", key: "noveli-drill-sentinel#d#after", writtenAt: "2026-11-25T14:05:11.000Z", expected: "absent", found: "absent", ok: true },
    ],
    settings: [
      { setting: "billing mode", kind: "compared", source: "PAY_PER_REQUEST", restored: "PAY_PER_REQUEST", status: "same" },
      { setting: "TTL", kind: "reapply", source: "enabled on expires_at", restored: "disabled", status: "reapply", action: "enable TTL on expires_at" },
    ],
    crossRegion: null,
    pitr: { enabled: true, earliestRestorable: null, latestRestorable: null },
    backups: { available: 0, newest: null },
    cleanup: { scratchTable: "deleted", sentinelsDeleted: 2, sentinelsLeft: 0, sentinelKeysLeft: [], recordCleared: true, errors: [] },
    cleanedUp: true,
    interrupted: false,
    notes: [],
    warnings: [],
    startedAt: "2026-11-25T14:05:09.000Z",
    finishedAt: "2026-11-25T14:05:30.000Z",
  };
}

describe("judge", () => {
  it("passes a drill where everything matched and cleanup finished", () => {
    expect(judge(passingReport(), null)).toEqual({ passed: true, problems: [] });
  });

  it("names every reason a drill fails", () => {
    const base = passingReport();
    const report: Partial = {
      ...base,
      items: { ...(base.items as NonNullable<Partial["items"]>), matched: 2998, missing: 1, changed: 1, extra: 3 },
      sentinels: [{ ...(base.sentinels[0] as DrillReport["sentinels"][number]), found: "absent", ok: false }],
      settings: [{ setting: "encryption", kind: "compared", source: "KMS k", restored: "AWS owned key", status: "differs" }],
      crossRegion: { table: "b", region: "us-west-2", status: null, answered: false, pitr: null, latencyMs: null, error: "does not exist", ok: false },
      cleanedUp: false,
    };
    const verdict = judge(report, null);
    expect(verdict.passed).toBe(false);
    expect(verdict.problems).toEqual([
      "1 item(s) missing from the restore",
      "3 extra item(s) in the restore",
      "1 item(s) changed in the restore",
      'the "before" sentinel is absent in the restore, expected present',
      "encryption differs: source KMS k, restored AWS owned key",
      "cross-region backup table b (us-west-2) does not exist",
      "cleanup did not finish: run noveli dr-drill gc",
    ]);
  });

  it("names what a cleanup that did not finish left: the scratch table and the sentinels' keys", () => {
    const base = passingReport();
    const cleanup = { ...base.cleanup, scratchTable: "failed" as const, sentinelsDeleted: 0, sentinelsLeft: 2, sentinelKeysLeft: ["noveli-drill-sentinel#d1#before", "noveli-drill-sentinel#d1#after"] };
    const { problems } = judge({ ...base, cleanup, cleanedUp: false }, null);
    expect(problems.at(-1)).toBe(
      `cleanup did not finish: left the scratch table ${base.scratchTable} and 2 sentinel(s) in ${base.sourceTable} (noveli-drill-sentinel#d1#before, noveli-drill-sentinel#d1#after): run noveli dr-drill gc`,
    );
  });

  it("fails an interrupted drill, an error, and a drill that verified nothing", () => {
    expect(judge({ ...passingReport(), interrupted: true, items: null }, null).problems).toEqual(["the drill was interrupted"]);
    expect(judge({ ...passingReport(), items: null }, "restore failed: boom").problems).toEqual(["restore failed: boom"]);
    expect(judge({ ...passingReport(), items: null }, null).problems).toEqual(["the restored data was not verified"]);
  });
});

describe("renderMarkdown", () => {
  it("renders every section with the figures", () => {
    const report = { ...passingReport(), ...judge(passingReport(), null) };
    const md = renderMarkdown(report);
    expect(md.startsWith("# DR drill: dev (pitr): PASSED\n")).toBe(true);
    expect(md).toContain("| RPO | 300 s |".replace("300 s", "5.0 min"));
    expect(md).toContain("| RTO | 12.5 s |");
    expect(md).toContain("| 3000 | 3000 | 3000 | 0 | 0 | 0 |");
    expect(md).toContain("## RPO sentinels");
    expect(md).toContain("| before (`noveli-drill-sentinel#d#before`) | 2026-11-25T14:05:09.500Z | present | present |");
    expect(md).toContain("| TTL | enabled on expires_at | disabled | reapply | enable TTL on expires_at |");
    expect(md).toContain("skipped: emulator \\| no wait"); // table cells escape pipes
    expect(md).toContain("The environment has none.");
    expect(md).not.toContain("## Problems");
  });

  it("lists problems and example keys of a failed drill", () => {
    const base = passingReport();
    const failing: Partial = {
      ...base,
      items: { ...(base.items as NonNullable<Partial["items"]>), matched: 2999, changed: 1, examples: { missing: [], extra: [], changed: ['{"session_id":"s1","timestamp":"1"}'] } },
    };
    const md = renderMarkdown({ ...failing, ...judge(failing, null) });
    expect(md).toContain("FAILED");
    expect(md).toContain("## Problems\n\n- 1 item(s) changed in the restore");
    expect(md).toContain('Example changed keys: `{"session_id":"s1","timestamp":"1"}`');
  });
});

describe("renderHuman", () => {
  it("summarises in a few lines", () => {
    const lines: string[] = [];
    renderHuman({ ...passingReport(), ...judge(passingReport(), null) }, lines, styleFor(false));
    expect(lines[0]).toContain("✓ DR drill passed: dev, pitr");
    expect(lines.join("\n")).toContain("items: 3000 source, 3000 restored, 3000 matched, 0 missing, 0 extra, 0 changed");
    expect(lines.join("\n")).toContain("a real recovery must apply again: TTL");
  });
});

describe("drillWarnings", () => {
  it("warns when the source held nothing but the sentinels; not when it held data or verification did not run", async () => {
    const { drillWarnings } = await import("../../src/ops/drill/report.js");
    expect(drillWarnings({ sourceTable: "t", items: { source: 0 }, passed: true })).toEqual([
      "nothing to verify: t held no items but the drill's own sentinels, so the drill proved the restore and the sentinels, not your data",
    ]);
    expect(drillWarnings({ sourceTable: "t", items: { source: 3 }, passed: true })).toEqual([]);
    expect(drillWarnings({ sourceTable: "t", items: null, passed: false })).toEqual([]);
  });
});

describe("drDrillView and drDrillGcView", () => {
  it("puts the issue's fields first in the --json document, the evidence after, and renders the summary", () => {
    const report: DrillReport = { ...passingReport(), ...judge(passingReport(), null), warnings: [] };
    const doc = drDrillView.json(report) as Record<string, unknown>;
    expect(Object.keys(doc).slice(0, 15)).toEqual(["command", "env", "method", "sourceTable", "scratchTable", "restorePoint", "rtoSeconds", "rpoSeconds", "phases", "items", "settings", "crossRegion", "cleanedUp", "passed", "target"]);
    expect(doc).toMatchObject({ command: "dr-drill", passed: true, drillId: report.drillId });
    const lines = drDrillView.human(report, styleFor(false));
    expect(lines[0]).toBe("✓ DR drill passed: dev, pitr, noveli-dev-story-sessions → noveli-drill-noveli-dev-story-sessions-20261125T140509Z-0a1b2c3d");
  });

  it("lists what gc deleted, left and failed to delete", () => {
    const result = {
      env: "dev",
      deleted: [{ table: "noveli-drill-a", reason: "recorded by a finished drill", result: "deleting" as const }],
      skipped: [{ table: "noveli-drill-b", reason: "younger than 60 minutes" }],
      failed: [{ table: "noveli-drill-c", error: "AccessDenied" }],
      sentinelsDeleted: 2,
      recordsCleared: 1,
    };
    const gc: Parameters<typeof drDrillGcView.json>[0] = result;
    expect(drDrillGcView.json(gc)).toEqual({ command: "dr-drill gc", ...result });
    expect(drDrillGcView.human(gc, styleFor(false))).toEqual([
      "deleted noveli-drill-a: recorded by a finished drill",
      "left noveli-drill-b: younger than 60 minutes",
      "failed noveli-drill-c: AccessDenied",
      "deleted 2 sentinel item(s) from the source table",
    ]);
  });
});

describe("drillFailure", () => {
  const report = (overrides: { [K in keyof DrillReport]?: DrillReport[K] }): DrillReport => ({ ...passingReport(), ...judge(passingReport(), null), warnings: [], ...overrides });
  it("fails a drill that did not pass with its first problem, and points at gc when cleanup is unfinished", () => {
    expect(drillFailure(report({}))).toBeUndefined();
    const failed = drillFailure(report({ passed: false, problems: ["1 item(s) missing from the restore"], cleanedUp: false }));
    expect(failed).toMatchObject({ code: "drill-failed", message: "DR drill failed: 1 item(s) missing from the restore", hint: "run noveli dr-drill gc --env dev" });
  });
  it("an interrupted drill is an abort (exit 130)", () => {
    expect(drillFailure(report({ interrupted: true, passed: false }))).toMatchObject({ exitCode: 130, message: "interrupted; cleanup done" });
  });
});
