import { cpus, totalmem } from 'node:os';

/** One line of the final summary: a measured value against its same-run baseline. */
export interface Row {
  benchmark: string;
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
}

/** Options of `npm run bench` that some benchmarks take. */
export interface BenchOptions {
  /** `--store sqlite`: SQLite only; `postgres` or a postgres:// URL: PostgreSQL beside SQLite. */
  store?: string;
}

export interface Benchmark {
  name: string;
  title: string;
  run(opts: BenchOptions): Promise<Row[]>;
}

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function machine(): string {
  const c = cpus();
  return `${c.length} cores (${c[0]?.model.trim() ?? 'unknown cpu'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

export function table(rows: readonly Row[]): string {
  const head: Row = { benchmark: 'benchmark', metric: 'metric', value: 'value', baseline: 'baseline', ratio: 'ratio' };
  const all = [head, ...rows];
  const keys = Object.keys(head) as Array<keyof Row>;
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...all.map((r) => r[k].length))])) as Record<keyof Row, number>;
  const line = (r: Row) => keys.map((k) => (k === 'value' || k === 'baseline' || k === 'ratio' ? r[k].padStart(width[k]) : r[k].padEnd(width[k]))).join('  ');
  const rule = keys.map((k) => '-'.repeat(width[k])).join('  ');
  return [line(head), rule, ...rows.map(line)].join('\n');
}
