import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where noveli keeps what one machine may lose: the emulator's pid and URL, staged Terraform and
 * its provider cache, saved plans, built artifacts. `.noveli/` in the working directory, or
 * NOVELI_STATE_DIR. Terraform state, leases, history and drill records live in the account.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const configured = env.NOVELI_STATE_DIR;
  return configured && configured.trim() !== "" ? path.resolve(cwd, configured) : path.resolve(cwd, ".noveli");
}

