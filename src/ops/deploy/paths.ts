import path from "node:path";

// Kept apart from deploy.ts so that health checks can name this path without loading the deploy
// itself (terraform runner, packaging, execa).

/**
 * Where a deployed zip is kept by its hash, so emulator health checks can run exactly that code.
 * The name is the base64 SHA-256 that Lambda reports as CodeSha256 (the one hash format noveli
 * shows), in the file-name-safe alphabet: `-` for `+`, `_` for `/`.
 */
export function deployedArtifactPath(stateDir: string, codeSha256Base64: string): string {
  return path.join(stateDir, "artifacts", "deployed", `${codeSha256Base64.replace(/\+/g, "-").replace(/\//g, "_")}.zip`);
}
