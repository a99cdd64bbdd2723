import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findMotoServer, freePort, launchMoto } from "../src/local/emulator.js";
import { setupTerraform } from "../src/terraform/discovery.js";
import { median, type BenchResult } from "./types.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, "bin", "noveli.cjs");
const credentials = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1" };

/** Terraform by hand: the same staged configuration, local backend, init + plan -out + apply. */
function rawTerraform(motoUrl: string, zip: string): number {
  const dir = mkdtempSync(path.join(tmpdir(), "noveli-bench-raw-"));
  try {
    cpSync(path.join(root, "terraform"), path.join(dir, "terraform"), { recursive: true });
    const envRoot = path.join(dir, "terraform", "environments", "dev");
    writeFileSync(path.join(envRoot, "backend.tf"), `terraform {\n  backend "local" {\n    path = "${path.join(dir, "terraform.tfstate")}"\n  }\n}\n`);
    writeFileSync(path.join(dir, "vars.json"), JSON.stringify({ lambda_package_path: zip, target_color: "blue", alias_versions: {}, app_version: "bench", emulator: true, region: "us-east-1" }));
    const setup = setupTerraform(dir);
    const env = { ...process.env, ...setup.env, ...credentials, TF_DATA_DIR: path.join(dir, "data"), AWS_ENDPOINT_URL: motoUrl };
    const started = process.hrtime.bigint();
    for (const args of [["init", "-input=false"], ["plan", "-input=false", `-out=${path.join(dir, "p.tfplan")}`, `-var-file=${path.join(dir, "vars.json")}`], ["apply", "-input=false", path.join(dir, "p.tfplan")]]) {
      execFileSync(setup.binary, [`-chdir=${envRoot}`, ...args, "-no-color"], { env, stdio: "ignore" });
    }
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function noveliDeploy(motoUrl: string): number {
  const stateDir = mkdtempSync(path.join(tmpdir(), "noveli-bench-cli-"));
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, "deploy", "--env", "dev", "--endpoint-url", motoUrl, "--release", "bench"], {
      env: { ...process.env, NOVELI_STATE_DIR: stateDir, CI: "true" },
      stdio: "ignore",
    });
    if (result.status !== 0) throw new Error(`noveli deploy exited ${result.status}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** noveli deploy against raw terraform init/plan/apply, each from an empty emulator, interleaved. */
export default async function deploy(): Promise<BenchResult> {
  const logDir = mkdtempSync(path.join(tmpdir(), "noveli-bench-moto-"));
  const moto = await launchMoto({ executable: findMotoServer(), port: await freePort(), logFile: path.join(logDir, "moto.log"), detached: false });
  const runs = 3;
  const raw: number[] = [];
  const cli: number[] = [];
  try {
    // The zip noveli builds, so both sides apply the same code.
    const packaging = await import("../src/package/lambda.js");
    const artifact = await packaging.packageStoryGenerator({ stateDir: logDir, projectRoot: root });
    const reset = () => fetch(`${moto.url}/moto-api/reset`, { method: "POST" });
    for (let i = 0; i < runs; i++) {
      await reset();
      raw.push(rawTerraform(moto.url, artifact.zipPath));
      await reset();
      cli.push(noveliDeploy(moto.url));
    }
  } finally {
    await moto.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
  const overhead = median(cli) / median(raw) - 1;
  return {
    title: "Deploy overhead",
    rows: [
      { metric: "terraform init + plan + apply by hand (median)", value: `${median(raw).toFixed(1)} s` },
      { metric: "noveli deploy (median)", value: `${median(cli).toFixed(1)} s` },
      { metric: "noveli deploy overhead", value: `${(overhead * 100).toFixed(1)} %`, target: "<= 10 %", ok: overhead <= 0.1 },
    ],
    method: `${runs} interleaved pairs, each from an emptied moto (moto-api/reset) and an empty state folder, dev environment, the same Lambda zip and the same provider mirror config. noveli's figure includes packaging, the account and bootstrap checks, the live-stage read, sharing the zip in the state bucket, the read-back of the target color's alias from Lambda, the lease and the history record; its plan summary and outputs come from plan -json and apply -json (no show or output run); its init checks the provider against the lock file's checksums, its plan and apply on the emulator do not hash it again (raw terraform's plan and apply each do).`,
  };
}
