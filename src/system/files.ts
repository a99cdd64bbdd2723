import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Writes a file whole or not at all: into a file beside it first, then renamed over it, so a reader
 * (another command, or this one after a kill) never sees half of it. A write that fails removes what
 * it wrote beside the file; one killed in between leaves only `<file>.<pid>.tmp`.
 */
export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
