import { describe, expect, it } from "vitest";
import { linkLocalReason, parseEndpointUrl, withoutUserInfo } from "../../src/aws/target.js";
import { UsageError } from "../../src/errors.js";
import { parseGlobalOptions } from "../../src/options.js";

describe("endpoint URLs", () => {
  it.each([
    "http://169.254.169.254",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2", // ECS task metadata
    "http://2852039166", // 169.254.169.254 as one number
    "http://0xa9fea9fe",
    "http://[fd00:ec2::254]",
    "http://[fe80::1]:8080",
    "http://[::ffff:169.254.169.254]",
    "http://metadata.google.internal",
    "http://169.254.1.1.",
  ])("refuses the link-local or metadata endpoint %s (exit 2)", (raw) => {
    expect(() => parseEndpointUrl(raw, "--endpoint-url")).toThrow(UsageError);
    expect(() => parseEndpointUrl(raw, "--endpoint-url")).toThrow(/refused, it is never an AWS API endpoint/);
  });

  it("accepts loopback and ordinary hosts", () => {
    expect(parseEndpointUrl("http://127.0.0.1:5000", "--endpoint-url")).toBe("http://127.0.0.1:5000");
    expect(parseEndpointUrl("https://localstack.internal:4566/", "--endpoint-url")).toBe("https://localstack.internal:4566");
    expect(linkLocalReason("169.255.0.1")).toBeUndefined();
    expect(linkLocalReason("10.169.254.1")).toBeUndefined();
  });

  it("never prints the credentials of a URL, parseable or not", () => {
    const secrets = ["hunter2", "s3cr@t/x"];
    const cases = ["http://admin:hunter2@[bad-host", "ftp://admin:hunter2@example.com", "http://admin:s3cr@t/x@host:99999", "admin:hunter2@ host", "http://admin:hunter2@example.com"];
    for (const raw of cases) {
      let message = "";
      try {
        parseEndpointUrl(raw, "AWS_ENDPOINT_URL");
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, raw).not.toBe("");
      for (const secret of secrets) expect(message, raw).not.toContain(secret);
    }
    expect(withoutUserInfo("http://u:p@h:1/x")).toBe("http://***@h:1/x");
    expect(withoutUserInfo("http://h:1/x")).toBe("http://h:1/x");
  });

  it("applies to AWS_ENDPOINT_URL as to the flag", () => {
    expect(() => parseGlobalOptions({}, { AWS_ENDPOINT_URL: "http://169.254.169.254" })).toThrow(/AWS_ENDPOINT_URL points at 169.254.169.254/);
  });
});
