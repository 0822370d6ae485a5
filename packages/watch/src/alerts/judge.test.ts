import { wilsonInterval } from '@shadow/analysis';
import { describe, expect, it } from 'vitest';
import { resolveAlertsConfig, type Rule } from './config.js';
import { measured } from './fixtures.test-data.js';
import { conditionOf, judgeRule } from './judge.js';

const T0 = Date.now() - 600_000;
const window = { fromMs: T0, toMs: T0 + 300_000 };

function rule(spec: Record<string, unknown>, challengers: unknown[] = [{ id: 'cand' }, { id: 'sec', role: 'secondary' }]): Rule {
  return resolveAlertsConfig({ service: 'pricing', challengers, rules: [{ name: 'r', ...spec }] }, { env: {} }).config.rules[0] as Rule;
}

describe('judgeRule', () => {
  it('agreement: the lower Wilson bound against min, with resolveAt as hysteresis', () => {
    const r = rule({ kind: 'agreement', min: 0.95, resolveAt: 0.97 });
    // 940/1000, z = 1.959964: center (0.94 + z²/2000) / (1 + z²/1000) = 0.938316,
    // half-width z·sqrt(0.94·0.06/1000 + z²/4e6) / (1 + z²/1000) = 0.014787 -> lower 0.923529
    const j = judgeRule(r, { window, measurements: measured('cand', { pairs: 1000, agreed: 940 }) });
    expect(j.value).toBeCloseTo(wilsonInterval(940, 1000, { confidence: 0.95 }).lower, 12);
    expect(j.value).toBeCloseTo(0.923529, 5);
    expect(j).toMatchObject({ condition: 'breach', sample: 1000, threshold: 0.95, resolveAt: 0.97, direction: 'below' });
    expect(j.summary).toBe('agreement lower 95% bound (940/1000) 0.924 (fires < 0.950, resolves at 0.970) over 300 s, sample 1000');
    // the same by hand: 960/1000 lower 0.94599 -> breach; 975/1000 0.96335 -> between 0.95 and 0.97: hold; 990/1000 0.98169 -> clear
    expect(judgeRule(r, { window, measurements: measured('cand', { agreed: 960 }) }).condition).toBe('breach');
    expect(judgeRule(r, { window, measurements: measured('cand', { agreed: 975 }) }).condition).toBe('hold');
    expect(judgeRule(r, { window, measurements: measured('cand', { agreed: 990 }) }).condition).toBe('clear');
  });

  it('below the minimum sample nothing is decided', () => {
    const j = judgeRule(rule({ kind: 'agreement', min: 0.95 }), { window, measurements: measured('cand', { pairs: 50, agreed: 0 }) });
    expect(j.condition).toBe('insufficient');
    expect(j.summary).toMatch(/sample 50 < 100: not judged$/);
    expect(judgeRule(rule({ kind: 'agreement', min: 0.95 }), { window, measurements: null }).condition).toBe('insufficient');
  });

  it('latency ratio: over the secondary when there is one, else over live with a warning', () => {
    const r = rule({ kind: 'latency-ratio', max: 1.5 });
    const overSecondary = judgeRule(r, {
      window,
      measurements: measured('cand', { candidateP99: 90, liveP99: 30 }),
      secondary: measured('sec', { candidateP99: 45 }),
    });
    expect(overSecondary).toMatchObject({ value: 2, condition: 'breach', warnings: [] });
    expect(overSecondary.summary).toMatch(/^latency p99 ratio over the secondary \(90\.000 ms \/ 45\.000 ms\) 2\.000x/);
    const overLive = judgeRule(r, { window, measurements: measured('cand', { candidateP99: 90, liveP99: 30 }), secondary: null });
    expect(overLive).toMatchObject({ value: 3, condition: 'breach' });
    expect(overLive.warnings).toEqual(['no secondary: latency compared with live, which is measured under other load']);
  });

  it('error rate: of the challenger, or in excess of live on the same pairs', () => {
    const m = measured('cand', { pairs: 200, candidateErrors: 30, liveErrors: 20 });
    expect(judgeRule(rule({ kind: 'error-rate', max: 0.1 }), { window, measurements: m })).toMatchObject({ value: 0.15, condition: 'breach' });
    expect(judgeRule(rule({ kind: 'error-rate', max: 0.1, of: 'excess-over-live' }), { window, measurements: m })).toMatchObject({
      value: 0.05,
      condition: 'clear',
    });
  });

  it('business: relative mean shift, flip rate, 1 - Jaccard', () => {
    const business = {
      total: { kind: 'numeric' as const, pairs: 300, live: { mean: 100, quantiles: [] }, candidate: { mean: 105, quantiles: [] } },
      decision: { kind: 'decision' as const, pairs: 400, flips: 8 },
      recs: { kind: 'list' as const, pairs: 150, meanJaccard: 0.8 },
    };
    const m = measured('cand', { business });
    expect(judgeRule(rule({ kind: 'business', metric: 'total', max: 0.02 }), { window, measurements: m })).toMatchObject({
      value: 0.05,
      sample: 300,
      condition: 'breach',
    });
    expect(judgeRule(rule({ kind: 'business', metric: 'decision', max: 0.05 }), { window, measurements: m })).toMatchObject({
      value: 0.02,
      condition: 'clear',
    });
    expect(judgeRule(rule({ kind: 'business', metric: 'recs', max: 0.1 }), { window, measurements: m }).value).toBeCloseTo(0.2, 12);
    expect(judgeRule(rule({ kind: 'business', metric: 'nope', max: 0.1 }), { window, measurements: m }).condition).toBe('insufficient');
  });

  it('resource ratio judged on the lower bound by default, or on the estimate', () => {
    const minute = (values: number[]) => [{ target: 't', points: values.map((v, i) => ({ t: T0 + i * 60_000 + 1000, v })) }];
    const resources = { challenger: minute([2, 3, 4]), baseline: minute([1, 2, 2]), baselineKind: 'secondary' as const };
    // ratio 1.8, 95% CI [1.16136, 2.78973] (stats/resource-ratio.test.ts)
    const bound = judgeRule(rule({ kind: 'resource-ratio', resource: 'cpu', max: 1.5, minSample: 3 }), { window, resources });
    expect(bound.value).toBeCloseTo(1.16136, 4);
    expect(bound.condition).toBe('clear');
    const estimate = judgeRule(rule({ kind: 'resource-ratio', resource: 'cpu', max: 1.5, minSample: 3, judgeOn: 'estimate' }), { window, resources });
    expect(estimate).toMatchObject({ condition: 'breach' });
    expect(estimate.value).toBeCloseTo(1.8, 12);
  });

  it('memory growth: the worst lower bound over the targets, in bytes per hour', () => {
    const H = 3_600_000;
    const line = (perHour: number) => Array.from({ length: 30 }, (_, i) => ({ t: T0 + i * 10_000, v: 1e8 + (perHour * i * 10_000) / H + (i % 3) * 1000 }));
    const j = judgeRule(rule({ kind: 'memory-growth', maxBytesPerHour: 10e6 }), {
      window,
      memory: [
        { target: 'a', points: line(0) },
        { target: 'b', points: line(200e6) },
      ],
    });
    expect(j.condition).toBe('breach');
    expect(j.value).toBeGreaterThan(150e6);
    expect(j.summary).toMatch(/^RSS growth lower 95% bound \(b\)/);
  });

  it('live latency from pairs or from a scraped histogram quantile (seconds -> ms)', () => {
    const pairs = rule({ kind: 'live-latency', maxMs: 100 });
    expect(judgeRule(pairs, { window, measurements: measured('cand', { liveP99: 250 }) })).toMatchObject({ value: 250, condition: 'breach' });
    const metric = rule({ kind: 'live-latency', maxMs: 100, source: 'metric', metric: 'http_request_duration_seconds' });
    const liveMetric = [
      {
        target: 'live',
        points: [
          { t: T0, v: 0.05 },
          { t: T0 + 1, v: 0.07 },
          { t: T0 + 2, v: 0.06 },
        ],
      },
    ];
    const j = judgeRule(metric, { window, liveMetric });
    expect(j.value).toBeCloseTo(60, 9);
    expect(j).toMatchObject({ sample: 3, condition: 'clear' });
  });

  it('conditionOf honours direction and the band', () => {
    const below = rule({ kind: 'agreement', min: 0.9, resolveAt: 0.95 });
    expect([0.89, 0.9, 0.94, 0.95].map((v) => conditionOf(below, v))).toEqual(['breach', 'hold', 'hold', 'clear']);
    const above = rule({ kind: 'error-rate', max: 0.1, resolveAt: 0.05 });
    expect([0.11, 0.1, 0.06, 0.05].map((v) => conditionOf(above, v))).toEqual(['breach', 'hold', 'hold', 'clear']);
  });
});
