import { describe, expect, it } from "vitest";
import { isNoveliError } from "../../src/errors.js";
import { healthFailure, type ColorHealthResult } from "../../src/ops/health/check.js";
import { validationFailure } from "../../src/ops/validate/validate.js";
import type { ValidationReport } from "../../src/validate/engine.js";

describe("healthFailure", () => {
  const result: ColorHealthResult = {
    env: "dev",
    color: "green",
    healthy: true,
    checks: [
      { name: "health-endpoint", ok: true, detail: "" },
      { name: "version", ok: true, detail: "" },
    ],
    p50Ms: 1,
    p95Ms: 2,
    version: "1",
    codeSha256: null,
    via: "x",
  };
  it("is nothing for a healthy color, exit 1 naming the failed checks otherwise", () => {
    expect(healthFailure(result)).toBeUndefined();
    const failure = healthFailure({ ...result, healthy: false, checks: [{ name: "health-endpoint", ok: true, detail: "" }, { name: "version", ok: false, detail: "" }] });
    expect(isNoveliError(failure) && failure.exitCode).toBe(1);
    expect(failure?.message).toBe("green is unhealthy: version failed");
  });
});

describe("validationFailure", () => {
  const report = (errors: number, warnings: number) => ({ dir: "terraform", summary: { errors, warnings } }) as unknown as ValidationReport;
  it("fails on an error finding only, counting them", () => {
    expect(validationFailure(report(0, 3))).toBeUndefined();
    const failure = validationFailure(report(2, 1));
    expect(isNoveliError(failure) && failure.code).toBe("validate-failed");
    expect(failure?.message).toBe("2 error findings in terraform");
    expect(validationFailure(report(1, 0))?.message).toBe("1 error finding in terraform");
  });
});
