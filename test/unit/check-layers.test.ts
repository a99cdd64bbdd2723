import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `npm run check:layers` holds the code to ARCHITECTURE.md's layers. A check that cannot fail proves
// nothing, so this file runs the project's own script and config against two small trees laid out
// like noveli: one that keeps every rule (it must pass) and the same tree plus one file per rule
// that breaks it (each break must be reported, under its rule's name, and nothing else).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
const depcruise = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

/** The script's arguments after `depcruise`, so the fixture is checked exactly as the repository is. */
function scriptArguments(): string[] {
  const [command, ...args] = pkg.scripts["check:layers"]!.split(/\s+/);
  expect(command).toBe("depcruise");
  return args;
}

/** A tree that keeps every layer rule: entry → command → operation → aws → SDK, views, core, the Lambda, the package. */
const cleanTree: Record<string, string> = {
  "src/cli.ts": `export const load = async () => [await import("./runner.js"), await import("./commands/deploy.js")];\n`,
  "src/runner.ts": `import { COLORS } from "./core/color.js";\nexport const colors = COLORS;\n`,
  "src/core/color.ts": `import { UsageError } from "../errors.js";\nexport const COLORS = ["blue", "green"] as const;\nexport const fail = () => new UsageError();\n`,
  "src/errors.ts": `export class UsageError extends Error {}\n`,
  "src/options.ts": `export const GLOBAL_FLAGS = ["--json", "--yes"];\n`,
  "src/output/reporter.ts": `import { COLORS } from "../core/color.js";\nexport const say = (line: string) => [line, COLORS.length];\n`,
  "src/commands/deploy.ts":
    `import { deployOperation } from "../ops/deploy/deploy.js";\nimport { deployView } from "../views/deploy.js";\n` +
    `export const deploy = async () => deployView(await deployOperation());\n`,
  "src/commands/generate.ts": `import { loop } from "./generate/loop.js";\nexport const generate = () => loop();\n`,
  "src/commands/generate/loop.ts": `export const loop = () => "beat";\n`,
  "src/views/deploy.ts":
    `import type { DeployResult } from "../ops/deploy/deploy.js";\nimport { say } from "../output/reporter.js";\n` +
    `export const deployView = (result: DeployResult) => say(result.color);\n`,
  "src/ops/deploy/deploy.ts":
    `import { putObject } from "../../aws/s3.js";\nimport { COLORS } from "../../core/color.js";\n` +
    `export interface DeployResult { color: string }\n` +
    `export const deployOperation = async (): Promise<DeployResult> => { await putObject(); return { color: COLORS[0] }; };\n`,
  "src/aws/s3.ts": `import { S3Client } from "@aws-sdk/client-s3";\nexport const putObject = async () => new S3Client({});\n`,
  "src/commands/models.ts": `import { CATALOG } from "@fixture/providers";\nimport type { ModelId } from "@fixture/providers/types";\nexport const models = (id: ModelId) => CATALOG.includes(id);\n`,
  "packages/providers/package.json": JSON.stringify({ name: "@fixture/providers", type: "module", exports: { ".": "./src/index.ts", "./*": "./src/*.ts" } }),
  "packages/providers/src/index.ts": `import { invokeBedrock } from "./adapters/bedrock.js";\nexport const CATALOG = ["claude"];\nexport const generate = () => invokeBedrock();\n`,
  "packages/providers/src/types.ts": `export type ModelId = string;\n`,
  "packages/providers/src/adapters/bedrock.ts": `import { S3Client } from "@aws-sdk/client-s3";\nexport const invokeBedrock = () => new S3Client({});\n`,
  "lambda/story-generator/src/index.ts":
    `import { createSessions } from "./sessions.js";\nimport { generate } from "@fixture/providers";\nexport const handler = () => [createSessions(), generate()];\n`,
  "lambda/story-generator/src/sessions.ts": `import type { S3Client } from "@aws-sdk/client-s3";\nexport const createSessions = (client?: S3Client) => client;\n`,
};

