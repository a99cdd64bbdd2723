import { execa } from "execa";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTerraform, type TerraformSetup } from "../../src/terraform/discovery.js";
import { repoRoot } from "../helpers/cli.js";

/**
 * What CI checks of the Terraform before anything applies it: `terraform fmt -check` over the tree
 * and `terraform validate` of each environment (providers from the discovered mirror, no backend),
 * run on a copy so no lock file or .terraform lands in the repository.
 */
let work: string;
let setup: TerraformSetup;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "noveli-tf-static-"));
  cpSync(path.join(repoRoot, "terraform"), path.join(work, "terraform"), { recursive: true });
  setup = setupTerraform(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("terraform static checks", () => {
  it("terraform fmt -check finds nothing to reformat", async () => {
    const result = await execa(setup.binary, ["fmt", "-check", "-recursive", "-diff", path.join(repoRoot, "terraform")], { reject: false });
    expect(result.exitCode, String(result.stdout)).toBe(0);
  });

  it.each(["dev", "staging", "production"])("terraform validate passes for %s", async (env) => {
    const dir = path.join(work, "terraform", "environments", env);
    const tfEnv = { ...setup.env, TF_DATA_DIR: path.join(work, `data-${env}`) };
    const init = await execa(setup.binary, [`-chdir=${dir}`, "init", "-backend=false", "-input=false", "-no-color"], { env: tfEnv, reject: false });
    expect(init.exitCode, String(init.stderr)).toBe(0);
    const validate = await execa(setup.binary, [`-chdir=${dir}`, "validate", "-no-color"], { env: tfEnv, reject: false });
    expect(validate.exitCode, String(validate.stderr)).toBe(0);
    expect(String(validate.stdout)).toMatch(/Success! The configuration is valid/);
  });
});
