// The scraper against real HTTP endpoints (servers on port 0 serving expositions the test sets),
// with a fake clock so rates and per-interval quantiles are exact.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createScraper, type ResourceSample, type SampleSink } from '@shadow/watch';

const servers: Server[] = [];

async function serve(handler: (url: string) => { status?: number; body: string; delayMs?: number }): Promise<string> {
  const server = createServer((req, res) => {
    const { status = 200, body, delayMs = 0 } = handler(req.url ?? '');
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(body);
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

function memorySink(failures = 0): SampleSink & { batches: ResourceSample[][] } {
  let left = failures;
  const batches: ResourceSample[][] = [];
  return {
    batches,
    async write(samples) {
      if (left > 0) {
        left -= 1;
        throw new Error('clickhouse unavailable');
      }
      batches.push([...samples]);
    },
  };
}

const exposition = (cpu: number, rss: number, buckets: [string, number][]) =>
  [
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${cpu}`,
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${rss}`,
    '# TYPE http_request_duration_seconds histogram',
    ...buckets.map(([le, n]) => `http_request_duration_seconds_bucket{le="${le}",route="/a"} ${n}`),
    `http_request_duration_seconds_count{route="/a"} ${buckets.at(-1)?.[1] ?? 0}`,
    'http_request_duration_seconds_sum{route="/a"} 1',
    '# TYPE unrelated gauge',
    'unrelated 5',
    '',
  ].join('\n');

describe('createScraper (real HTTP)', () => {
  it('gauges on every scrape; counters as rates and histograms as quantiles of the interval from the second', async () => {
    let scrape = 0;
    const texts = [
      exposition(10, 100e6, [
        ['0.1', 10],
        ['1', 20],
        ['+Inf', 20],
      ]),
      // 15 s later: +3 CPU seconds -> 0.2 cores; 10 new observations: 2 <= 0.1, 8 in (0.1, 1]
      exposition(13, 110e6, [
        ['0.1', 12],
        ['1', 30],
        ['+Inf', 30],
      ]),
      // a restart: the counter reads below its last value -> it counted from 0
      exposition(1.5, 50e6, [
        ['0.1', 1],
        ['1', 1],
        ['+Inf', 1],
      ]),
    ];
    const url = await serve(() => ({ body: texts[Math.min(scrape++, texts.length - 1)] as string }));
    let clock = Date.now();
    const sink = memorySink();
    const scraper = createScraper({
      config: {
        targets: [{ url, side: 'challenger', service: 'pricing', challengerId: 'cand' }],
        metrics: [{ name: 'http_request_duration_seconds', quantiles: [0.5, 0.99] }],
      },
      sink,
      now: () => clock,
    });
    const first = await scraper.scrapeOnce();
    expect(first).toEqual([
      {
        target: url.replace('http://', ''),
        side: 'challenger',
        challengerId: 'cand',
        service: 'pricing',
        ok: true,
        durationMs: expect.any(Number),
        samples: 2,
      },
    ]);
    expect(sink.batches[0]?.map((s) => [s.metric, s.kind, s.value])).toEqual([
      ['process_resident_memory_bytes', 'value', 100e6],
      ['up', 'up', 1],
    ]);
    clock += 15_000;
    await scraper.scrapeOnce();
    const second = sink.batches[1] ?? [];
    expect(second.map((s) => [s.metric, s.kind, s.labels, s.value])).toEqual([
      ['process_cpu_seconds_total', 'rate', {}, expect.closeTo(0.2, 12)],
      ['process_resident_memory_bytes', 'value', {}, 110e6],
      // interval buckets (0.1: 2, 1: 10, +Inf: 10): p50 rank 5 in (0.1, 1]: 0.1 + 0.9·(5-2)/8 = 0.4375; p99 rank 9.9: 0.1 + 0.9·7.9/8 = 0.98875
      ['http_request_duration_seconds', 'quantile', { route: '/a', quantile: '0.5' }, expect.closeTo(0.4375, 12)],
      ['http_request_duration_seconds', 'quantile', { route: '/a', quantile: '0.99' }, expect.closeTo(0.98875, 12)],
      ['up', 'up', {}, 1],
    ]);
    expect(second.every((s) => s.timeMs === clock && s.service === 'pricing' && s.side === 'challenger' && s.challengerId === 'cand')).toBe(true);
    clock += 10_000;
    await scraper.scrapeOnce();
    const third = sink.batches[2] ?? [];
    expect(third.find((s) => s.metric === 'process_cpu_seconds_total')?.value).toBeCloseTo(0.15, 12); // 1.5 s over 10 s
    await scraper.close();
  });

  it('aggregate sums the series of a metric before deriving (buckets by le)', async () => {
    let scrape = 0;
    const text = (a: number, b: number) =>
      [
        '# TYPE d histogram',
        `d_bucket{route="/a",le="0.1"} ${a}`,
        `d_bucket{route="/a",le="+Inf"} ${a}`,
        `d_count{route="/a"} ${a}`,
        `d_bucket{route="/b",le="0.1"} 0`,
        `d_bucket{route="/b",le="+Inf"} ${b}`,
        `d_count{route="/b"} ${b}`,
        '',
      ].join('\n');
    const url = await serve(() => ({ body: scrape++ === 0 ? text(0, 0) : text(9, 1) }));
    const sink = memorySink();
    const scraper = createScraper({
      config: { defaultMetrics: false, targets: [{ url, side: 'live', service: 's' }], metrics: [{ name: 'd', quantiles: [0.5, 0.95], aggregate: true }] },
      sink,
    });
    await scraper.scrapeOnce();
    await scraper.scrapeOnce();
    // summed: 9 in (0, 0.1], 1 above: p50 rank 5 -> 0.1·5/9; p95 rank 9.5 in +Inf -> 0.1
    expect(sink.batches[1]?.filter((s) => s.metric === 'd').map((s) => [s.labels, s.value])).toEqual([
      [{ quantile: '0.5' }, expect.closeTo((0.1 * 5) / 9, 12)],
      [{ quantile: '0.95' }, 0.1],
    ]);
    await scraper.close();
  });

  it('a target that fails yields up = 0 and nothing else; the others are unaffected', async () => {
    const good = await serve(() => ({ body: exposition(1, 1, [['+Inf', 0]]) }));
    const refused = 'http://127.0.0.1:1/metrics';
    const broken = await serve(() => ({ status: 503, body: 'down' }));
    const garbage = await serve(() => ({ body: 'process_resident_memory_bytes abc\n' }));
    const slow = await serve(() => ({ body: exposition(1, 1, [['+Inf', 0]]), delayMs: 2000 }));
    const sink = memorySink();
    const scraper = createScraper({
      config: {
        timeoutMs: 300,
        intervalMs: 1000,
        targets: [good, refused, broken, garbage, slow].map((url, i) => ({ url, side: 'challenger' as const, service: 's', challengerId: `c${i}` })),
      },
      sink,
    });
    const results = await scraper.scrapeOnce();
    expect(results.map((r) => [r.challengerId, r.ok])).toEqual([
      ['c0', true],
      ['c1', false],
      ['c2', false],
      ['c3', false],
      ['c4', false],
    ]);
    expect(results[1]?.error).toMatch(/ECONNREFUSED|connect/);
    expect(results[2]?.error).toBe('HTTP 503');
    expect(results[3]?.error).toMatch(/metrics line 1: the value is not a number/);
    expect(results[4]?.error).toBe('timeout after 300 ms');
    const ups = (sink.batches[0] ?? []).filter((s) => s.metric === 'up').map((s) => [s.challengerId, s.value]);
    expect(ups).toEqual([
      ['c0', 1],
      ['c1', 0],
      ['c2', 0],
      ['c3', 0],
      ['c4', 0],
    ]);
    await scraper.close();
  });

  it('a failing sink loses nothing: the batch is written with the next one', async () => {
    const url = await serve(() => ({ body: exposition(1, 7, [['+Inf', 0]]) }));
    const sink = memorySink(2);
    const scraper = createScraper({ config: { targets: [{ url, side: 'live', service: 's' }] }, sink });
    await scraper.scrapeOnce();
    await scraper.scrapeOnce();
    expect(scraper.buffered).toBe(2 + 3); // rss + up, then cpu rate + rss + up
    await scraper.scrapeOnce();
    expect(scraper.buffered).toBe(0);
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]?.map((s) => s.metric)).toEqual([
      'process_resident_memory_bytes',
      'up',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'up',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'up',
    ]);
    await scraper.close();
  });

  it('start() scrapes at once and then every intervalMs; close() stops it', async () => {
    let hits = 0;
    const url = await serve(() => {
      hits += 1;
      return { body: exposition(1, 1, [['+Inf', 0]]) };
    });
    const scraper = createScraper({ config: { targets: [{ url, side: 'live', service: 's' }], intervalMs: 200, timeoutMs: 100 }, sink: memorySink() });
    scraper.start();
    await new Promise((r) => setTimeout(r, 1100));
    await scraper.close();
    const seen = hits;
    // about 6 scrapes in 1.1 s at 200 ms (1 at start + 5); loose bounds (it repeats, it does not race): the machine is shared
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(seen).toBeLessThanOrEqual(7);
    await new Promise((r) => setTimeout(r, 500));
    expect(hits).toBe(seen);
  });

  it('refuses a bad configuration naming every field', () => {
    expect(() =>
      createScraper({
        config: {
          targets: [
            { url: 'http://user:pw@x/metrics', side: 'live', service: 's' },
            { url: 'http://a/metrics', side: 'challenger', service: 's' },
            { url: 'http://b/metrics', side: 'live', service: 's', challengerId: 'c' },
            { url: 'http://a/metrics', side: 'sideways', service: 's' },
          ],
          intervalMs: 1000,
          timeoutMs: 1000,
          metrics: [{ name: 'process_resident_memory_bytes' }, { name: 'bad-name' }],
        } as never,
        sink: memorySink(),
      }),
    ).toThrow(
      /scrape\.targets\[0\]\.url: must be an http:\/\/ or https:\/\/ URL without credentials[\s\S]*scrape\.targets\[1\]\.challengerId: required when side is challenger[\s\S]*scrape\.targets\[2\]\.challengerId: must not be set when side is live[\s\S]*scrape\.targets\[3\]\.side: [\s\S]*scrape\.metrics\[1\]\.name: must be a Prometheus metric name/,
    );
    expect(() =>
      createScraper({
        config: {
          targets: [
            { url: 'http://a/m', side: 'live', service: 's' },
            { url: 'http://a/m', side: 'live', service: 's' },
          ],
          intervalMs: 1000,
          timeoutMs: 1000,
          metrics: [{ name: 'process_resident_memory_bytes' }],
        },
        sink: memorySink(),
      }),
    ).toThrow(
      /scrape\.timeoutMs: must be below scrape\.intervalMs \(1000\), got 1000[\s\S]*scrape\.targets\[1\]\.url: already scraped by scrape\.targets\[0\][\s\S]*scrape\.metrics\[0\]\.name: process_resident_memory_bytes is already read \(a default metric\)/,
    );
  });
});
