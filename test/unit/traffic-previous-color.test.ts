import { describe, expect, it } from "vitest";
import { lastColorMove, previousColor, settlesPreviousColor } from "../../src/ops/traffic/previous-color.js";
import type { HistoryRecord } from "../../src/state/history.js";

/** The rollback's previous color from the shared history (newest record first) and the live stage. */

let clock = 0;
const record = (type: HistoryRecord["type"], fields: Record<string, unknown> = {}): HistoryRecord => ({
  type,
  at: `2026-12-01T10:00:${String(clock++ % 60).padStart(2, "0")}.000Z`,
  user: "alice",
  host: "laptop-a",
  env: "dev",
  outcome: "switched",
  ...fields,
});
const switched = (from: string, to: string, fields: Record<string, unknown> = {}) => record("switch", { outcome: "switched", from, to, live: { deployment: to }, ...fields });

describe("previousColor with the shared history", () => {
  it("is the color live before the last completed switch, naming who made it", () => {
    const history = [switched("blue", "green", { user: "bob", host: "ci-runner" }), switched("green", "blue")];
    const target = previousColor({ deployment: "green" }, history);
    expect(target).toMatchObject({ to: "blue", undoes: { type: "switch", from: "blue", to: "green", user: "bob", host: "ci-runner" } });
    expect("why" in target && target.why).toMatch(/^live is green since the switch blue → green by bob@ci-runner at 2026-12-01T10:00:\d\d\.000Z; the previous color is blue$/);
  });

  it("skips what did not move live traffic: refusals, no-ops, automatic rollbacks, a canary removed", () => {
    const history = [
      record("switch", { outcome: "refused", from: "green", to: "blue", live: { deployment: "green" } }),
      record("switch", { outcome: "unchanged", from: "green", to: "green", live: { deployment: "green" } }),
      record("switch", { outcome: "rolled-back", from: "green", to: "blue", live: { deployment: "green" } }),
      record("rollback", { outcome: "switched", from: "green", to: "green", live: { deployment: "green" } }),
      switched("blue", "green", { user: "carol" }),
    ];
    expect(previousColor({ deployment: "green" }, history)).toMatchObject({ to: "blue", undoes: { user: "carol" } });
  });

  it("a rollback is a switch too: rolling back twice goes back to where the first started", () => {
    const history = [record("rollback", { outcome: "switched", from: "green", to: "blue", live: { deployment: "blue" } }), switched("blue", "green")];
    expect(previousColor({ deployment: "blue" }, history)).toMatchObject({ to: "green", undoes: { type: "rollback", from: "green", to: "blue" } });
  });

  it("a switch whose rollback failed left traffic where its stage reading says", () => {
    const history = [record("switch", { outcome: "refused", from: "blue", to: "green", live: { deployment: "green" }, restoreFailed: true }), switched("green", "blue")];
    expect(lastColorMove(history)).toMatchObject({ from: "blue", to: "green" });
    expect(previousColor({ deployment: "green" }, history)).toMatchObject({ to: "blue" });
  });

  it("refuses when the stage reads another color than the history's last switch left: traffic moved outside noveli", () => {
    const history = [switched("blue", "green")];
    const target = previousColor({ deployment: "blue" }, history);
    expect(target).toEqual({ refuse: expect.stringMatching(/^the shared history's last switch \(switch blue → green by alice@laptop-a at \S+\) left live traffic on green, but the live stage reads blue: /) });
    expect("refuse" in target && target.refuse).not.toMatch(/\n/);
  });

  it("an unfinished canary is unambiguous: the stable color, whatever the history says", () => {
    const history = [switched("green", "blue")];
    expect(previousColor({ deployment: "green", canary: { percentTraffic: 10, deployment: "blue" } }, history)).toMatchObject({ to: "green" });
  });

  it("no switch in the history, or none since the environment was torn down: the other color", () => {
    expect(previousColor({ deployment: "blue" }, [])).toMatchObject({ to: "green", why: expect.stringMatching(/records no switch of live traffic/) });
    const rebuilt = [record("teardown", { outcome: "destroyed" }), switched("blue", "green")];
    expect(lastColorMove(rebuilt)).toBeUndefined();
    expect(previousColor({ deployment: "blue" }, rebuilt)).toMatchObject({ to: "green" });
  });

  it("a record without a stage reading counts by its result", () => {
    expect(lastColorMove([record("switch", { outcome: "switched", from: "blue", to: "green" })])).toMatchObject({ from: "blue", to: "green" });
    expect(lastColorMove([record("switch", { outcome: "refused", from: "blue", to: "green" })])).toBeUndefined();
    expect(lastColorMove([record("switch", { outcome: "switched", from: null, to: "green", live: { deployment: "green" } })])).toBeUndefined();
  });
});

describe("settlesPreviousColor: when a rollback may stop reading older records", () => {
  const histories: HistoryRecord[][] = [
    [],
    [switched("blue", "green")],
    [record("switch", { outcome: "refused", from: "green", to: "blue", live: { deployment: "green" } }), record("rollback", { outcome: "unchanged", from: "green", to: "green", live: { deployment: "green" } }), switched("blue", "green"), switched("green", "blue")],
    [record("switch", { outcome: "rolled-back", from: "green", to: "blue", live: { deployment: "green" } }), record("teardown", { outcome: "destroyed" }), switched("blue", "green")],
    [record("switch", { outcome: "refused", from: "blue", to: "green", live: { deployment: "blue" } })],
  ];

  it("a newest-first prefix that settles it gives the same previous color as the whole history, for either live color", () => {
    let settledSomewhere = 0;
    for (const history of histories) {
      for (let cut = 0; cut <= history.length; cut++) {
        const prefix = history.slice(0, cut);
        if (!settlesPreviousColor(prefix)) continue;
        settledSomewhere += 1;
        for (const deployment of ["blue", "green"]) expect(previousColor({ deployment }, prefix), `cut ${cut}`).toEqual(previousColor({ deployment }, history));
      }
    }
    expect(settledSomewhere).toBeGreaterThan(4);
  });

  it("records that moved no traffic do not settle it; a switch that moved it, or a teardown, does", () => {
    expect(settlesPreviousColor([])).toBe(false);
    expect(settlesPreviousColor([record("switch", { outcome: "refused", from: "blue", to: "green", live: { deployment: "blue" } })])).toBe(false);
    expect(settlesPreviousColor([switched("blue", "green")])).toBe(true);
    expect(settlesPreviousColor([record("teardown", { outcome: "destroyed" })])).toBe(true);
  });
});
