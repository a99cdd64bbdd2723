import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleStoryGenerator, packageStoryGenerator, type LambdaArtifact } from "../../src/package/lambda.js";
import { repoRoot } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { startOpenAiServer, type ProviderServer } from "../helpers/provider-servers.js";
import { createStoryTable } from "../helpers/story-table.js";

/**
 * The package `noveli deploy` uploads: deterministic bytes, the layout Lambda's `index.handler`
 * needs, no source map inside, under the size budget; and the extracted zip itself, run by plain
 * Node as Lambda would load it, answers /health and tells a story against moto and the OpenAI test
 * server.
 */

const run = promisify(execFile);
let work: string;
let first: LambdaArtifact;
let second: LambdaArtifact;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "noveli-lambda-package-"));
  first = await packageStoryGenerator({ stateDir: path.join(work, "state-a"), projectRoot: repoRoot });
  second = await packageStoryGenerator({ stateDir: path.join(work, "state-b"), projectRoot: repoRoot });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the zip", () => {
  it("two builds of the same sources are byte-identical, with the same SHA-256", () => {
    expect(second.zipSha256Hex).toBe(first.zipSha256Hex);
    expect(second.zipSha256Base64).toBe(first.zipSha256Base64);
    expect(second.bundleSha256).toBe(first.bundleSha256);
    expect(second.sourceDigest).toBe(first.sourceDigest);
    expect(readFileSync(second.zipPath).equals(readFileSync(first.zipPath))).toBe(true);
    // The base64 form is what Terraform's filebase64sha256() and Lambda's CodeSha256 report.
    expect(Buffer.from(first.zipSha256Base64, "base64").toString("hex")).toBe(first.zipSha256Hex);
  });

  it("is written at <stateDir>/artifacts/story-generator.zip with its manifest beside it", () => {
    expect(first.zipPath).toBe(path.join(work, "state-a", "artifacts", "story-generator.zip"));
    const manifest = JSON.parse(readFileSync(path.join(work, "state-a", "artifacts", "story-generator.json"), "utf8"));
    expect(manifest).toMatchObject({
      zipPath: first.zipPath,
      zipSha256Base64: first.zipSha256Base64,
      zipSha256Hex: first.zipSha256Hex,
      bundleSha256: first.bundleSha256,
      sizeBytes: readFileSync(first.zipPath).length,
      sourceDigest: first.sourceDigest,
      runtime: "nodejs22.x",
      handler: "index.handler",
      builtFrom: { entry: "lambda/story-generator/src/index.ts", target: "node22" },
    });
    expect(Date.parse(manifest.builtAt)).not.toBeNaN();
  });

  it("holds index.js and package.json (type module) at the root, chunks, and no source map", () => {
    const entries = unzipSync(new Uint8Array(readFileSync(first.zipPath)));
    const names = Object.keys(entries);
    expect(names).toContain("index.js");
    expect(JSON.parse(Buffer.from(entries["package.json"]!).toString("utf8"))).toEqual({ type: "module" });
    expect(names.filter((name) => name.endsWith(".map"))).toEqual([]);
    expect(names.every((name) => name === "index.js" || name === "package.json" || /^chunks\/[\w-]+\.js$/.test(name))).toBe(true);
    for (const name of names.filter((n) => n.endsWith(".js"))) {
      const text = Buffer.from(entries[name]!).toString("utf8");
      expect(text, name).not.toContain("sourceMappingURL");
      expect(text, name).not.toContain(repoRoot); // no absolute paths of the build machine
    }
    // The maps are kept beside the zip for symbolication.
    expect(existsSync(path.join(first.sourcemapDir, "index.js.map"))).toBe(true);
    expect(first.files.map((f) => f.name)).toEqual([...names].sort());
  });

  it("stays within the 300 KB budget, with the AWS SDK left to the runtime", () => {
    expect(first.sizeBytes).toBeLessThanOrEqual(300 * 1024);
    const entries = unzipSync(new Uint8Array(readFileSync(first.zipPath)));
    const code = Object.entries(entries)
      .filter(([name]) => name.endsWith(".js"))
      .map(([, data]) => Buffer.from(data).toString("utf8"))
      .join("\n");
    expect(code).toMatch(/from"@aws-sdk\/client-dynamodb"|import\("@aws-sdk\/client-dynamodb"\)/);
    expect(code).not.toContain("DynamoDBServiceException.prototype");
    // Everything else is inside: the @noveli/providers workspace and the LLM SDKs are bundled, so
    // the zip needs nothing beside it that nodejs22.x does not provide.
    const bare = new Set([...code.matchAll(/(?:from|import\()\s*"([^".][^"]*)"/g)].map((match) => match[1] as string));
    expect([...bare].filter((specifier) => !/^(node:|@aws-sdk\/|@smithy\/)/.test(specifier))).toEqual([]);
  });

  it("does not depend on where the checkout lies: the same sources elsewhere build the same bytes", async () => {
    // Another checkout: every input the bundle reads, and each package it uses, at the same
    // relative paths under a different root. Not src/: the Lambda imports nothing of the CLI, only
    // the @noveli/providers workspace, linked into node_modules as npm links it.
    const copy = path.join(work, "elsewhere", "noveli");
    mkdirSync(copy, { recursive: true });
    cpSync(path.join(repoRoot, "lambda"), path.join(copy, "lambda"), { recursive: true });
    cpSync(path.join(repoRoot, "packages"), path.join(copy, "packages"), { recursive: true });
    cpSync(path.join(repoRoot, "package.json"), path.join(copy, "package.json"));
    mkdirSync(path.join(copy, "node_modules", "@noveli"), { recursive: true });
    symlinkSync(path.join("..", "..", "packages", "providers"), path.join(copy, "node_modules", "@noveli", "providers"));
    const { inputs } = await bundleStoryGenerator(repoRoot);
    const packages = new Set(inputs.map((input) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).filter((p): p is string => p !== undefined));
    expect(packages.size).toBeGreaterThan(0);
    for (const name of packages) cpSync(path.join(repoRoot, "node_modules", name), path.join(copy, "node_modules", name), { recursive: true, dereference: true });
    const moved = await packageStoryGenerator({ stateDir: path.join(work, "state-c"), projectRoot: copy });
    expect(moved.zipSha256Hex).toBe(first.zipSha256Hex);
  });

  it("`npm run package` builds the same zip at NOVELI_STATE_DIR and prints its manifest", async () => {
    const stateDir = path.join(work, "state-npm");
    const { stdout } = await run("npm", ["run", "--silent", "package"], { cwd: repoRoot, env: { ...process.env, NOVELI_STATE_DIR: stateDir } });
    const printed = JSON.parse(stdout);
    expect(printed.zipPath).toBe(path.join(stateDir, "artifacts", "story-generator.zip"));
    expect(printed.zipSha256Hex).toBe(first.zipSha256Hex);
  });
});

