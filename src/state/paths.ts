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

let cachedRoot: string | undefined;

/**
 * The noveli package root (holds terraform/ and lambda/), found from this module's own location so
 * the CLI works from any working directory.
 */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "noveli") return (cachedRoot = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the noveli package root (package.json named noveli)");
    dir = parent;
  }
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version: string };
  return manifest.version;
}
