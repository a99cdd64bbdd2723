import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot, runCli } from "../helpers/cli.js";

/**
 * The CI/CD workflows the platform team adopts: every `noveli` invocation in them must use real
 * commands and options, checked against the CLI's own help, so a renamed flag breaks this test
 * instead of a release.
 */
const workflowDir = path.join(repoRoot, ".github", "workflows");

interface Invocation {
  file: string;
  words: string[];
}

/** Pure: the `npx noveli ...` invocations in a shell script, GitHub expressions replaced by a value. */
export function noveliInvocations(script: string): string[][] {
  const text = script.replace(/\$\{\{[^}]*\}\}/g, "VALUE").replace(/\\\n/g, " ");
  const found: string[][] = [];
  for (const line of text.split("\n")) {
    const match = /\bnpx noveli\s+([^|;&>]*)/.exec(line);
    if (!match) continue;
    const words = (match[1] ?? "").trim().split(/\s+/).map((w) => w.replace(/^["']|["']$/g, ""));
    found.push(words.filter((w) => w !== ""));
  }
  return found;
}

function invocations(): Invocation[] {
  const all: Invocation[] = [];
  for (const file of readdirSync(workflowDir).filter((f) => f.endsWith(".yml"))) {
    const doc = parse(readFileSync(path.join(workflowDir, file), "utf8")) as { jobs: Record<string, { steps: { run?: string }[] }> };
    for (const job of Object.values(doc.jobs)) {
      for (const step of job.steps) {
        if (typeof step.run === "string") for (const words of noveliInvocations(step.run)) all.push({ file, words });
      }
    }
  }
  return all;
}

const helpCache = new Map<string, { options: Set<string>; takesValue: Set<string>; subcommands: Set<string> }>();
async function helpOf(commandPath: string[]) {
  const key = commandPath.join(" ");
  const cached = helpCache.get(key);
  if (cached) return cached;
  const result = await runCli([...commandPath, "--help"]);
  expect(result.exitCode, `noveli ${key} --help`).toBe(0);
  const options = new Set<string>();
  const takesValue = new Set<string>();
  const subcommands = new Set<string>();
  let section = "";
  for (const line of result.stdout.split("\n")) {
    if (/^\S.*:$/.test(line)) section = line;
    const option = /^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)(\s+[<[])?/.exec(line);
    if (option?.[1] && /Options:$/.test(section)) {
      options.add(option[1]);
      if (option[2]) takesValue.add(option[1]);
    }
    const sub = /^\s+([a-z][a-z-]*)\b/.exec(line);
    if (sub?.[1] && section === "Commands:") subcommands.add(sub[1]);
  }
  const parsed = { options, takesValue, subcommands };
  helpCache.set(key, parsed);
  return parsed;
}

describe("CI/CD workflows", () => {
  const all = invocations();

  it("are the three the platform needs, each with noveli invocations", () => {
    expect(readdirSync(workflowDir).sort()).toEqual(["cost-report.yml", "deploy.yml", "dr-drill.yml"]);
    const files = new Set(all.map((i) => i.file));
    expect([...files].sort()).toEqual(["cost-report.yml", "deploy.yml", "dr-drill.yml"]);
    const commands = all.map((i) => i.words[0]);
    for (const command of ["validate", "deploy", "health-check", "switch-traffic", "dr-drill", "cost-report"]) expect(commands).toContain(command);
  });

  it("assume an AWS role by OIDC and store no long-lived keys", () => {
    for (const file of readdirSync(workflowDir)) {
      const text = readFileSync(path.join(workflowDir, file), "utf8");
      expect(text).toMatch(/id-token: write/);
      expect(text).toMatch(/role-to-assume:/);
      expect(text).not.toMatch(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key|AWS_ACCESS_KEY_ID/);
    }
  });

  it("use only real commands and options", async () => {
    expect(all.length).toBeGreaterThan(6);
    for (const { file, words } of all) {
      const [command, ...rest] = words;
      const top = await helpOf([]);
      expect(top.subcommands, `${file}: noveli ${words.join(" ")}`).toContain(command);
      const help = await helpOf([command as string]);
      for (let i = 0; i < rest.length; i++) {
        const word = rest[i] as string;
        if (!word.startsWith("--")) continue;
        const name = word.split("=")[0] as string;
        expect(help.options, `${file}: unknown option ${name} in: noveli ${words.join(" ")}`).toContain(name);
        if (help.takesValue.has(name) && !word.includes("=")) i += 1;
      }
    }
  });

  it("deploy uploads the validation's SARIF to code scanning", () => {
    const doc = parse(readFileSync(path.join(workflowDir, "deploy.yml"), "utf8")) as {
      permissions: Record<string, string>;
      jobs: Record<string, { steps: { run?: string; uses?: string; if?: string; with?: Record<string, string> }[] }>;
    };
    const steps = Object.values(doc.jobs).flatMap((job) => job.steps);
    const validate = steps.findIndex((step) => /npx noveli validate .*--format sarif > (\S+)/.test(step.run ?? ""));
    const written = /> (\S+)/.exec(steps[validate]?.run ?? "")?.[1];
    const upload = steps.findIndex((step) => step.uses?.startsWith("github/codeql-action/upload-sarif@"));
    expect(validate).toBeGreaterThanOrEqual(0);
    expect(upload).toBeGreaterThan(validate);
    expect(steps[upload]?.with?.sarif_file).toBe(written);
    expect(steps[upload]?.if).toBe("always()"); // findings are uploaded also when validate fails the run
    expect(doc.permissions["security-events"]).toBe("write");
  });

  it("release settings come from noveli.config.json, not from the workflow", () => {
    const release = all.filter((i) => i.file === "deploy.yml").flatMap((i) => i.words);
    for (const flag of ["--canary", "--interval", "--watch", "--synthetic", "--health-attempts"]) expect(release).not.toContain(flag);
    const config = JSON.parse(readFileSync(path.join(repoRoot, "noveli.config.json"), "utf8")) as { environments: Record<string, Record<string, Record<string, unknown>>> };
    for (const env of ["staging", "production"]) expect(config.environments[env]?.["switch-traffic"]?.canary, env).toMatch(/^(\d+,)*100$/);
  });

  it("the extractor finds invocations across folded lines and ignores other commands", () => {
    expect(noveliInvocations("npx noveli deploy --env ${{ matrix.env }} --yes --json > deploy.json\necho noveli\n")).toEqual([["deploy", "--env", "VALUE", "--yes", "--json"]]);
    expect(noveliInvocations("npx noveli switch-traffic green \\\n  --canary 10,100 --watch 5m")).toEqual([["switch-traffic", "green", "--canary", "10,100", "--watch", "5m"]]);
  });
});
