import { Registry, collectDefaultMetrics, Counter, Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  it('reads counters, gauges, histograms and summaries with their labels', () => {
    const text = [
      '# HELP http_requests_total Requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3',
      '# TYPE temp gauge',
      'temp -1.5e2',
      '# TYPE d histogram',
      'd_bucket{le="0.05"} 24',
      'd_bucket{le="+Inf"} 30',
      'd_sum 53.4',
      'd_count 30',
      '# TYPE rpc summary',
      'rpc{quantile="0.5"} 4773',
      'rpc_sum 1.7560473e+07',
      'rpc_count 2693',
      'no_type NaN',
      '',
    ].join('\n');
    const families = parsePrometheusText(text);
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['http_requests_total', 'counter', 2],
      ['temp', 'gauge', 1],
      ['d', 'histogram', 4],
      ['rpc', 'summary', 3],
      ['no_type', 'untyped', 1],
    ]);
    expect(families[0]?.help).toBe('Requests.');
    expect(families[0]?.samples[0]).toEqual({ name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestampMs: 1395066363000 });
    expect(families[1]?.samples[0]?.value).toBe(-150);
    expect(families[2]?.samples[1]).toEqual({ name: 'd_bucket', labels: { le: '+Inf' }, value: 30 });
    expect(Number.isNaN(families[4]?.samples[0]?.value)).toBe(true);
  });

  it('keeps the last sample of a body without a final newline (the npm parser drops it)', () => {
    const families = parsePrometheusText('# TYPE a gauge\na 1\na{x="y"} 2');
    expect(families[0]?.samples.map((s) => s.value)).toEqual([1, 2]);
  });

  it('unescapes label values: backslash, quote, newline', () => {
    const [f] = parsePrometheusText('m{path="C:\\\\DIR\\\\F.TXT",err="no \\"x\\"\\nend"} 1\n');
    expect(f?.samples[0]?.labels).toEqual({ path: 'C:\\DIR\\F.TXT', err: 'no "x"\nend' });
  });

  it('accepts a trailing comma in labels, tabs, CRLF line ends and plain comments', () => {
    const families = parsePrometheusText('# a comment\r\nm{a="1",}\t2\r\n');
    expect(families).toEqual([{ name: 'm', type: 'untyped', help: '', samples: [{ name: 'm', labels: { a: '1' }, value: 2 }] }]);
  });

  it('reads what prom-client writes (default metrics, a counter, a histogram)', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    new Counter({ name: 'jobs_total', help: 'jobs', labelNames: ['kind'], registers: [registry] }).inc({ kind: 'a"b\\c' }, 3);
    new Histogram({ name: 'lat_seconds', help: 'latency', buckets: [0.1, 1], registers: [registry] }).observe(0.5);
    const families = parsePrometheusText(await registry.metrics());
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(byName.get('process_resident_memory_bytes')?.samples[0]?.value).toBeGreaterThan(0);
    expect(byName.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(byName.get('nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge');
    expect(byName.get('jobs_total')?.samples[0]).toEqual({ name: 'jobs_total', labels: { kind: 'a"b\\c' }, value: 3 });
    expect(byName.get('lat_seconds')?.samples.map((s) => [s.name, s.labels['le'] ?? null, s.value])).toEqual([
      ['lat_seconds_bucket', '0.1', 0],
      ['lat_seconds_bucket', '1', 1],
      ['lat_seconds_bucket', '+Inf', 1],
      ['lat_seconds_sum', null, 0.5],
      ['lat_seconds_count', null, 1],
    ]);
  });

  it.each([
    ['a value that is not a number', 'a abc', /line 1: the value is not a number/],
    ['a hex value', 'a 0x10', /the value is not a number/],
    ['an unterminated label value', 'a{x="y} 1', /unterminated value of label x/],
    ['a missing brace', 'a{x="y" 1', /expected , or } after a label/],
    ['an unquoted label value', 'a{x=y} 1', /expected " to open the value of label x/],
    ['a bad escape', 'a{x="\\t"} 1', /invalid escape \\t/],
    ['a label given twice', 'a{x="1",x="2"} 1', /label x given twice/],
    ['a bad metric name', '1a 1', /not a metric name/],
    ['a non-integer timestamp', 'a 1 1.5', /timestamp is not an integer/],
    ['text after the timestamp', 'a 1 2 3', /unexpected text after the timestamp/],
    ['no value', 'a', /expected a space before the value/],
    ['an unknown type', '# TYPE a gauges', /line 1: unknown type/],
    ['a second TYPE', '# TYPE a gauge\n# TYPE a counter\na 1', /line 2: second TYPE for a/],
    ['a TYPE after the samples', 'a 1\n# TYPE a gauge', /line 2: TYPE for a after its samples/],
    ['a second HELP', '# HELP a x\n# HELP a y', /second HELP for a/],
    ['the same series twice', 'a{x="1"} 1\na{x="1"} 2', /line 2: the same series appears twice/],
    ['a family split in two', 'a 1\nb 1\na{x="1"} 2', /line 3: lines of a are not grouped together/],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1', /needs a numeric le label/],
    ['a summary sample without quantile', '# TYPE s summary\ns 1', /needs a numeric quantile label/],
  ])('refuses %s, naming the line', (_what, text, message) => {
    expect(() => parsePrometheusText(text)).toThrow(message);
    try {
      parsePrometheusText(text);
    } catch (error) {
      expect(error).toMatchObject({ code: 'WATCH_PARSE_FAILED', name: 'WatchError' });
    }
  });
});
