import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FUNCTION_ADDRESS, aliasAddress, describeRun, runsExpected } from "../../src/ops/deploy/published.js";
import { refreshArgs } from "../../src/terraform/runner.js";
import { repoRoot } from "../helpers/cli.js";

/** What a deploy checks its target color against after it (published.ts), without an account. */
const CODE = "le+e6o73AzM3xPXU2Ug54Klb7Nd3p9Xjmp1Cj0JnQ00=";
const config = (version: string, release: string | undefined, codeSha256 = CODE) => ({
  version,
  codeSha256,
  environment: { DYNAMODB_TABLE: "t", ...(release === undefined ? {} : { APP_VERSION: release }) },
});

describe("what the target color must run after a deploy", () => {
  it("the deploy's code and its release, both", () => {
    expect(runsExpected(config("3", "r2"), { codeSha256: CODE, release: "r2" })).toBe(true);
    expect(runsExpected(config("3", "r1"), { codeSha256: CODE, release: "r2" })).toBe(false);
    expect(runsExpected(config("3", "r2", "other="), { codeSha256: CODE, release: "r2" })).toBe(false);
    expect(runsExpected(config("3", undefined), { codeSha256: CODE, release: "r2" })).toBe(false);
  });

  it("names a version by number, release and code, and no other variable of its environment", () => {
    expect(describeRun(config("3", "r2"))).toBe(`version 3 (release "r2", code ${CODE})`);
    expect(describeRun(config("$LATEST", "r2"))).toBe(`$LATEST (release "r2", code ${CODE})`);
    expect(describeRun(config("1", undefined))).toBe(`version 1 (release unknown, code ${CODE})`);
    expect(describeRun(config("3", "r2"))).not.toContain("DYNAMODB_TABLE");
  });

  it("reads back the function and the color's alias alone, changing nothing in the account", () => {
    expect(refreshArgs("v.json", [FUNCTION_ADDRESS, aliasAddress("green")])).toEqual([
      "apply", "-refresh-only", "-input=false", "-auto-approve", "-var-file=v.json",
      "-target=module.noveli.aws_lambda_function.story_generator", '-target=module.noveli.aws_lambda_alias.color["green"]', "-json",
    ]);
    // The addresses are the module's own.
    const lambdaTf = readFileSync(path.join(repoRoot, "terraform", "modules", "noveli", "lambda.tf"), "utf8");
    expect(lambdaTf).toMatch(/^resource "aws_lambda_function" "story_generator" \{$/m);
    expect(lambdaTf).toMatch(/^resource "aws_lambda_alias" "color" \{\n\s+for_each = toset\(local\.colors\)$/m);
  });
});
