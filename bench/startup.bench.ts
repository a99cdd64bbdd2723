import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median, type BenchResult } from "./types.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, "bin", "noveli.cjs");

function timeOnce(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** `noveli --help` against a bare `node -e 0`, interleaved so both see the same machine state. */
export default async function startup(): Promise<BenchResult> {
  const runs = 40;
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < 5; i++) {
    timeOnce(["-e", "0"]);
    timeOnce([bin, "--help"]);
  }
  for (let i = 0; i < runs; i++) {
    bare.push(timeOnce(["-e", "0"]));
    help.push(timeOnce([bin, "--help"]));
  }
  const ratio = median(help) / median(bare);
  return {
    title: "CLI startup",
    rows: [
      { metric: "node -e 0 (median)", value: `${median(bare).toFixed(1)} ms` },
      { metric: "noveli --help (median)", value: `${median(help).toFixed(1)} ms` },
      { metric: "noveli --help / node -e 0", value: `${ratio.toFixed(2)}x`, target: "<= 1.30x", ok: ratio <= 1.3 },
    ],
    method: `${runs} interleaved runs of each after 5 warm-up pairs, wall time of the whole process (spawnSync), median.`,
  };
}
