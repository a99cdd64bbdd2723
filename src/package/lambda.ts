import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nodeEsmBundleOptions } from "./esm-bundle.mjs";
import { deterministicZip, type ZipEntry, type ZipEntryInfo } from "./zip.js";
import { writeFileAtomically } from "../system/files.js";

/**
 * Packages the story-generator Lambda: esbuild bundles `lambda/story-generator/src/index.ts` (with
 * @noveli/providers and the SDKs it uses) as ESM for Node 22, minified and tree-shaken, split into
 * chunks so the SDKs load only when a request needs them; then a deterministic zip holds
 * `index.js`, the chunks and a `package.json` declaring `"type": "module"` (so Lambda's
 * `index.handler` loads index.js as ESM). Source maps are written beside the zip, never in it.
 *
 * Same sources and same lockfile give the same zip bytes and SHA-256: esbuild's output is
 * deterministic, and the zip writer fixes order, timestamps and permissions (see zip.ts).
 *
 * The AWS SDK is not bundled: the runtime provides it (see RUNTIME_PROVIDED). Code that imports the
 * bundle outside Lambda must be able to resolve `@aws-sdk/*` and `@smithy/*` from where the bundle
 * lies (inside the noveli checkout, or with a `node_modules` link beside it) before a request
 * needs DynamoDB, Secrets Manager or Bedrock; /health alone needs none of them.
 *
 * The CLI imports this lazily (`noveli deploy` packages before planning); `npm run package` calls
 * the same function through scripts/package-lambda.mjs.
 */

export const STORY_GENERATOR_ENTRY = "lambda/story-generator/src/index.ts";
export const STORY_GENERATOR_NAME = "story-generator";
/** The Lambda runtime the bundle targets (Terraform's `runtime`). */
export const STORY_GENERATOR_RUNTIME = "nodejs22.x";

/** Packages the Lambda runtime provides; imported from its node_modules, never bundled. */
export const RUNTIME_PROVIDED = ["@aws-sdk/*", "@smithy/*"] as const;

export interface PackageOptions {
  /** noveli's state directory (.noveli or NOVELI_STATE_DIR): the artifact goes to <stateDir>/artifacts/. */
  stateDir: string;
  /** The noveli package root, holding lambda/ and src/. */
  projectRoot: string;
}

/** What `npm run package` and `noveli deploy` produce; also written to <stateDir>/artifacts/story-generator.json. */
export interface LambdaArtifact {
  /** Absolute path of the zip: <stateDir>/artifacts/story-generator.zip. */
  zipPath: string;
  /** SHA-256 of the zip, base64: the form of Terraform's filebase64sha256() and Lambda's CodeSha256. */
  zipSha256Base64: string;
  zipSha256Hex: string;
  /** SHA-256 (hex) over the bundled files' names and contents, independent of the zip container. */
  bundleSha256: string;
  sizeBytes: number;
  builtAt: string;
  /** SHA-256 (hex) over every input esbuild read (relative path and content, sorted). */
  sourceDigest: string;
  builtFrom: { entry: string; inputs: number; esbuild: string; node: string; target: string };
  runtime: string;
  handler: string;
  files: ZipEntryInfo[];
  /** Directory of the source maps (kept out of the zip). */
  sourcemapDir: string;
}

export interface StoryGeneratorBundle {
  /** Files that go into the zip, names relative to the zip root. */
  files: ZipEntry[];
  /** Source maps, names relative to the bundle root. */
  sourcemaps: ZipEntry[];
  /** Inputs esbuild read, relative to the project root, sorted. */
  inputs: string[];
  esbuildVersion: string;
}

/** The esbuild options of the Lambda bundle (exported so the benchmark and tests build the same thing). */
export function storyGeneratorBuildOptions(projectRoot: string, outdir: string) {
  return {
    // ESM for Node, split into chunks, minified, ESM builds of dependencies preferred, a require()
    // for bundled CommonJS: the settings the CLI's own bundle shares (esm-bundle.mjs).
    ...nodeEsmBundleOptions(),
    absWorkingDir: projectRoot,
    entryPoints: [{ in: STORY_GENERATOR_ENTRY, out: "index" }],
    outdir,
    target: "node22",
    // The nodejs22.x runtime ships AWS SDK v3 (with its @smithy packages): resolved there, not
    // bundled. Bundling them would more than double the zip (about 340 KB instead of 170 KB
    // compressed) for no behaviour the runtime's copy lacks.
    external: [...RUNTIME_PROVIDED],
    sourcemap: "external" as const,
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    write: false,
    logLevel: "silent" as const,
  };
}

