import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Target } from "../../src/aws/target.js";
import { MemoryReporter } from "../../src/output/reporter.js";
import { deployPlanSettings, planArgs } from "../../src/terraform/runner.js";
import { initialisedAsBefore, prepareWorkspace, recordInitialised, type Workspace } from "../../src/terraform/workspace.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("how deploy plans on each target", () => {
  it("real AWS keeps terraform's full refresh; only an emulator plans without reading every resource back", () => {
    expect(planArgs("p.tfplan", "v.json", deployPlanSettings({ emulator: false }))).not.toContain("-refresh=false");
    expect(planArgs("p.tfplan", "v.json", deployPlanSettings({ emulator: false }))).toEqual(planArgs("p.tfplan", "v.json"));
    expect(planArgs("p.tfplan", "v.json", deployPlanSettings({ emulator: true }))).toContain("-refresh=false");
    expect(planArgs("p.tfplan", "v.json", { destroy: true })).toEqual(["plan", "-input=false", "-detailed-exitcode", "-out=p.tfplan", "-var-file=v.json", "-destroy", "-json"]);
  });
});

describe("terraform init runs again only when what it depends on changed", () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), "noveli-init-fingerprint-"));
  dirs.push(stateDir);
  const account = { bucket: "noveli-tfstate-123456789012-us-east-1", region: "us-east-1" };
  const local = (port: number): Target => ({ kind: "local", endpointUrl: `http://127.0.0.1:${port}`, region: "us-east-1" });
  const prepare = (target: Target, terraformRoot?: string): Workspace =>
    prepareWorkspace({ stateDir, env: "dev", target, reporter: new MemoryReporter(), account, ...(terraformRoot ? { terraformRoot } : {}) });
  /** What a successful init leaves in the data folder. */
  const initialise = (workspace: Workspace) => {
    const data = workspace.processEnv.TF_DATA_DIR as string;
    mkdirSync(path.join(data, "modules"), { recursive: true });
    mkdirSync(path.join(data, "providers"), { recursive: true });
    writeFileSync(path.join(data, "terraform.tfstate"), "{}");
    writeFileSync(path.join(data, "modules", "modules.json"), "{}");
    recordInitialised(workspace);
  };

  it("is not initialised before any init, and is after one with the same settings, also once staged again", () => {
    const workspace = prepare(local(4001));
    expect(initialisedAsBefore(workspace)).toBe(false);
    initialise(workspace);
    expect(initialisedAsBefore(workspace)).toBe(true);
    expect(initialisedAsBefore(prepare(local(4001)))).toBe(true);
  });

  it("another emulator port (the same workspace folder) needs init", () => {
    initialise(prepare(local(4001)));
    expect(initialisedAsBefore(prepare(local(4002)))).toBe(false);
  });

  it("another bucket, an edited .tf file or a lost data folder needs init", () => {
    const workspace = prepare(local(4001));
    initialise(workspace);
    const otherAccount = prepareWorkspace({ stateDir, env: "dev", target: local(4001), reporter: new MemoryReporter(), account: { bucket: "noveli-tfstate-210987654321-us-east-1", region: "us-east-1" } });
    expect(initialisedAsBefore(otherAccount)).toBe(false);

    initialise(prepare(local(4001)));
    const edited = prepare(local(4001));
    appendFileSync(path.join(edited.rootDir, "main.tf"), "\n# edited\n");
    expect(initialisedAsBefore(edited)).toBe(false);

    const again = prepare(local(4001));
    initialise(again);
    rmSync(path.join(again.processEnv.TF_DATA_DIR as string, "providers"), { recursive: true });
    expect(initialisedAsBefore(again)).toBe(false);
  });
});