/** One file per rule, each breaking exactly that rule, and what the check must say about it. */
const breaches: { file: string; source: string; rule: string; to: string }[] = [
  {
    file: "src/ops/rehearse/rehearse.ts",
    source: `import { deploy } from "../../commands/deploy.js";\nexport const rehearse = () => deploy();\n`,
    rule: "ops-not-to-commands",
    to: "src/commands/deploy.ts",
  },
  {
    file: "src/state/history.ts",
    source: `import { generate } from "../commands/generate.js";\nexport const history = () => generate();\n`,
    rule: "commands-only-from-entry",
    to: "src/commands/generate.ts",
  },
  {
    file: "src/ops/cost/aws.ts",
    source: `import { S3Client } from "@aws-sdk/client-s3";\nexport const costs = () => new S3Client({});\n`,
    rule: "sdk-only-in-aws",
    to: "node_modules/@aws-sdk/client-s3/",
  },
  {
    file: "src/commands/rollback.ts",
    source: `import { deploy } from "./deploy.js";\nexport const rollback = () => deploy();\n`,
    rule: "commands-independent",
    to: "src/commands/deploy.ts",
  },
  {
    file: "src/terraform/outputs.ts",
    source: `import { colors } from "../runner.js";\nexport const outputs = () => colors;\n`,
    rule: "nothing-imports-entry",
    to: "src/runner.ts",
  },
  {
    file: "src/views/status.ts",
    source: `import { putObject } from "../aws/s3.js";\nexport const statusView = () => putObject;\n`,
    rule: "views-render-only",
    to: "src/aws/s3.ts",
  },
  {
    file: "src/aws/clients.ts",
    source: `import type { DeployResult } from "../ops/deploy/deploy.js";\nexport type Seen = DeployResult;\n`,
    rule: "aws-not-upward",
    to: "src/ops/deploy/deploy.ts",
  },
  {
    file: "src/core/clock.ts",
    source: `import { say } from "../output/reporter.js";\nexport const tick = () => say("tick");\n`,
    rule: "core-self-contained",
    to: "src/output/reporter.ts",
  },
  {
    file: "src/errors.ts",
    source: `import { GLOBAL_FLAGS } from "./options.js";\nexport class UsageError extends Error {}\nexport const flags = GLOBAL_FLAGS;\n`,
    rule: "errors-self-contained",
    to: "src/options.ts",
  },
  {
    file: "packages/providers/src/redact.ts",
    source: `import { say } from "../../../src/output/reporter.js";\nexport const redact = (line: string) => say(line);\n`,
    rule: "providers-package-independent",
    to: "src/output/reporter.ts",
  },
  {
    file: "packages/providers/src/adapters/openai.ts",
    source: `import { S3Client } from "@aws-sdk/client-s3";\nexport const openai = () => new S3Client({});\n`,
    rule: "sdk-only-in-aws",
    to: "node_modules/@aws-sdk/client-s3/",
  },
  {
    file: "lambda/story-generator/src/generator.ts",
    source: `import { generate } from "../../../packages/providers/src/index.js";\nexport const generator = () => generate();\n`,
    rule: "packages-by-name",
    to: "packages/providers/src/index.ts",
  },
  {
    file: "lambda/story-generator/src/stories.ts",
    source: `import { COLORS } from "../../../src/core/color.js";\nexport const stories = () => COLORS;\n`,
    rule: "lambda-not-to-cli",
    to: "src/core/color.ts",
  },
  {
    file: "src/ops/rehearse/seed.ts",
    source: `import { createSessions } from "../../../lambda/story-generator/src/sessions.js";\nexport const seed = () => createSessions();\n`,
    rule: "cli-not-to-lambda",
    to: "lambda/story-generator/src/sessions.ts",
  },
  {
    file: "src/ops/health/judge.ts",
    source: `import { missing } from "./not-there.js";\nexport const judge = () => missing;\n`,
    rule: "not-to-unresolvable",
    to: "./not-there.js",
  },
];

/** Two modules that import each other: one cycle, reported once, from whichever end the check meets first. */
const cycle: Record<string, string> = {
  "src/ops/traffic/shift.ts": `import { rollbackShift } from "./rollback.js";\nexport const shift = (): string => rollbackShift();\n`,
  "src/ops/traffic/rollback.ts": `import { shift } from "./shift.js";\nexport const rollbackShift = (): string => typeof shift;\n`,
};

interface Violation {
  rule: { name: string; severity: string };
  from: string;
  to: string;
}

let scratch: string;

