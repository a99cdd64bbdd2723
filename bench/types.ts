/**
 * Contract between bench/run.ts and each benchmark module (bench/<name>.bench.ts).
 * A module's default export runs the measurement side by side with its baseline, on this machine,
 * and returns figures; bench/run.ts writes BENCHMARKS.md from them. Every comparison is a ratio
 * measured in the same run, medians of repeated runs.
 */
export interface BenchRow {
  /** What is measured, e.g. "noveli --help vs node -e 0". */
  metric: string;
  /** The measured figure, formatted for the table (e.g. "61.2 ms", "1.21x"). */
  value: string;
  /** The target, formatted (e.g. "<= 1.30x"), when there is one. */
  target?: string;
  /** Whether the target is met; omitted when there is no target. */
  ok?: boolean;
}

export interface BenchResult {
  /** Section title in BENCHMARKS.md. */
  title: string;
  rows: BenchRow[];
  /** How it was measured: runs, sizes, what the baseline is. */
  method: string;
  notes?: string[];
}

export type Bench = () => Promise<BenchResult>;

/** Median of a non-empty list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