describe("the extracted zip, loaded by plain Node as Lambda loads it", () => {
  let moto: PrivateMoto;
  let openai: ProviderServer;
  let bundleDir: string;

  beforeAll(async () => {
    moto = await startPrivateMoto();
    openai = await startOpenAiServer();
    await createStoryTable(moto.env, "noveli-story-sessions-package");
    bundleDir = path.join(work, "extracted");
    for (const [name, data] of Object.entries(unzipSync(new Uint8Array(readFileSync(first.zipPath))))) {
      const target = path.join(bundleDir, ...name.split("/"));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
  });

  afterAll(async () => {
    await openai?.stop();
    await moto?.stop();
  });

  /** Runs the bundle's handler in a fresh `node` on a list of events and returns the answers. */
  async function invoke(events: unknown[], env: Record<string, string>, qualifier = "green"): Promise<any[]> {
    const script = path.join(bundleDir, `invoke-${Date.now()}-${Math.random().toString(16).slice(2)}.mjs`);
    writeFileSync(
      script,
      `import { handler } from "./index.js";
const events = JSON.parse(process.env.EVENTS);
const answers = [];
for (const [i, event] of events.entries()) {
  const context = { getRemainingTimeInMillis: () => 10000, invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:noveli-story-generator-dev:${qualifier}", awsRequestId: "pkg-" + i };
  const answer = await handler(event, context);
  if (answer.statusCode === 201) {
    const id = JSON.parse(answer.body).sessionId;
    for (const later of events.slice(i + 1)) if (typeof later.path === "string") later.path = later.path.replace("{id}", id);
  }
  answers.push(answer);
}
process.stdout.write("ANSWERS " + JSON.stringify(answers) + "\\n");
`,
    );
    const { stdout } = await run(process.execPath, [script], {
      cwd: bundleDir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, EVENTS: JSON.stringify(events) },
    });
    const line = stdout.split("\n").find((l) => l.startsWith("ANSWERS "));
    expect(line, stdout.slice(0, 2000)).toBeDefined();
    return JSON.parse(line!.slice("ANSWERS ".length));
  }

  const health = { httpMethod: "GET", path: "/health", headers: {}, queryStringParameters: null, body: null, isBase64Encoded: false };
  // What the Cognito authorizer adds to a story request of a signed-in user.
  const signedIn = { requestContext: { authorizer: { claims: { sub: "pkg-reader", token_use: "id" } } } };

  it("answers GET /health with the alias color and the published version that runs, loading no AWS SDK", async () => {
    // No node_modules anywhere above this directory: /health must not need the SDK.
    expect(readdirSync(bundleDir)).not.toContain("node_modules");
    const [answer] = await invoke([health], { APP_VERSION: "2.0.0", AWS_LAMBDA_FUNCTION_VERSION: "3", NOVELI_ENV: "dev" });
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: "ok", color: "green", version: "2.0.0", functionVersion: "3", environment: "dev" });
  });

  it("with the runtime's SDK available: deep health reaches DynamoDB, and a story is told through the OpenAI test server", async () => {
    // Stands in for the runtime's /var/runtime/node_modules.
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(bundleDir, "node_modules"), "dir");
    const env = {
      ...moto.env,
      DYNAMODB_TABLE: "noveli-story-sessions-package",
      NOVELI_ENV: "dev",
      NOVELI_PROVIDERS: "openai",
      OPENAI_API_KEY: "sk-package-test-0123456789",
      OPENAI_BASE_URL: openai.url,
    };
    const answers = await invoke(
      [
        { ...health, queryStringParameters: { deep: "1" } },
        { ...health, ...signedIn, httpMethod: "POST", path: "/stories", body: JSON.stringify({ prompt: "A package that works" }) },
        { ...health, ...signedIn, httpMethod: "POST", path: "/stories/{id}/choices", body: JSON.stringify({ choice: 1 }) },
        { ...health, ...signedIn, path: "/stories/{id}" },
      ],
      env,
      "blue",
    );
    expect(answers.map((a) => a.statusCode)).toEqual([200, 201, 200, 200]);
    expect(JSON.parse(answers[0].body).checks.dynamodb.ok).toBe(true);
    expect(JSON.parse(answers[3].body).beats).toHaveLength(2);
    expect(openai.requests).toHaveLength(2);
  });
});
