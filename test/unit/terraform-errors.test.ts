import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { terraformErrorText, terraformHint } from "../../src/terraform/runner.js";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "..", "fixtures", "faults", name), "utf8");

describe("terraform's errors, whole", () => {
  it("keeps every line of a wrapped error, joined into one line, and leaves warnings out", () => {
    const text = terraformErrorText(fixture("terraform-backend-changed.txt"));
    expect(text).toMatch(/^Backend initialization required: please run "terraform init": Reason: Backend configuration block has changed/);
    // The sentence the old condensing cut off mid-way is there to its end.
    expect(text).toContain('Please run "terraform init" with either the "-reconfigure" or "-migrate-state" flags to use the current configuration.');
    expect(text).toMatch(/no changes to your existing configuration or state have been made\.$/);
    expect(text).not.toContain("CLI configuration");
    expect(text).not.toContain("\n");
    expect(terraformHint("plan", text)).toMatch(/initialised for another backend/);
  });

  it("leaves out source locations and quoted source, keeps the explanation", () => {
    const text = terraformErrorText(fixture("terraform-undeclared.txt"));
    expect(text).toBe('Reference to undeclared resource: A managed resource "nonexist" "foo" has not been declared in the root module.');
    expect(terraformHint("plan", text)).toBe("run with --verbose to see terraform plan's whole output");
  });

  it("joins several errors and redacts secrets in them", () => {
    const text = terraformErrorText("Error: one\n\nfirst detail\n\nError: two\n  with aws_x.y,\nAWS_SECRET_ACCESS_KEY=abcd1234abcd1234abcd1234abcd1234abcd1234\n");
    expect(text).toMatch(/^one: first detail; two: /);
    expect(text).not.toContain("abcd1234abcd1234abcd1234");
  });
});
