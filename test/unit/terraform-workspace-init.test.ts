import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Target } from "../../src/aws/target.js";
import { MemoryReporter } from "../../src/output/reporter.js";
import { deployPlanSettings, planArgs } from "../../src/terraform/runner.js";
import { initialisedAsBefore, prepareWorkspace, recordInitialised, trustVerifiedProviders, withoutLockHashes, type Workspace } from "../../src/terraform/workspace.js";

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

const LOCK = [
  "# This file is maintained automatically by \"terraform init\".",
  "",
  'provider "registry.terraform.io/hashicorp/aws" {',
  '  version     = "5.100.0"',
  '  constraints = "~> 5.100"',
  "  hashes = [",
  '    "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",',
  '    "zh:01a2b3c4d5e6f708",',
  "  ]",
  "}",
  "",
  'provider "registry.terraform.io/hashicorp/random" {',
  '  version = "3.6.0"',
  "}",
  "",
].join("\n");

describe("the lock file of an emulator's plan and apply", () => {
  it("keeps every provider's version and constraints and drops only the checksums", () => {
    expect(withoutLockHashes(LOCK)).toBe(LOCK.replace(/  hashes = \[\n[^\]]*\]\n/, ""));
    expect(withoutLockHashes(LOCK)).not.toMatch(/hashes|h1:|zh:/);
    expect(withoutLockHashes(LOCK)).toMatch(/version {5}= "5\.100\.0"\n {2}constraints = "~> 5\.100"\n}/);
    expect(withoutLockHashes(withoutLockHashes(LOCK))).toBe(withoutLockHashes(LOCK));
  });
});

describe("terraform init runs again only when what it depends on changed", () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), "noveli-init-fingerprint-"));
  dirs.push(stateDir);
  const account = { bucket: "noveli-tfstate-123456789012-us-east-1", region: "us-east-1" };
  const local = (port: number): Target => ({ kind: "local", endpointUrl: `http://127.0.0.1:${port}`, region: "us-east-1" });
  const prepare = (target: Target, terraformRoot?: string): Workspace =>
    prepareWorkspace({ stateDir, env: "dev", target, reporter: new MemoryReporter(), account, ...(terraformRoot ? { terraformRoot } : {}) });
  const providerBinary = (workspace: Workspace) =>
    path.join(workspace.processEnv.TF_DATA_DIR as string, "providers", "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64", "terraform-provider-aws_v5.100.0_x5");
  /** What a successful init leaves: the data folder with a provider in it, and the lock file. */
  const initialise = (workspace: Workspace) => {
    const data = workspace.processEnv.TF_DATA_DIR as string;
    mkdirSync(path.join(data, "modules"), { recursive: true });
    mkdirSync(path.dirname(providerBinary(workspace)), { recursive: true });
    if (!existsSync(providerBinary(workspace))) writeFileSync(providerBinary(workspace), "provider");
    writeFileSync(path.join(data, "terraform.tfstate"), "{}");
    writeFileSync(path.join(data, "modules", "modules.json"), "{}");
    const lockFile = path.join(workspace.rootDir, ".terraform.lock.hcl");
    if (!existsSync(lockFile)) writeFileSync(lockFile, LOCK);
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

  it("a provider changed in any way since init checked it needs init", () => {
    const workspace = prepare(local(4001));
    initialise(workspace);
    expect(initialisedAsBefore(prepare(local(4001)))).toBe(true);
    // Other bytes in its place: init checks it against the lock file's checksums again.
    writeFileSync(providerBinary(workspace), "another provider");
    expect(initialisedAsBefore(prepare(local(4001)))).toBe(false);
    initialise(prepare(local(4001)));
    expect(initialisedAsBefore(prepare(local(4001)))).toBe(true);
    // Only its modification time.
    utimesSync(providerBinary(workspace), new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(initialisedAsBefore(prepare(local(4001)))).toBe(false);
  });

  it("an emulator's plan and apply get the lock file without checksums; the next init gets them back", () => {
    const workspace = prepare(local(4001));
    initialise(workspace);
    const lockFile = path.join(workspace.rootDir, ".terraform.lock.hcl");
    const verified = readFileSync(lockFile, "utf8");
    expect(verified).toMatch(/h1:/);
    trustVerifiedProviders(workspace);
    expect(readFileSync(lockFile, "utf8")).toBe(withoutLockHashes(verified));
    expect(readFileSync(path.join(workspace.dir, "init.lock.hcl"), "utf8")).toBe(verified);
    // Trusting again changes nothing: the kept lock file is the one with the checksums.
    trustVerifiedProviders(workspace);
    expect(readFileSync(path.join(workspace.dir, "init.lock.hcl"), "utf8")).toBe(verified);
    // Staged again (the next deploy): the lock file with its checksums, so the same fingerprint, and init would check them.
    const next = prepare(local(4001));
    expect(readFileSync(lockFile, "utf8")).toBe(verified);
    expect(initialisedAsBefore(next)).toBe(true);
  });

  it("real AWS keeps the checksums: terraform checks the provider at every run", () => {
    const workspace = prepare({ kind: "aws", region: "eu-west-1" });
    initialise(workspace);
    trustVerifiedProviders(workspace);
    expect(readFileSync(path.join(workspace.rootDir, ".terraform.lock.hcl"), "utf8")).toBe(LOCK);
    expect(existsSync(path.join(workspace.dir, "init.lock.hcl"))).toBe(false);
  });
});
