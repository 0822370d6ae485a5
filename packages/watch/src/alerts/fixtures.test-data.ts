// Hand-made Measurements for the alert unit tests (only the fields the rules read are meaningful).
import type { Measurements, ScopeMeasurements } from '@shadow/analysis';

export interface ScopeInput {
  pairs?: number;
  agreed?: number;
  liveErrors?: number;
  candidateErrors?: number;
  liveP99?: number;
  candidateP99?: number;
  business?: ScopeMeasurements['business'];
}

export function measured(challengerId: string, s: ScopeInput = {}): Measurements {
  const pairs = s.pairs ?? 1000;
  const overall: ScopeMeasurements = {
    pairs,
    agreement: { trials: pairs, successes: s.agreed ?? pairs },
    errors: { pairs, live: s.liveErrors ?? 0, candidate: s.candidateErrors ?? 0, both: 0 },
    latency: {
      live: {
        count: pairs,
        quantiles: [
          { q: 0.5, value: 10 },
          { q: 0.9, value: 20 },
          { q: 0.99, value: s.liveP99 ?? 40 },
        ],
        maxMs: 50,
      },
      candidate: {
        count: pairs,
        quantiles: [
          { q: 0.5, value: 10 },
          { q: 0.9, value: 20 },
          { q: 0.99, value: s.candidateP99 ?? 40 },
        ],
        maxMs: 50,
      },
    },
    sideEffects: [],
    business: s.business,
  };
  return { challengerId, runId: null, window: null, observed: null, overall, routes: [] };
}
