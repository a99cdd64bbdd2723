/**
 * `npm run bench`: runs every bench/<name>.bench.ts (or those named on the command line), keeps
 * each one's latest figures with its machine and date in bench/results.json, and writes
 * BENCHMARKS.md from all of them (a bench not run this time keeps its earlier, dated figures).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CHECKPOINT_DISABLE: "1" } }).split("\n")[0]?.trim() ?? "unknown";
  } catch {
    return "not installed";
  }
}

const machine = [
  `CPU: ${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
  `memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `Node ${process.version}`,
  version("terraform", ["version"]),
  `moto ${version("python3", ["-c", "import moto; print(moto.__version__)"])}`,
  `${process.platform} ${process.arch}`,
].join(", ");

interface Stored extends BenchResult {
  date: string;
  machine: string;
}
const resultsFile = path.join(here, "results.json");
const stored: Record<string, Stored> = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : {};

for (const file of files) {
  process.stderr.write(`bench: ${file}...\n`);
  const started = Date.now();
  const bench = (await import(path.join(here, file))).default as () => Promise<BenchResult>;
  const result = await bench();
  stored[file] = { ...result, date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC", machine };
  writeFileSync(resultsFile, `${JSON.stringify(stored, null, 2)}\n`);
  process.stderr.write(`bench: ${file} done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  for (const row of result.rows) process.stderr.write(`  ${row.metric}: ${row.value}${row.target ? ` (target ${row.target}: ${row.ok ? "met" : "NOT met"})` : ""}\n`);
}

const sections = Object.keys(stored)
  .sort()
  .map((file) => {
    const r = stored[file] as Stored;
    const table = ["| metric | value | target | met |", "| --- | --- | --- | --- |", ...r.rows.map((row) => `| ${row.metric} | ${row.value} | ${row.target ?? ""} | ${row.ok === undefined ? "" : row.ok ? "yes" : "**no**"} |`)];
    return [`## ${r.title}`, "", `Measured ${r.date} by \`bench/${file}\` on ${r.machine}.`, "", ...table, "", `Method: ${r.method}`, ...(r.notes?.length ? ["", ...r.notes.map((n) => `- ${n}`)] : [])].join("\n");
  });

const doc = [
  "# Benchmarks",
  "",
  "Written by `npm run bench` (bench/run.ts; `npm run bench -- <name>` reruns one). Every comparison is a ratio measured side by side in the same run on the same machine; figures are medians of repeated runs. Targets come from the issues; a target that is not met says **no**. The machine is shared with other work: sections that measure whole processes give the load average they ran under, and on a loaded machine only the ratios against anchors measured in the same run compare, not the absolute figures.",
  "",
  ...sections.flatMap((section) => [section, ""]),
].join("\n");
writeFileSync(path.join(root, "BENCHMARKS.md"), doc);
