import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findMotoServer, freePort, launchMoto, type LaunchedMoto } from "../src/local/emulator.js";
import { setupTerraform } from "../src/terraform/discovery.js";
import { applyOutcome, parseUiMessages, type AppliedResource } from "../src/terraform/json-stream.js";
import { median, type BenchResult, type BenchRow } from "./types.js";

/**
 * The first `rehearse --local` from nothing and a code-only redeploy (issue #19), each beside raw
 * terraform doing the same deploy in the same run: `terraform init`, `plan -out`, `apply` of the
 * same configuration on an emulator of its own, with the per-resource times of that apply (from
 * `apply -json`) to show where a first deploy's time goes.
 */

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const FIRST_RUNS = 2;
const REDEPLOY_RUNS = 3;
const credentials = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1" };

const seconds = (value: number) => `${value.toFixed(1)} s`;
const since = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

function run(command: string, args: string[], env: NodeJS.ProcessEnv, label: string): string {
  const result = spawnSync(command, args, { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${label} exited ${result.status}: ${(result.stderr || result.stdout).slice(-2_000)}`);
  return result.stdout;
}

/** Raw terraform on its own emulator: a staged copy with a local backend, as noveli stages it. */
class RawTerraform {
  readonly dir = mkdtempSync(path.join(tmpdir(), "noveli-bench-raw-"));
  private readonly envRoot = path.join(this.dir, "terraform", "environments", "dev");
  private readonly setup = setupTerraform(this.dir);
  private constructor(
    private readonly moto: LaunchedMoto,
    private readonly logDir: string,
  ) {
    cpSync(path.join(root, "terraform"), path.join(this.dir, "terraform"), { recursive: true });
    writeFileSync(path.join(this.envRoot, "backend.tf"), `terraform {\n  backend "local" {\n    path = "${path.join(this.dir, "terraform.tfstate")}"\n  }\n}\n`);
  }

  static async start(): Promise<RawTerraform> {
    const logDir = mkdtempSync(path.join(tmpdir(), "noveli-bench-moto-"));
    return new RawTerraform(await launchMoto({ executable: findMotoServer(), port: await freePort(), logFile: path.join(logDir, "moto.log"), detached: false }), logDir);
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.setup.env, ...credentials, TF_DATA_DIR: path.join(this.dir, "data"), AWS_ENDPOINT_URL: this.moto.url, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  }

  private tf(args: string[]): string {
    return run(this.setup.binary, [`-chdir=${this.envRoot}`, ...args, "-no-color"], this.env(), `terraform ${args[0]}`);
  }

  /** A deploy from an empty emulator and no state. Returns its time and the apply's per-resource times. */
  async firstDeploy(zip: string): Promise<{ seconds: number; resources: AppliedResource[] }> {
    await fetch(`${this.moto.url}/moto-api/reset`, { method: "POST" });
    rmSync(path.join(this.dir, "terraform.tfstate"), { force: true });
    rmSync(path.join(this.dir, "data"), { recursive: true, force: true });
    const started = process.hrtime.bigint();
    const resources = this.deploy(zip, true);
    return { seconds: since(started), resources };
  }

  /** plan + apply of what is there (init too when asked; `refresh: false` as noveli plans on an emulator). */
  deploy(zip: string, init: boolean, options: { refresh?: boolean } = {}): AppliedResource[] {
    const vars = path.join(this.dir, "vars.json");
    writeFileSync(vars, JSON.stringify({ lambda_package_path: zip, target_color: "blue", alias_versions: {}, app_version: "bench", emulator: true, region: "us-east-1" }));
    if (init) this.tf(["init", "-input=false"]);
    this.tf(["plan", "-input=false", `-out=${path.join(this.dir, "p.tfplan")}`, `-var-file=${vars}`, ...(options.refresh === false ? ["-refresh=false"] : [])]);
    return applyOutcome(parseUiMessages(this.tf(["apply", "-input=false", "-json", path.join(this.dir, "p.tfplan")]))).resources;
  }

  /** `terraform version`: what starting terraform costs at all, the floor of every terraform command. */
  version(): { text: string; seconds: number } {
    const times: number[] = [];
    let text = "";
    for (let i = 0; i < 9; i++) {
      const started = process.hrtime.bigint();
      text = run(this.setup.binary, ["version"], this.env(), "terraform version").split("\n")[0] ?? "";
      times.push(since(started));
    }
    return { text, seconds: median(times) };
  }

  async stop(): Promise<void> {
    await this.moto.stop();
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

/**
 * A copy of the checkout whose Lambda source the benchmark may change (node_modules linked): the
 * CLI finds its project root from its own files, so the copy's CLI packages the copy's code.
 */
function checkoutCopy(): { dir: string; bin: string; changeCode(revision: number): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "noveli-bench-checkout-"));
  for (const entry of ["bin", "dist", "lambda", "src", "terraform", "package.json", "tsconfig.json"]) cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  const entry = path.join(dir, "lambda", "story-generator", "src", "index.ts");
  const original = readFileSync(entry, "utf8");
  return {
    dir,
    bin: path.join(dir, "bin", "noveli.cjs"),
    // An exported constant survives minification and tree shaking: a real change of the bundle.
    changeCode: (revision) => writeFileSync(entry, `${original}\nexport const benchRevision = ${revision};\n`),
  };
}

export default async function rehearse(): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const load = [loadavg()[0] as number];
  const copy = checkoutCopy();
  const raw = await RawTerraform.start();
  const cliEnv = (stateDir: string): NodeJS.ProcessEnv => ({ ...process.env, NOVELI_STATE_DIR: stateDir, CI: "true", NO_COLOR: "1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" });
  const redeployState = mkdtempSync(path.join(tmpdir(), "noveli-bench-redeploy-"));
  const zipDir = mkdtempSync(path.join(tmpdir(), "noveli-bench-zip-"));
  try {
    // ---- the first rehearsal from nothing, beside raw terraform's first deploy ----
    const rehearsals: number[] = [];
    const deploySteps: number[] = [];
    const rawFirst: number[] = [];
    let profile: AppliedResource[] = [];
    copy.changeCode(0);
    for (let i = 0; i < FIRST_RUNS; i++) {
      const stateDir = mkdtempSync(path.join(tmpdir(), "noveli-bench-rehearse-"));
      try {
        const started = process.hrtime.bigint();
        const doc = JSON.parse(run(process.execPath, [copy.bin, "rehearse", "--local", "--json"], cliEnv(stateDir), "noveli rehearse")) as { passed: boolean; steps: { name: string; seconds: number }[] };
        rehearsals.push(since(started));
        if (!doc.passed) throw new Error("the rehearsal failed");
        deploySteps.push(doc.steps.find((s) => s.name === "deploy")?.seconds ?? Number.NaN);
        // The same zip for raw terraform, so both deploy the same code.
        copyFileSync(path.join(stateDir, "artifacts", "story-generator.zip"), path.join(zipDir, "first.zip"));
      } finally {
        spawnSync(process.execPath, [copy.bin, "local", "down"], { env: cliEnv(stateDir), stdio: "ignore" });
        rmSync(stateDir, { recursive: true, force: true });
      }
      const first = await raw.firstDeploy(path.join(zipDir, "first.zip"));
      rawFirst.push(first.seconds);
      profile = first.resources;
    }
    const rehearsal = median(rehearsals);
    rows.push({ metric: "noveli rehearse --local from nothing (median)", value: seconds(rehearsal), target: "<= 45 s", ok: rehearsal <= 45 });
    rows.push({ metric: "  its deploy step (median)", value: seconds(median(deploySteps)) });
    rows.push({ metric: "raw terraform init + plan + apply, first deploy (median)", value: seconds(median(rawFirst)) });
    rows.push({ metric: "rehearse from nothing / raw first deploy", value: `${(rehearsal / median(rawFirst)).toFixed(2)}x` });
    rows.push({ metric: "  deploy step / raw first deploy", value: `${(median(deploySteps) / median(rawFirst)).toFixed(2)}x` });
    notes.push(
      `Where a first apply's time goes (raw terraform's last run, apply -json: seconds per resource and when it started): ${profile
        .slice(0, 6)
        .map((r) => `${r.address.replace(/^module\.noveli\./, "")} ${r.seconds} s (at ${r.startedAt} s)`)
        .join(", ")}; every other resource took under a second.`,
    );

    // ---- a code-only redeploy, beside raw terraform applying the same change ----
    const env = cliEnv(redeployState);
    run(process.execPath, [copy.bin, "local", "up"], env, "noveli local up");
    run(process.execPath, [copy.bin, "deploy", "--local", "--release", "bench"], env, "noveli deploy");
    raw.deploy(path.join(zipDir, "first.zip"), false);
    const redeploys: number[] = [];
    const rawRedeploys: number[] = [];
    const rawNoRefresh: number[] = [];
    let redeployProfile: AppliedResource[] = [];
    for (let i = 1; i <= REDEPLOY_RUNS; i++) {
      copy.changeCode(i);
      const started = process.hrtime.bigint();
      const doc = JSON.parse(run(process.execPath, [copy.bin, "deploy", "--local", "--release", "bench", "--json"], env, "noveli deploy")) as { outcome: string; plan: { change: number } };
      redeploys.push(since(started));
      if (doc.outcome !== "applied" || doc.plan.change < 1) throw new Error(`a code change deployed as ${doc.outcome} (${JSON.stringify(doc.plan)})`);
      const zip = path.join(zipDir, `r${i}.zip`);
      copyFileSync(path.join(redeployState, "artifacts", "story-generator.zip"), zip);
      const rawStarted = process.hrtime.bigint();
      raw.deploy(zip, false);
      rawRedeploys.push(since(rawStarted));
      // A code change again (back to the first zip) by raw terraform planning as noveli does on an
      // emulator: the floor terraform itself sets there (starting its provider, Lambda's waits).
      const noRefreshStarted = process.hrtime.bigint();
      redeployProfile = raw.deploy(path.join(zipDir, "first.zip"), false, { refresh: false });
      rawNoRefresh.push(since(noRefreshStarted));
    }
    const redeploy = median(redeploys);
    rows.push({ metric: "noveli deploy --local of a code change (median)", value: seconds(redeploy), target: "<= 15 s", ok: redeploy <= 15 });
    rows.push({ metric: "raw terraform plan + apply of the same change (median)", value: seconds(median(rawRedeploys)) });
    rows.push({ metric: "code-only redeploy / raw terraform", value: `${(redeploy / median(rawRedeploys)).toFixed(2)}x` });
    rows.push({ metric: "raw terraform plan -refresh=false + apply of a code change (median)", value: seconds(median(rawNoRefresh)) });
    rows.push({ metric: "code-only redeploy / raw terraform without a refresh", value: `${(redeploy / median(rawNoRefresh)).toFixed(2)}x` });
    notes.push(
      `Where a code-only redeploy's apply goes (raw terraform without a refresh, apply -json): ${redeployProfile
        .map((r) => `${r.address.replace(/^module\.noveli\./, "")} ${r.seconds} s (${r.action}, at ${r.startedAt} s)`)
        .join(", ")}. The function's configuration does not change with its code (no hash of the zip in its environment), so its update is one UpdateFunctionCode, after which the provider waits 5 s before it publishes; the rest of the apply is starting terraform and its provider.`,
    );
    const version = raw.version();
    rows.push({ metric: "terraform version, one process (median of 9)", value: `${(version.seconds * 1000).toFixed(0)} ms` });
    notes.push(
      `${version.text}. noveli's figures include packaging the Lambda with esbuild, the live-stage read, the read-back of the target color's alias from Lambda and the history record; raw terraform's include none of these. A first noveli deploy runs three terraform processes (init, plan -json, apply -json: the plan summary and the outputs come from their messages); a redeploy two, init being skipped when the workspace was initialised with the same backend, configuration, lock file and providers, and on an emulator its plan runs with -refresh=false and its plan and apply with the lock file without checksums, so terraform does not hash the 675 MB provider again after init checked it (real AWS keeps the refresh and the check). noveli runs terraform with GOGC=400 (less of the CPU goes to collecting garbage while the provider's schema is decoded); raw terraform runs with the Go default. Raw terraform's redeploy runs plan (with its default refresh) and apply.`,
    );
  } finally {
    spawnSync(process.execPath, [copy.bin, "local", "down"], { env: cliEnv(redeployState), stdio: "ignore" });
    rmSync(redeployState, { recursive: true, force: true });
    await raw.stop();
    rmSync(copy.dir, { recursive: true, force: true });
    rmSync(zipDir, { recursive: true, force: true });
  }
  load.push(loadavg()[0] as number);
  notes.push(`1-minute load average ${load[0]?.toFixed(1)} at the start and ${load[1]?.toFixed(1)} at the end, on a ${cpus().length}-core machine shared with other work. Terraform's provider waits are sleeps, so they do not shrink on a quiet machine; the rest does.`);
  return {
    title: "First rehearsal and code-only redeploy on the emulator (issue #19)",
    rows,
    method: `Whole processes, wall time. First rehearsal: ${FIRST_RUNS} runs of \`noveli rehearse --local\` with an empty state folder and no emulator running (it starts one), each followed by raw terraform's first deploy of the same zip on a reset emulator of its own; medians. Code-only redeploy: after one deploy, ${REDEPLOY_RUNS} times a real change of the Lambda's source (an exported constant) deployed with \`noveli deploy --local\`, then the same zip applied by raw terraform (plan + apply) to its own already-deployed copy, then raw terraform changes its copy back to the first zip with plan -refresh=false; medians.`,
    notes,
  };
}
