import { describe, expect, it } from "vitest";
import { abandonedRunner } from "../../src/local/lambda-runner.js";

describe("abandonedRunner: whether a local Lambda runner's folder has lost its process", () => {
  const self = { host: "ops-1" };
  const dead = () => false;
  const alive = () => true;

  it("is abandoned when its process, on this host, is gone", () => {
    expect(abandonedRunner({ pid: 4242, host: "ops-1" }, self, dead)).toBe(true);
  });

  it("is kept while its process runs, or when another host made it", () => {
    expect(abandonedRunner({ pid: 4242, host: "ops-1" }, self, alive)).toBe(false);
    expect(abandonedRunner({ pid: 4242, host: "ops-2" }, self, dead)).toBe(false);
  });

  it("is kept when its owner record is not one (never removed on a guess)", () => {
    for (const owner of [null, undefined, "4242", 4242, {}, { pid: "4242", host: "ops-1" }, { pid: 0, host: "ops-1" }, { pid: -1, host: "ops-1" }, { pid: 1.5, host: "ops-1" }, { pid: 4242 }]) {
      expect(abandonedRunner(owner, self, dead)).toBe(false);
    }
  });
});
