import path from "node:path";
import type { Environment, Target } from "../../aws/target.js";
import { workspaceDir } from "../../terraform/workspace.js";

// Kept apart from deploy.ts so that status, the traffic commands and health checks can name these
// paths without loading the deploy itself (terraform runner, packaging, execa).

/** The environment-wide lock shared by deploy, switch-traffic and rollback. */
export function environmentLockPath(stateDir: string, target: Target, env: Environment): string {
  return path.join(workspaceDir(stateDir, target, env), "operation.lock");
}

/**
 * Where a deployed zip is kept by its hash, so emulator health checks can run exactly that code.
 * The name is the base64 SHA-256 that Lambda reports as CodeSha256 (the one hash format noveli
 * shows), in the file-name-safe alphabet: `-` for `+`, `_` for `/`.
 */
export function deployedArtifactPath(stateDir: string, codeSha256Base64: string): string {
  return path.join(stateDir, "artifacts", "deployed", `${codeSha256Base64.replace(/\+/g, "-").replace(/\//g, "_")}.zip`);
}
