import { describe, expect, it } from 'vitest';
import { parseCriteria } from '../criteria/load.js';
import { measurementQueryFor } from './measurement-query.js';

describe('measurementQueryFor', () => {
  it('carries the exclusions and every business metric the criteria name', () => {
    const { criteria } = parseCriteria(`
version: 1
exclude: { routes: ["GET /health"], paths: ["$.meta.requestId"], countNoise: true }
business: { price: { meanRelativeDiff: { max: 0.01 } } }
latency: [{ quantile: 0.99, maxMs: 200 }, { quantile: 0.95, maxMs: 150 }]
routes:
  "POST /score": { business: { decision: { flipRate: { max: 0.02 } } }, latency: [{ quantile: 0.999, maxMs: 900 }] }
`);
    expect(measurementQueryFor(criteria, { challengerId: 'c1', runId: 'r1' })).toEqual({
      challengerId: 'c1',
      window: undefined,
      runId: 'r1',
      excludeRoutes: ['GET /health'],
      excludePaths: ['$.meta.requestId'],
      countNoise: true,
      businessMetrics: ['decision', 'price'],
      latencyQuantiles: [0.95, 0.999],
      latencySampleLimit: 100_000,
      topDifferences: 0,
    });
  });
});
