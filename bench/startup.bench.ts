import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEnvironments } from "./start-environments.js";
import { median, type BenchResult, type BenchRow } from "./types.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, "bin", "noveli.cjs");

function timeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  // stdout a pipe this process reads, as a reader or a CI log gets it; stderr discarded.
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"], env });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** `noveli --help` against a bare `node -e 0`, interleaved so both see the same machine state. */
export default async function startup(): Promise<BenchResult> {
  const runs = 40;
  const { environments, note } = startEnvironments(process.env);
  const samples = environments.map((environment) => ({ ...environment, bare: [] as number[], help: [] as number[] }));
  for (let i = 0; i < 5 + runs; i++) {
    for (const sample of samples) {
      const bare = timeOnce(["-e", "0"], sample.env);
      const help = timeOnce([bin, "--help"], sample.env);
      if (i >= 5) {
        sample.bare.push(bare);
        sample.help.push(help);
      }
    }
  }
  const rows: BenchRow[] = samples.flatMap(({ suffix, bare, help }) => {
    const ratio = median(help) / median(bare);
    return [
      { metric: `node -e 0 (median)${suffix}`, value: `${median(bare).toFixed(1)} ms` },
      { metric: `noveli --help (median)${suffix}`, value: `${median(help).toFixed(1)} ms` },
      { metric: `noveli --help / node -e 0${suffix}`, value: `${ratio.toFixed(2)}x`, target: "<= 1.30x", ok: ratio <= 1.3 },
    ];
  });
  return {
    title: "CLI startup",
    rows,
    method: `${runs} interleaved runs of each after 5 warm-up rounds, wall time of the whole process (spawnSync, its stdout a pipe that this process reads, as a reader of the help or a CI log gets it), median. noveli writes its help to the descriptor itself; a terminal is asked for its width through its stream, as commander does.`,
    ...(note ? { notes: [note] } : {}),
  };
}