/** Bundles the Lambda in memory. */
export async function bundleStoryGenerator(projectRoot: string): Promise<StoryGeneratorBundle> {
  const esbuild = await import("esbuild");
  // A virtual output directory: nothing is written, it only anchors the output names.
  const outdir = path.join(projectRoot, ".noveli-lambda-bundle");
  const result = await esbuild.build(storyGeneratorBuildOptions(projectRoot, outdir));
  const files: ZipEntry[] = [];
  const sourcemaps: ZipEntry[] = [];
  for (const output of result.outputFiles ?? []) {
    const name = path.relative(outdir, output.path).split(path.sep).join("/");
    if (name.endsWith(".map")) sourcemaps.push({ name, data: output.contents });
    else files.push({ name, data: output.contents });
  }
  if (!files.some((file) => file.name === "index.js")) throw new Error("esbuild produced no index.js");
  files.push({ name: "package.json", data: Buffer.from(`${JSON.stringify({ type: "module" })}\n`) });
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    .map((input) => input.split(path.sep).join("/"))
    .sort();
  return { files, sourcemaps, inputs, esbuildVersion: esbuild.version };
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data);

/** Pure: a digest over named contents, independent of their order. */
export function contentDigest(entries: Array<{ name: string; data: Uint8Array }>): string {
  const hash = createHash("sha256");
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${entry.name}\0${sha256(entry.data).digest("hex")}\n`);
  }
  return hash.digest("hex");
}

export function artifactPaths(stateDir: string) {
  const dir = path.join(stateDir, "artifacts");
  return {
    dir,
    zipPath: path.join(dir, `${STORY_GENERATOR_NAME}.zip`),
    manifestPath: path.join(dir, `${STORY_GENERATOR_NAME}.json`),
    sourcemapDir: path.join(dir, `${STORY_GENERATOR_NAME}.sourcemaps`),
  };
}

/** Builds the zip at <stateDir>/artifacts/story-generator.zip and its manifest beside it. */
export async function packageStoryGenerator(options: PackageOptions): Promise<LambdaArtifact> {
  const projectRoot = path.resolve(options.projectRoot);
  const bundle = await bundleStoryGenerator(projectRoot);
  const { bytes, entries } = deterministicZip(bundle.files);
  const paths = artifactPaths(path.resolve(options.stateDir));
  mkdirSync(paths.dir, { recursive: true });

  // Source maps beside the zip, replaced as a whole so stale chunks' maps do not linger.
  const stagingMaps = `${paths.sourcemapDir}.tmp-${process.pid}-${Date.now()}`;
  for (const map of bundle.sourcemaps) {
    const target = path.join(stagingMaps, ...map.name.split("/"));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, map.data);
  }
  rmSync(paths.sourcemapDir, { recursive: true, force: true });
  mkdirSync(stagingMaps, { recursive: true });
  renameSync(stagingMaps, paths.sourcemapDir);

  writeFileAtomically(paths.zipPath, bytes);
  const inputDigest = createHash("sha256");
  for (const input of bundle.inputs) {
    let content: Buffer;
    try {
      content = readFileSync(path.join(projectRoot, input));
    } catch {
      content = Buffer.from(""); // a virtual input (esbuild's runtime helpers)
    }
    inputDigest.update(`${input}\0${sha256(content).digest("hex")}\n`);
  }
  const artifact: LambdaArtifact = {
    zipPath: paths.zipPath,
    zipSha256Base64: sha256(bytes).digest("base64"),
    zipSha256Hex: sha256(bytes).digest("hex"),
    bundleSha256: contentDigest(bundle.files),
    sizeBytes: bytes.length,
    builtAt: new Date().toISOString(),
    sourceDigest: inputDigest.digest("hex"),
    builtFrom: { entry: STORY_GENERATOR_ENTRY, inputs: bundle.inputs.length, esbuild: bundle.esbuildVersion, node: process.version, target: "node22" },
    runtime: STORY_GENERATOR_RUNTIME,
    handler: "index.handler",
    files: entries,
    sourcemapDir: paths.sourcemapDir,
  };
  writeFileAtomically(paths.manifestPath, `${JSON.stringify(artifact, null, 2)}\n`);
  return artifact;
}
