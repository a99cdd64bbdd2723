import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors.js";

/** The project's config file name, looked for in the working directory and each folder above it. */
export const CONFIG_FILE_NAME = "noveli.config.json";

export interface ConfigFileLocation {
  file: string;
  /** How it was found: named with --config (or NOVELI_CONFIG), or found by the upward search. */
  origin: "--config" | "NOVELI_CONFIG" | "search";
}

/**
 * The config file to read: `--config <file>`, else NOVELI_CONFIG, else the nearest
 * noveli.config.json from the working directory upwards. A named file that does not exist is an
 * error (exit 2); no file found by the search means no config.
 */
export function locateConfigFile(input: { flag?: string; env?: NodeJS.ProcessEnv; cwd?: string }): ConfigFileLocation | undefined {
  const cwd = input.cwd ?? process.cwd();
  const named = input.flag ?? (input.env?.NOVELI_CONFIG?.trim() ? input.env.NOVELI_CONFIG : undefined);
  if (named !== undefined) {
    const origin = input.flag !== undefined ? "--config" : "NOVELI_CONFIG";
    const file = path.resolve(cwd, named);
    if (!existsSync(file) || !statSync(file).isFile()) throw new ConfigError("config-missing", `${origin} ${named}: no such file`);
    return { file, origin };
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, CONFIG_FILE_NAME);
    if (existsSync(file) && statSync(file).isFile()) return { file, origin: "search" };
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The file's JSON; a read or syntax error is a ConfigError naming the file. */
export function readConfigJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError("config-unreadable", `${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError("config-invalid", `${file}: not valid JSON (${(error as Error).message})`, {
      hint: "fix the file (the README's \"Per-environment settings\" shows its shape), or name another one with --config",
    });
  }
}
