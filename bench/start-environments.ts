import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The environments a whole-process ratio against `node -e 0` is measured in. Node 20 reads and
 * parses every certificate named by NODE_EXTRA_CA_CERTS when it starts, before any JavaScript
 * runs; with a system CA bundle that is most of what `node -e 0` costs, and every Node process
 * (the anchor and noveli alike) pays it. A ratio against an anchor inflated so is flattering, so
 * when the variable is set each ratio is measured twice, interleaved: as this machine's processes
 * start, and without the variable, against Node's own start. Its targets are judged on both.
 */
export interface StartEnvironment {
  /** "" for the environment as given; " (without NODE_EXTRA_CA_CERTS)" for the other: appended to row names. */
  suffix: string;
  env: NodeJS.ProcessEnv;
}

export function startEnvironments(env: NodeJS.ProcessEnv): { environments: StartEnvironment[]; note?: string } {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return { environments: [{ suffix: "", env }] };
  return {
    environments: [
      { suffix: "", env },
      // spawn leaves out a variable whose value is undefined.
      { suffix: " (without NODE_EXTRA_CA_CERTS)", env: { ...env, NODE_EXTRA_CA_CERTS: undefined } },
    ],
    note: `This machine's environment sets NODE_EXTRA_CA_CERTS (${describeBundle(file)}). Node parses that file at every start, before any JavaScript runs, so every process here, \`node -e 0\` included, starts that much later. The rows without a suffix run in the environment as given; the rows marked "without NODE_EXTRA_CA_CERTS" run, interleaved with them, with that variable removed, against Node's own start. Targets are judged on both.`,
  };
}

/** Pure but for the read: a bundle's name, size and number of certificates, for the note. */
function describeBundle(file: string): string {
  try {
    const text = readFileSync(file, "latin1");
    const count = text.split("-----BEGIN CERTIFICATE-----").length - 1;
    return `${path.basename(file)}, ${count} certificates, ${Math.round(text.length / 1024)} KiB`;
  } catch {
    return `${path.basename(file)}, which this process cannot read`;
  }
}
