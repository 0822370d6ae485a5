import { describe, expect, it } from 'vitest';
import { parseCriteria } from '../criteria/load.js';
import { fixtureMeasurements } from '../measurements/fixture.test-data.js';
import type { CpuRatioMeasurement, MemoryGrowthMeasurement, ResourceMeasurements } from '../measurements/resources.js';
import { renderVerdictText } from '../report/render.js';
import { evaluateGate } from './evaluate.js';
import type { GateVerdict } from './types.js';

const MiB = 1024 * 1024;
const NOW = Date.now();
const BASE = `
version: 1
sample: { minPairs: 500 }
agreement: { min: 0.94 }
sideEffects: { maxUnexpected: 1000 }
`;

const ratio = (r: number | null, lower: number, upper: number, baseline: 'secondary' | 'live', n = 12): CpuRatioMeasurement => ({
  baseline,
  ratio: r,
  interval: r === null ? null : { lower, upper, confidence: 0.95, method: 'delta-log-t' },
  n,
  means: r === null ? null : { challenger: r * 0.1, baseline: 0.1 },
  reason: r === null ? `cpuRatio not judged: ${n} paired 60 s buckets (need 5)` : 'measured',
  warnings:
    baseline === 'live'
      ? ['baseline is live, not a secondary: the ratio also reflects the share of live traffic the challenger receives (sampling, ramp)']
      : [],
});

const growth = (target: string, slope: number | null, lower: number, upper: number, n = 40, durationMs = 3_600_000): MemoryGrowthMeasurement => ({
  target,
  slopeBytesPerHour: slope,
  interval: slope === null ? null : { lower, upper, confidence: 0.95, method: 'sen' },
  n,
  durationMs,
  reason: slope === null ? `memory growth not judged: ${n} points (need 10)` : 'measured',
});

function resources(over: Partial<ResourceMeasurements> = {}): ResourceMeasurements {
  return {
    service: 'pricing',
    window: { fromMs: NOW - 3_600_000, toMs: NOW },
    settings: { bucketMs: 60_000, minBuckets: 5, minPoints: 10, minDurationMs: 600_000, confidence: 0.95 },
    cpuRatio: { overLive: ratio(0.5, 0.45, 0.55, 'live'), overSecondary: ratio(1.1, 1.05, 1.15, 'secondary') },
    memoryGrowth: {
      challenger: [growth('cand:9000/metrics', 0.2 * MiB, -0.1 * MiB, 0.5 * MiB)],
      live: [growth('live:8000/metrics', 30 * MiB, 25 * MiB, 35 * MiB)],
    },
    ...over,
  };
}

function gate(extra: string, r: ResourceMeasurements | undefined): GateVerdict {
  const loaded = parseCriteria(`${BASE}${extra}`, 'criteria.yaml');
  return evaluateGate(loaded.criteria, { ...fixtureMeasurements(), ...(r === undefined ? {} : { resources: r }) });
}

const results = (v: GateVerdict) => v.results.filter((x) => x.criterion.startsWith('resources.')).map((x) => [x.scope, x.criterion, x.outcome, x.judged]);

