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
      includeSandboxInduced: false,
      businessMetrics: ['decision', 'price'],
      latencyQuantiles: [0.95, 0.999],
      latencySampleLimit: 100_000,
      topDifferences: 0,
    });
  });

  it('asks for the accuracy the criteria judge: the top level and each route naming its own label or outcome', () => {
    const { criteria } = parseCriteria(`
version: 1
accuracy: { label: fraud, outcome: $.fraud, minDelta: 0.05 }
routes:
  "POST /score": { accuracy: { label: chargeback, outcome: $.decision.fraud } }
  "GET /health": { accuracy: null }
`);
    expect(measurementQueryFor(criteria, { challengerId: 'c1', runId: 'r1' }).accuracy).toEqual({
      default: { label: 'fraud', outcome: '$.fraud' },
      routes: { 'POST /score': { label: 'chargeback', outcome: '$.decision.fraud' } },
    });
  });

  it('an accuracy criterion without a label or with an outcome that is not a plain JSONPath is refused, naming the field', () => {
    expect(() => parseCriteria('version: 1\naccuracy: { outcome: $.fraud }')).toThrow(/accuracy\.label/);
    expect(() => parseCriteria('version: 1\naccuracy: { label: fraud, outcome: "$.items[*].id" }')).toThrow(/accuracy\.outcome/);
  });
});
