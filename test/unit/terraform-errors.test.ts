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

  it("a provider that no longer matches the lock file's checksums is named as such, not as a missing mirror", () => {
    const text = "Failed to install provider: Error while installing hashicorp/aws v5.100.0: the local package for registry.terraform.io/hashicorp/aws 5.100.0 doesn't match any of the checksums previously recorded in the dependency lock file (this might be because the available checksums are for packages targeting different platforms)";
    expect(terraformHint("init", text)).toMatch(/^the provider terraform found is not the one this workspace's lock file recorded/);
    expect(terraformHint("init", "Failed to query available provider packages: could not connect to registry.terraform.io")).toMatch(/local filesystem mirror/);
  });
});
