import { describe, expect, it } from "vitest";
import { parseGlobalOptions } from "../../src/options.js";
import { UsageError } from "../../src/errors.js";

describe("parseGlobalOptions", () => {
  it("accepts the documented options", () => {
    const options = parseGlobalOptions({ env: "staging", region: "eu-west-1", json: true, yes: true, verbose: true }, {});
    expect(options).toMatchObject({ env: "staging", region: "eu-west-1", json: true, yes: true, verbose: true, local: false });
  });

  it.each([
    [{ env: "prod" }, /unknown environment "prod"/],
    [{ endpointUrl: "not a url" }, /--endpoint-url is not a valid URL/],
    [{ endpointUrl: "ftp://x" }, /must be an http:\/\/ or https:\/\/ URL/],
    [{ local: true, endpointUrl: "http://127.0.0.1:5000" }, /--local and --endpoint-url cannot be used together/],
    [{ region: "mars" }, /not an AWS region name/],
  ])("rejects %j with a one-line usage error", (raw, message) => {
    let thrown: unknown;
    try {
      parseGlobalOptions(raw, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(2);
    expect((thrown as UsageError).message).toMatch(message);
    expect((thrown as UsageError).message).not.toContain("\n");
  });

  it("honours AWS_ENDPOINT_URL and NOVELI_ENV, flags win", () => {
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:4566/", NOVELI_ENV: "dev", AWS_REGION: "us-west-2" };
    expect(parseGlobalOptions({}, env)).toMatchObject({ endpointUrl: "http://127.0.0.1:4566", endpointSource: "env", env: "dev", region: "us-west-2" });
    expect(parseGlobalOptions({ endpointUrl: "http://localhost:5000", env: "production" }, env)).toMatchObject({ endpointUrl: "http://localhost:5000", endpointSource: "flag", env: "production" });
    // --local wins over an endpoint in the environment: it runs its own emulator.
    expect(parseGlobalOptions({ local: true }, env).endpointUrl).toBeUndefined();
  });

  it("rejects a bad NOVELI_ENV naming the variable", () => {
    expect(() => parseGlobalOptions({}, { NOVELI_ENV: "qa" })).toThrow(/NOVELI_ENV/);
  });
});
