// A strict parser of the Prometheus text exposition format 0.0.4 (what prom-client's
// `register.metrics()` writes and every Prometheus client serves by default).
//
// Why not the npm parser: `parse-prometheus-text-format` 1.1.1 (the only maintained one, 2024) was
// measured here before choosing: it drops the last sample of a body without a final newline,
// accepts `abc` as a value (kept as the string), and lets a second `# TYPE` of the same name change
// the type silently. A scraper that feeds a "no memory growth" verdict must not lose or invent a
// sample, so this file is the small strict version, with the format's rules as tests
// (prometheus-text.test.ts): every sample line is checked against the grammar, values are Go
// floats (NaN, +Inf, -Inf included), a family's lines must be contiguous and typed before its
// first sample, a series appears once. Anything else is a WatchError naming the line.

import { WatchError } from '../errors.js';

export const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface MetricSample {
  /** The sample's own name: `h_bucket`, `h_sum`, `h_count` for a histogram `h`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Milliseconds since the epoch, when the exposition carries one. */
  readonly timestampMs?: number | undefined;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+$/;

function fail(lineNo: number, line: string, why: string): never {
  const shown = line.length > 120 ? `${line.slice(0, 117)}...` : line;
  throw new WatchError('WATCH_PARSE_FAILED', `metrics line ${lineNo}: ${why}: ${JSON.stringify(shown)}`);
}

/** A sample value as clients write it: a decimal float, NaN, +Inf, -Inf (any case). Hex floats, which Go would also read, are refused: no client writes them. */
export function parseFloatStrict(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  return FLOAT.test(text) ? Number(text) : undefined;
}

interface ParsedLine {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

/** One sample line: name, optional `{label="value",...}`, value, optional timestamp. */
function parseSampleLine(line: string, lineNo: number): ParsedLine {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i] as string)) i++;
  const name = line.slice(0, i);
  if (!METRIC_NAME.test(name)) fail(lineNo, line, 'not a metric name');
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const start = i;
      while (i < line.length && /[a-zA-Z0-9_]/.test(line[i] as string)) i++;
      const label = line.slice(start, i);
      if (!LABEL_NAME.test(label)) fail(lineNo, line, 'not a label name');
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '=') fail(lineNo, line, `expected = after label ${label}`);
      i++;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '"') fail(lineNo, line, `expected " to open the value of label ${label}`);
      i++;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) fail(lineNo, line, `unterminated value of label ${label}`);
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const next = line[i + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else fail(lineNo, line, `invalid escape \\${next ?? ''} in label ${label}`);
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      if (Object.hasOwn(labels, label)) fail(lineNo, line, `label ${label} given twice`);
      labels[label] = value;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      fail(lineNo, line, 'expected , or } after a label');
    }
  }
  if (line[i] !== ' ' && line[i] !== '\t') fail(lineNo, line, 'expected a space before the value');
  const rest = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (rest.length > 2) fail(lineNo, line, 'unexpected text after the timestamp');
  const value = parseFloatStrict(rest[0] ?? '');
  if (value === undefined) fail(lineNo, line, 'the value is not a number');
  const out: ParsedLine = { name, labels, value };
  if (rest[1] !== undefined) {
    if (!TIMESTAMP.test(rest[1])) fail(lineNo, line, 'the timestamp is not an integer (milliseconds)');
    out.timestampMs = Number(rest[1]);
  }
  return out;
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

/** The family a sample name belongs to, given the types declared so far. */
function familyOf(name: string, types: ReadonlyMap<string, MetricType>): string {
  for (const [suffix, kinds] of [
    ['_bucket', ['histogram']],
    ['_sum', ['histogram', 'summary']],
    ['_count', ['histogram', 'summary']],
  ] as const) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const type = types.get(base);
      if (type !== undefined && (kinds as readonly string[]).includes(type)) return base;
    }
  }
  return name;
}

/** Parses a whole exposition. Throws WatchError WATCH_PARSE_FAILED naming the first bad line. */
export function parsePrometheusText(text: string): MetricFamily[] {
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const families = new Map<string, { name: string; samples: MetricSample[] }>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const switchTo = (family: string): void => {
      if (family === current) return;
      if (closed.has(family) || families.has(family)) fail(lineNo, line, `lines of ${family} are not grouped together`);
      if (current !== null) closed.add(current);
      current = family;
    };
    if (line.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (m === null) return; // a plain comment
      const [, keyword, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail(lineNo, line, 'not a metric name');
      switchTo(name);
      if (keyword === 'TYPE') {
        const type = rest.trim();
        if (!(METRIC_TYPES as readonly string[]).includes(type)) fail(lineNo, line, `unknown type (expected one of ${METRIC_TYPES.join(', ')})`);
        if (types.has(name)) fail(lineNo, line, `second TYPE for ${name}`);
        if (families.has(name)) fail(lineNo, line, `TYPE for ${name} after its samples`);
        types.set(name, type as MetricType);
      } else {
        if (helps.has(name)) fail(lineNo, line, `second HELP for ${name}`);
        helps.set(name, rest.replaceAll('\\n', '\n').replaceAll('\\\\', '\\'));
      }
      return;
    }
    const sample = parseSampleLine(line, lineNo);
    const family = familyOf(sample.name, types);
    switchTo(family);
    const key = seriesKey(sample.name, sample.labels);
    if (seen.has(key)) fail(lineNo, line, 'the same series appears twice');
    seen.add(key);
    const type = types.get(family) ?? 'untyped';
    if (type === 'histogram' && sample.name === `${family}_bucket`) {
      const le = sample.labels['le'];
      if (le === undefined || parseFloatStrict(le) === undefined) fail(lineNo, line, 'a histogram bucket needs a numeric le label');
    }
    if (type === 'summary' && sample.name === family) {
      const q = sample.labels['quantile'];
      if (q === undefined || parseFloatStrict(q) === undefined) fail(lineNo, line, 'a summary sample needs a numeric quantile label');
    }
    let entry = families.get(family);
    if (entry === undefined) {
      entry = { name: family, samples: [] };
      families.set(family, entry);
    }
    entry.samples.push(sample.timestampMs === undefined ? { name: sample.name, labels: sample.labels, value: sample.value } : sample);
  });
  return [...families.values()].map((f) => ({ name: f.name, type: types.get(f.name) ?? 'untyped', help: helps.get(f.name) ?? '', samples: f.samples }));
}