describe('resource criteria', () => {
  it('CPU ratio: against the secondary by default when there is one, judged on the upper bound', () => {
    expect(results(gate('resources: { cpuRatio: { max: 1.2 } }', resources()))).toEqual([['overall', 'resources.cpuRatio', 'pass', 1.15]]);
    const tight = gate('resources: { cpuRatio: { max: 1.12 } }', resources());
    expect(results(tight)).toEqual([['overall', 'resources.cpuRatio', 'fail', 1.15]]);
    expect(tight.verdict).toBe('fail');
    expect(tight.reasons[0]).toMatch(/CPU ratio over the secondary 1\.100x \(95% CI 1\.050x \.\. 1\.150x, n=12\): upper bound 1\.150x > 1\.120x/);
    // the estimate instead of the bound
    expect(results(gate('resources: { cpuRatio: { max: 1.12, judgeOn: estimate } }', resources()))).toEqual([['overall', 'resources.cpuRatio', 'pass', 1.1]]);
  });

  it('CPU ratio against live (asked for, or without a secondary) carries the warning', () => {
    const v = gate('resources: { cpuRatio: { max: 1, against: live } }', resources());
    expect(results(v)).toEqual([['overall', 'resources.cpuRatio', 'pass', 0.55]]);
    expect(v.warnings.join('\n')).toMatch(/resources\.cpuRatio: baseline is live/);
    const noSecondary = resources({ cpuRatio: { overLive: ratio(0.5, 0.45, 0.55, 'live'), overSecondary: null } });
    expect(results(gate('resources: { cpuRatio: { max: 1 } }', noSecondary))).toEqual([['overall', 'resources.cpuRatio', 'pass', 0.55]]);
    const v2 = gate('resources: { cpuRatio: { max: 1, against: secondary } }', noSecondary);
    expect(results(v2)).toEqual([['overall', 'resources.cpuRatio', 'insufficient', null]]);
    expect(v2.verdict).toBe('insufficient');
    expect(v2.exitCode).toBe(2);
    expect(v2.reasons[0]).toMatch(/no secondary answered/);
  });

  it('memory growth: every process of the challenger; a process above the bound fails, too few points is insufficient', () => {
    expect(results(gate('resources: { memoryGrowth: { maxBytesPerHour: 1048576 } }', resources()))).toEqual([
      ['challenger cand:9000/metrics', 'resources.memoryGrowth', 'pass', 0.5 * MiB],
    ]);
    const both = gate('resources: { memoryGrowth: { maxBytesPerHour: 1048576, side: both } }', resources());
    expect(results(both)).toEqual([
      ['challenger cand:9000/metrics', 'resources.memoryGrowth', 'pass', 0.5 * MiB],
      ['live live:8000/metrics', 'resources.memoryGrowth', 'fail', 35 * MiB],
    ]);
    expect(renderVerdictText(both)).toMatch(
      /memory growth 30\.00 MiB\/h \(95% CI 25\.00 MiB\/h \.\. 35\.00 MiB\/h, n=40\): upper bound 35\.00 MiB\/h > 1\.00 MiB\/h/,
    );
    const few = resources({ memoryGrowth: { challenger: [growth('a', null, 0, 0, 4)], live: [] } });
    const v = gate('resources: { memoryGrowth: { maxBytesPerHour: 1048576 } }', few);
    expect(v.verdict).toBe('insufficient');
    expect(v.reasons[0]).toMatch(/4 points \(need 10\)/);
    // the criteria's own minimum span, whatever the measurement was made with
    const short = resources({ memoryGrowth: { challenger: [growth('a', 0, -1, 1, 40, 120_000)], live: [] } });
    expect(gate('resources: { memoryGrowth: { maxBytesPerHour: 1048576, minDuration: 5m } }', short).reasons[0]).toMatch(/2m of samples \(need 5m\)/);
  });

  it('not measured at all, or no process scraped, is insufficient (exit 2) naming why', () => {
    const v = gate('resources: { cpuRatio: { max: 1.2 }, memoryGrowth: { maxBytesPerHour: 1 } }', undefined);
    expect(results(v).map((r) => r[2])).toEqual(['insufficient', 'insufficient']);
    expect(v.exitCode).toBe(2);
    expect(v.reasons.join('\n')).toMatch(/resources not measured/);
    const none = gate('resources: { memoryGrowth: { maxBytesPerHour: 1 } }', resources({ memoryGrowth: { challenger: [], live: [] } }));
    expect(none.reasons[0]).toMatch(/no resident memory samples of the challenger \(service pricing\)/);
  });

  it('a failing resource criterion fails a gate that otherwise passes; the criteria refuse unknown and empty sections', () => {
    expect(gate('resources: { cpuRatio: { max: 1.2 } }', resources()).verdict).toBe('pass');
    expect(gate('resources: { cpuRatio: { max: 1.0 } }', resources()).verdict).toBe('fail');
    expect(() => parseCriteria(`${BASE}resources: {}`, 'c.yaml')).toThrow(/resources.*set cpuRatio, memoryGrowth or both/);
    expect(() => parseCriteria(`${BASE}resources: { cpuRatio: { max: 1, agaisnt: live } }`, 'c.yaml')).toThrow(/resources\.cpuRatio/);
    expect(() => parseCriteria(`${BASE}resources: { cpuRatio: { max: 1, against: staging } }`, 'c.yaml')).toThrow(/resources\.cpuRatio\.against/);
    expect(() => parseCriteria(`${BASE}resources: { memoryGrowth: { maxBytesPerHour: -1 } }`, 'c.yaml')).toThrow(/resources\.memoryGrowth\.maxBytesPerHour/);
  });
});
