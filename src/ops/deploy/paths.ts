import path from "node:path";
import type { Environment, Target } from "../../aws/target.js";
import { workspaceDir } from "../../terraform/workspace.js";

// Kept apart from deploy.ts so that status, the traffic commands and health checks can name these
// paths without loading the deploy itself (terraform runner, packaging, execa).

/** The environment-wide lock shared by deploy, switch-traffic and rollback. */
export function environmentLockPath(stateDir: string, target: Target, env: Environment): string {
  return path.join(workspaceDir(stateDir, target, env), "operation.lock");
}

/** Where a deployed zip is kept by its hash, so emulator health checks can run exactly that code. */
export function deployedArtifactPath(stateDir: string, zipSha256Hex: string): string {
  return path.join(stateDir, "artifacts", "deployed", `${zipSha256Hex}.zip`);
}
