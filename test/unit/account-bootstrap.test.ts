import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { autoBootstrap, bootstrapCommand } from "../../src/state/account.js";

describe("the not-bootstrapped hint", () => {
  it("names the exact bootstrap command for each kind of target", () => {
    expect(bootstrapCommand({ kind: "aws", region: "eu-west-1" }, "production", "eu-west-1")).toBe("noveli bootstrap --env production --region eu-west-1");
    expect(bootstrapCommand({ kind: "aws", profile: "ops" }, "staging", "us-east-2")).toBe("noveli bootstrap --env staging --region us-east-2 --profile ops");
    expect(bootstrapCommand({ kind: "endpoint", endpointUrl: "http://127.0.0.1:4566", region: "us-east-1", source: "flag" }, "dev", "us-east-1")).toBe(
      "noveli bootstrap --env dev --region us-east-1 --endpoint-url http://127.0.0.1:4566",
    );
    expect(bootstrapCommand({ kind: "local", endpointUrl: "http://127.0.0.1:5000", region: "us-east-1" }, "dev", "us-east-1")).toBe("noveli bootstrap --env dev --region us-east-1 --local");
  });
});

describe("NOVELI_AUTO_BOOTSTRAP", () => {
  it("is on unless set to 0 or false", () => {
    expect(autoBootstrap({})).toBe(true);
    expect(autoBootstrap({ NOVELI_AUTO_BOOTSTRAP: "1" })).toBe(true);
    expect(autoBootstrap({ NOVELI_AUTO_BOOTSTRAP: "TRUE" })).toBe(true);
    expect(autoBootstrap({ NOVELI_AUTO_BOOTSTRAP: "0" })).toBe(false);
    expect(autoBootstrap({ NOVELI_AUTO_BOOTSTRAP: " false " })).toBe(false);
  });

  it("refuses anything else (exit 2)", () => {
    expect(() => autoBootstrap({ NOVELI_AUTO_BOOTSTRAP: "no" })).toThrow(ConfigError);
    expect(() => autoBootstrap({ NOVELI_AUTO_BOOTSTRAP: "no" })).toThrow('NOVELI_AUTO_BOOTSTRAP must be 1 or 0 (true or false), got "no"');
  });
});
