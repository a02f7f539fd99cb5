/** A benchmark measures one value and its baseline in the same run, so the ratio is meaningful. */
export interface BenchResult {
  value: number;
  baseline: number;
  unit: string;
  /** Extra human-readable lines (a table, the goal). */
  notes?: string[];
}

export interface Benchmark {
  name: string;
  /** What is measured against what, one line. */
  description: string;
  run(): Promise<BenchResult>;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
