import type { Reporter } from "../../output/reporter.js";
import { emulatorStatus, startEmulator, stopEmulator, type EmulatorRecord, type EmulatorStatus, type StopResult } from "../../local/emulator.js";

export type { EmulatorRecord, EmulatorStatus, StopResult };

export interface LocalUpResult {
  /** The emulator that runs now. */
  record: EmulatorRecord;
  /** It was already running (and answered): nothing was started. */
  reused: boolean;
}

export interface LocalStatusResult {
  status: EmulatorStatus;
  /** noveli's local records, where the emulator's pid and URL are kept. */
  stateDir: string;
}

/** Starts the embedded emulator on loopback, or reuses the running one. */
export function runLocalUp(input: { stateDir: string; port?: number; reporter: Reporter }): Promise<LocalUpResult> {
  return input.reporter.phase("Starting the local AWS emulator (moto)", () =>
    startEmulator({ stateDir: input.stateDir, ...(input.port !== undefined ? { port: input.port } : {}) }),
  );
}

/** Stops only the emulator noveli can prove it started; a process it cannot is left alone and named. */
export async function runLocalDown(input: { stateDir: string; reporter: Reporter }): Promise<StopResult> {
  const result = await stopEmulator(input.stateDir);
  if (result.leftAlone) input.reporter.warn(`left process ${result.leftAlone.pid} alone: ${result.leftAlone.reason}`);
  return result;
}

/** Whether the emulator runs, read from its record and a probe. Changes nothing. */
export async function readLocalStatus(input: { stateDir: string }): Promise<LocalStatusResult> {
  return { status: await emulatorStatus(input.stateDir), stateDir: input.stateDir };
}
