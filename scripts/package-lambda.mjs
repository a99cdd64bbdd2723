// `npm run package`: builds the story-generator Lambda zip exactly as `noveli deploy` does
// (src/package/lambda.ts), at <state dir>/artifacts/story-generator.zip, and prints its manifest.
// Run through tsx (a dev dependency) because the packaging code is TypeScript.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { packageStoryGenerator } from "../src/package/lambda.ts";
import { stateDir } from "../src/state/paths.ts";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
try {
  const artifact = await packageStoryGenerator({ stateDir: stateDir(), projectRoot: root });
  const { files, ...summary } = artifact;
  process.stdout.write(`${JSON.stringify({ ...summary, files: files.length }, null, 2)}\n`);
  process.stderr.write(`story-generator: ${path.relative(process.cwd(), artifact.zipPath)} ${(artifact.sizeBytes / 1024).toFixed(1)} KiB sha256 ${artifact.zipSha256Base64}\n`);
} catch (error) {
  process.stderr.write(`packaging the story-generator Lambda failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
