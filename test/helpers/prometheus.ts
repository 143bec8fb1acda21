// The parser ships no types; this is the shape of what it returns for the metric types we serve.
import parsePrometheus from 'parse-prometheus-text-format';

export interface Sample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

const parse = parsePrometheus as unknown as (t: string) => Family[];

/**
 * Parses exposition text with an independent Prometheus text-format parser (it throws on a
 * malformed line). That parser folds a histogram's labelled series into one unlabelled sample,
 * so the text is parsed a second time with the histogram TYPE lines dropped: each histogram's
 * `_bucket`, `_count` and `_sum` series are then families of their own, labels intact.
 */
export function parseMetrics(text: string): Map<string, Family> {
  const families = new Map(parse(text).map((f) => [f.name, f]));
  const histograms = [...families.values()].filter((f) => f.type === 'HISTOGRAM').map((f) => f.name);
  const untyped = text.split('\n').filter((l) => !histograms.some((h) => l.startsWith(`# TYPE ${h} `))).join('\n');
  // Series of one histogram interleave (bucket, sum, count per label set): one family each.
  const series = new Map<string, Family>();
  for (const f of parse(untyped)) {
    if (families.has(f.name)) continue;
    const seen = series.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else series.set(f.name, f);
  }
  for (const [name, f] of series) families.set(name, f);
  return families;
}

/** The samples of a family whose labels include `labels`. */
export function samples(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  const f = families.get(name);
  if (!f) throw new Error(`no metric family ${name}`);
  return f.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/** The one value of a counter or gauge with exactly these labels (0 when absent). */
export function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const found = samples(families, name, labels).filter((m) => Object.keys(m.labels ?? {}).length === Object.keys(labels).length);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found.length === 0 ? 0 : Number(found[0].value);
}
