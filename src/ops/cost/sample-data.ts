import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../../system/files.js";

/**
 * Which emulators hold sample cost data that noveli seeded (`rehearse` on an emulator), so every
 * cost report read from them says it shows sample data, not spend. Kept per endpoint in
 * <stateDir>/sample-costs.json; a restarted embedded emulator (another instance id) has none.
 */
export interface SampleDataMark {
  seededBy: string;
  seededAt: string;
  /** The embedded emulator's instance id; null for another endpoint. */
  instanceId: string | null;
}

const markFile = (stateDir: string) => path.join(stateDir, "sample-costs.json");

function readMarks(stateDir: string): Record<string, SampleDataMark> {
  try {
    const parsed = JSON.parse(readFileSync(markFile(stateDir), "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, SampleDataMark>) : {};
  } catch {
    return {};
  }
}

export function markSampleCosts(stateDir: string, endpointUrl: string, mark: SampleDataMark): void {
  const marks = { ...readMarks(stateDir), [endpointUrl]: mark };
  mkdirSync(stateDir, { recursive: true });
  writeFileAtomically(markFile(stateDir), `${JSON.stringify(marks, null, 2)}\n`);
}

/** The mark of this endpoint, when the data there is noveli's sample (and the same emulator instance). */
export function sampleCostsMark(stateDir: string, endpointUrl: string, instanceId: string | null): SampleDataMark | undefined {
  const mark = readMarks(stateDir)[endpointUrl];
  if (!mark || typeof mark.seededAt !== "string") return undefined;
  if (mark.instanceId !== null && mark.instanceId !== instanceId) return undefined;
  return mark;
}