/** Lays out `files` in a fresh directory beside the project's tsconfig, a stand-in SDK package and the workspace link. */
function layOut(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), source);
  }
  copyFileSync(path.join(root, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: name, type: "module", workspaces: ["packages/*"], dependencies: { "@aws-sdk/client-s3": "*" } }),
  );
  // The workspace package, linked by name as npm links it.
  mkdirSync(path.join(dir, "node_modules/@fixture"), { recursive: true });
  symlinkSync("../../packages/providers", path.join(dir, "node_modules/@fixture/providers"), "dir");
  // A stand-in for the SDK package: the rules know the SDK by where npm installs it.
  const sdk = path.join(dir, "node_modules/@aws-sdk/client-s3");
  mkdirSync(sdk, { recursive: true });
  writeFileSync(path.join(sdk, "package.json"), JSON.stringify({ name: "@aws-sdk/client-s3", type: "module", exports: "./index.js", types: "./index.d.ts" }));
  writeFileSync(path.join(sdk, "index.js"), "export class S3Client {}\n");
  writeFileSync(path.join(sdk, "index.d.ts"), "export declare class S3Client { constructor(config: object); }\n");
  return dir;
}

/** Runs the check as `npm run check:layers` does (the project's config, the script's paths) in `dir`. */
function checkLayers(dir: string, outputType: "err" | "json") {
  const run = spawnSync(
    process.execPath,
    [depcruise, ...scriptArguments().map((arg) => (arg.endsWith(".dependency-cruiser.cjs") ? path.join(root, arg) : arg)), "--output-type", outputType],
    { cwd: dir, encoding: "utf8", timeout: 60_000 },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "noveli-layers-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("npm run check:layers", () => {
  it("runs dependency-cruiser with the project's config", () => {
    expect(scriptArguments()).toContain("--config");
    expect(scriptArguments()).toContain(".dependency-cruiser.cjs");
    expect(scriptArguments()).toEqual(expect.arrayContaining(["src", "packages", "lambda"]));
    // npm test runs it before the suite, so a breach fails the README's test command.
    expect(pkg.scripts["test"]).toMatch(/npm run check:layers && .*vitest run/);
  });

  it("passes a tree that keeps the layers", () => {
    const run = checkLayers(layOut("clean", cleanTree), "json");
    const result = JSON.parse(run.stdout) as { summary: { violations: Violation[] }; modules: { source: string }[] };
    expect(result.summary.violations).toEqual([]);
    // Every file of the tree was read, and the SDK reached, so the pass is not an empty cruise.
    const cruised = result.modules.map((module) => module.source);
    expect(cruised).toEqual(expect.arrayContaining(Object.keys(cleanTree).filter((file) => file.endsWith(".ts"))));
    expect(cruised.some((source) => source.startsWith("node_modules/@aws-sdk/client-s3/"))).toBe(true);
    expect(run.status).toBe(0);
  });

  it("fails on each kind of breach, naming its rule, and on nothing else", () => {
    const dir = layOut("breached", { ...cleanTree, ...cycle, ...Object.fromEntries(breaches.map((breach) => [breach.file, breach.source])) });
    const json = checkLayers(dir, "json");
    const violations = (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary.violations;
    const found = violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to.replace(/^(node_modules\/@aws-sdk\/client-s3\/).*/, "$1") }));
    const expected = breaches.map((breach) => ({ rule: breach.rule, from: breach.file, to: breach.to }));
    const circular = found.filter((v) => v.rule === "no-circular");
    expect(circular).toHaveLength(1);
    expect(Object.keys(cycle)).toContain(circular[0]!.from);
    expect(Object.keys(cycle).filter((file) => file !== circular[0]!.from)).toEqual([circular[0]!.to]);
    const others = found.filter((v) => v.rule !== "no-circular");
    expect(others).toEqual(expect.arrayContaining(expected));
    expect(others).toHaveLength(expected.length);
    expect(violations.every((v) => v.rule.severity === "error")).toBe(true);

    // What a developer sees: a non-zero exit and one line per breach naming the rule.
    const err = checkLayers(dir, "err");
    expect(err.status).not.toBe(0);
    expect(err.stdout).toContain("error ops-not-to-commands: src/ops/rehearse/rehearse.ts → src/commands/deploy.ts");
    expect(err.stdout).toContain("error sdk-only-in-aws: src/ops/cost/aws.ts → node_modules/@aws-sdk/client-s3/");
  });
});
