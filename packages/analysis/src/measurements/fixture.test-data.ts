// A fixed, hand-made data set for the gate and report tests. Every number a test asserts is
// derived by hand from these values (see the comments in the tests).

import { quantile } from '../stats/quantile.js';
import type { Measurements, RouteMeasurements, ScopeMeasurements } from './types.js';

const HOUR = 3_600_000;
// The 48 hours before the clock when the module loads (every call returns the same window), never a
// calendar date (test/hygiene/fixture-dates.test.ts).
const START = Date.now() - 48 * HOUR;

/**
 * Live latencies: a permutation of 1.0, 1.1, ..., 100.9 ms (1000 values; the k-th smallest is
 * 1 + k/10). The candidate answers every pair 10 % slower: candidate[i] = 1.1 * live[i].
 * So (quantileExact = sorted[floor(q n)]): live p50 = 51.0, p90 = 91.0, p99 = 100.0, max = 100.9;
 * candidate p50 = 56.1, p90 = 100.1, p99 = 110.0, max = 110.99.
 */
export function fixtureLatencySamples(): { liveMs: number[]; candidateMs: number[]; paired: boolean } {
  const liveMs = Array.from({ length: 1000 }, (_, i) => (10 + ((i * 37) % 1000)) / 10);
  return { liveMs, candidateMs: liveMs.map((v) => Math.round(v * 1.1 * 1000) / 1000), paired: true };
}

function overall(): ScopeMeasurements {
  return {
    pairs: 1000,
    agreement: { trials: 1000, successes: 962 },
    errors: { pairs: 1000, live: 1, candidate: 2, both: 1 },
    latency: {
      live: {
        count: 1000,
        quantiles: [
          { q: 0.5, value: 51 },
          { q: 0.9, value: 91 },
          { q: 0.99, value: 100 },
        ],
        maxMs: 100.9,
      },
      candidate: {
        count: 1000,
        quantiles: [
          { q: 0.5, value: 56.1 },
          { q: 0.9, value: 100.1 },
          { q: 0.99, value: 110 },
        ],
        maxMs: 110.99,
      },
      samples: fixtureLatencySamples(),
    },
    sideEffects: [
      {
        direction: 'candidate-only',
        method: 'POST',
        target: 'payments:443',
        path: '/v1/charges',
        dependencyKind: 'http',
        pairs: 3,
        examplePairId: 'ex-charge-1',
      },
      { direction: 'live-only', method: 'POST', target: 'audit:80', path: '/log', dependencyKind: 'http', pairs: 5, examplePairId: 'ex-audit-1' },
    ],
    status: [
      { live: 200, candidate: 200, pairs: 990 },
      { live: 200, candidate: 500, pairs: 1 },
      { live: 404, candidate: 404, pairs: 6 },
      { live: 500, candidate: 500, pairs: 1 },
      { live: 200, candidate: 0, pairs: 2 },
    ],
    business: {
      price: {
        kind: 'numeric',
        pairs: 900,
        live: { mean: 100, quantiles: [{ q: 0.5, value: 80 }] },
        candidate: { mean: 100.5, quantiles: [{ q: 0.5, value: 81 }] },
      },
      approved: {
        kind: 'decision',
        pairs: 1000,
        flips: 10,
        transitions: [
          { live: 'yes', candidate: 'no', pairs: 7 },
          { live: 'no', candidate: 'yes', pairs: 3 },
        ],
      },
      recs: { kind: 'list', pairs: 500, meanJaccard: 0.85, k: 5, meanTopKOverlap: 0.9 },
    },
    accuracy: { pairs: 100, candidate: 92, live: 83, both: 80 },
    paths: [
      { path: '$.user.lastSeen', pairs: 400, noise: true, examplePairId: 'ex-noise-1' },
      { path: '$.user.tier', pairs: 30, noise: false, examplePairId: 'ex-tier-1' },
      { path: '$.items[*].price', pairs: 8, noise: false, examplePairId: 'ex-price-1' },
    ],
    headers: [
      { header: 'x-request-id', pairs: 1000, noise: true, examplePairId: 'ex-hdr-1' },
      { header: 'cache-control', pairs: 12, noise: false, examplePairId: 'ex-hdr-2' },
    ],
  };
}

function route(route: string, method: string, pairs: number, successes: number): RouteMeasurements {
  const all = fixtureLatencySamples();
  const samples = { liveMs: all.liveMs.slice(0, pairs), candidateMs: all.candidateMs.slice(0, pairs), paired: true };
  const summary = (values: number[]) => ({
    count: pairs,
    quantiles: [0.5, 0.9, 0.99].map((q) => ({ q, value: quantile(values, q) as number })),
    maxMs: quantile(values, 1),
  });
  return {
    route,
    method,
    pairs,
    agreement: { trials: pairs, successes },
    errors: { pairs, live: 0, candidate: 0, both: 0 },
    // Route latencies are not asserted by hand; their summaries are read from their samples.
    latency: { live: summary(samples.liveMs), candidate: summary(samples.candidateMs), samples },
    sideEffects: [],
  };
}

/** 1000 pairs over 48 hours; routes GET /users/:id (600), POST /orders (380), GET /health (20). */
export function fixtureMeasurements(): Measurements {
  const start = START;
  return {
    challengerId: 'pricing-v2',
    runId: null,
    window: { fromMs: start, toMs: start + 48 * HOUR },
    observed: { firstMs: start, lastMs: start + 48 * HOUR },
    overall: overall(),
    routes: [route('/users/:id', 'GET', 600, 560), route('/orders', 'POST', 380, 380), route('/health', 'GET', 20, 20)],
    unmatched: { no_result: 4, replay_error: 2 },
  };
}
