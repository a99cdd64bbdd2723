/**
 * `npm run bench`: runs every bench/<name>.bench.ts (or those named on the command line), then
 * writes BENCHMARKS.md with the machine, the date and each section's figures.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
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
    return execFileSync(command, args, { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } }).split("\n")[0]?.trim() ?? "unknown";
  } catch {
    return "not installed";
  }
}

const machine = [
  `- Date: ${new Date().toISOString().slice(0, 10)}`,
  `- CPU: ${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
  `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `- Node: ${process.version}; ${version("terraform", ["version"])}; moto ${version("python3", ["-c", "import moto; print(moto.__version__)"])}`,
  `- OS: ${process.platform} ${process.arch}`,
];

const results: BenchResult[] = [];
for (const file of files) {
  process.stderr.write(`bench: ${file}...\n`);
  const started = Date.now();
  const bench = (await import(path.join(here, file))).default as () => Promise<BenchResult>;
  const result = await bench();
  results.push(result);
  process.stderr.write(`bench: ${file} done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  for (const row of result.rows) process.stderr.write(`  ${row.metric}: ${row.value}${row.target ? ` (target ${row.target}: ${row.ok ? "met" : "NOT met"})` : ""}\n`);
}

const sections = results.map((r) => {
  const table = ["| metric | value | target | met |", "| --- | --- | --- | --- |", ...r.rows.map((row) => `| ${row.metric} | ${row.value} | ${row.target ?? ""} | ${row.ok === undefined ? "" : row.ok ? "yes" : "**no**"} |`)];
  return [`## ${r.title}`, "", ...table, "", `Method: ${r.method}`, ...(r.notes?.length ? ["", ...r.notes.map((n) => `- ${n}`)] : [])].join("\n");
});

const doc = [
  "# Benchmarks",
  "",
  "Written by `npm run bench` (bench/run.ts). Every comparison is a ratio measured side by side in the same run on the same machine; figures are medians of repeated runs. Targets come from the issues; a target that is not met says **no**.",
  "",
  "## Machine",
  "",
  ...machine,
  "",
  ...sections.flatMap((s) => [s, ""]),
].join("\n");
if (wanted.length === 0) writeFileSync(path.join(root, "BENCHMARKS.md"), doc);
else process.stdout.write(doc);
