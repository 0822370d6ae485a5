import { describe, expect, it } from 'vitest';
import { fixtureMeasurements } from '../measurements/fixture.test-data.js';
import { buildReport } from './build.js';

// Hand-computed from the fixture (see fixture.test-data.ts): Wilson at z = 1.959964.
describe('buildReport', () => {
  const report = buildReport(fixtureMeasurements(), { excludeRoutes: ['GET /health'] });
  const o = report.overall;

  it('carries agreement with its Wilson interval, overall and per route', () => {
    expect(o.agreement.estimate).toBe(0.962);
    expect(o.agreement.lower).toBeCloseTo(0.948273, 6);
    expect(o.agreement.upper).toBeCloseTo(0.972191, 6);
    const users = report.routes.find((r) => r.scope === 'GET /users/:id');
    expect(users?.agreement.lower).toBeCloseTo(0.910491, 6);
    expect(users?.agreement.upper).toBeCloseTo(0.950662, 6);
  });

  it('orders routes by pairs and leaves excluded routes out', () => {
    expect(report.routes.map((r) => r.scope)).toEqual(['GET /users/:id', 'POST /orders']);
  });

  it('reports p50/p90/p99/max for both sides and the deltas', () => {
    expect(o.latency.map((l) => [l.label, l.liveMs, l.candidateMs])).toEqual([
      ['p50', 51, 56.1],
      ['p90', 91, 100.1],
      ['p99', 100, 110],
      ['max', 100.9, 110.99],
    ]);
    expect(o.latency[2]?.deltaMs).toBeCloseTo(10, 9);
    // candidate - live = 0.1 x live per pair, so the paired delta of p99 stays within 0.1 x [99, 100.9].
    const ci = o.latency[2]?.deltaInterval;
    expect(ci?.paired).toBe(true);
    expect(ci?.lower).toBeGreaterThanOrEqual(9.9 - 1e-9);
    expect(ci?.upper).toBeLessThanOrEqual(10.09 + 1e-9);
    expect(o.latency[3]?.deltaInterval).toBeNull();
  });

  it('reads quantiles from the samples when the summary lacks them (ClickHouse quantileExact semantics)', () => {
    const m = fixtureMeasurements();
    m.overall.latency.live.quantiles = [];
    m.overall.latency.candidate.maxMs = null;
    const r = buildReport(m, { skipIntervals: true });
    expect(r.overall.latency.map((l) => l.liveMs)).toEqual([51, 91, 100, 100.9]);
    expect(r.overall.latency[3]?.candidateMs).toBe(110.99);
    expect(r.overall.latency[0]?.deltaInterval).toBeNull();
  });

  it('splits differing paths from noise, and counts status mismatches', () => {
    expect(o.paths.map((p) => [p.path, p.pairs, p.examplePairId])).toEqual([
      ['$.user.tier', 30, 'ex-tier-1'],
      ['$.items[*].price', 8, 'ex-price-1'],
    ]);
    expect(o.noisePaths.map((p) => p.path)).toEqual(['$.user.lastSeen']);
    expect(o.headers.map((h) => h.header)).toEqual(['cache-control']);
    expect(o.noiseHeaders.map((h) => h.header)).toEqual(['x-request-id']);
    expect(o.status.mismatchedPairs).toBe(3); // 200->500 (1) + 200->none (2)
  });

  it('error rates both sides and their paired difference', () => {
    expect(o.errors.candidate.upper).toBeCloseTo(0.007263, 6);
    expect(o.errors.live.estimate).toBe(0.001);
    expect(o.errors.difference.estimate).toBeCloseTo(0.001, 12);
  });

  it('side effects in both directions, business metrics and accuracy', () => {
    expect(o.sideEffects.candidateOnly.map((e) => `${e.method} ${e.target}${e.path}`)).toEqual(['POST payments:443/v1/charges']);
    expect(o.sideEffects.liveOnly.map((e) => e.examplePairId)).toEqual(['ex-audit-1']);
    const price = o.business.find((b) => b.name === 'price');
    expect(price).toMatchObject({ kind: 'numeric', meanRelativeDiff: 0.005 });
    const approved = o.business.find((b) => b.name === 'approved');
    expect(approved?.kind === 'decision' && approved.flipRate.upper).toBeCloseTo(0.018309, 6);
    expect(o.accuracy?.difference.lower).toBeCloseTo(0.015345, 6);
    expect(o.accuracy?.difference.upper).toBeCloseTo(0.170279, 6);
  });

  it('lists unmatched exchanges by reason, most first', () => {
    expect(report.unmatched).toEqual([
      { reason: 'no_result', exchanges: 4 },
      { reason: 'replay_error', exchanges: 2 },
    ]);
  });

  it('is deterministic', () => {
    expect(buildReport(fixtureMeasurements(), { excludeRoutes: ['GET /health'] })).toEqual(report);
  });
});
