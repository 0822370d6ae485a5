// The evaluator's loop logic with in-memory sources and a fake clock (the real-ClickHouse, real
// webhook and real control-topic run is test/alerts.test.ts).
import type { Measurements, MeasurementQuery } from '@shadow/analysis';
import { describe, expect, it } from 'vitest';
import type { SeriesQuery, TargetSeries } from '../store/clickhouse-samples.js';
import type { AlertsConfigInput } from './config.js';
import { createAlertEvaluator, type AlertEvent } from './evaluator.js';
import { measured } from './fixtures.test-data.js';

function harness(rules: AlertsConfigInput['rules'], pauseFails = 0) {
  let clock = Date.now();
  let agreed = 1000;
  let failReads = false;
  const queries: MeasurementQuery[] = [];
  const events: AlertEvent[] = [];
  const logs: { level: string; msg: string }[] = [];
  const pauses: string[] = [];
  let failuresLeft = pauseFails;
  const log = (level: string) => (_obj: object, msg?: string) => logs.push({ level, msg: msg ?? '' });
  const evaluator = createAlertEvaluator({
    config: { service: 'pricing', challengers: [{ id: 'cand' }, { id: 'cand2' }, { id: 'sec', role: 'secondary' }], rules },
    sources: {
      async measurements(q: MeasurementQuery): Promise<Measurements> {
        queries.push(q);
        if (failReads) throw new Error('connection refused');
        return measured(q.challengerId, { pairs: 1000, agreed: q.challengerId === 'cand' ? agreed : 1000 });
      },
      async series(_q: SeriesQuery): Promise<TargetSeries[]> {
        return [];
      },
    },
    pause: async ({ service, reason }) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('broker down');
      }
      pauses.push(`${service}: ${reason}`);
    },
    hooks: { onTransition: (e) => events.push(e) },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => clock,
  });
  return {
    evaluator,
    queries,
    events,
    logs,
    pauses,
    now: () => clock,
    set agreed(v: number) {
      agreed = v;
    },
    set failReads(v: boolean) {
      failReads = v;
    },
    tick: async (ms = 15_000) => {
      clock += ms;
      return evaluator.evaluateOnce();
    },
  };
}

describe('createAlertEvaluator', () => {
  it('one rule instance per candidate; one measurement per challenger per evaluation, shared by the rules', async () => {
    const h = harness([
      { name: 'agree', kind: 'agreement', min: 0.95 },
      { name: 'errors', kind: 'error-rate', max: 0.1 },
      { name: 'slow', kind: 'latency-ratio', max: 2 },
    ]);
    const results = await h.tick();
    expect(results.map((r) => `${r.rule}/${r.challengerId}`)).toEqual(['agree/cand', 'agree/cand2', 'errors/cand', 'errors/cand2', 'slow/cand', 'slow/cand2']);
    expect(h.queries.map((q) => q.challengerId).sort()).toEqual(['cand', 'cand2', 'sec']);
    expect(h.queries[0]).toMatchObject({ latencyQuantiles: [0.99], topDifferences: 0, businessMetrics: [] });
    expect(h.queries[0]?.window?.toMs).toBe(h.now());
    expect((h.queries[0]?.window?.toMs ?? 0) - (h.queries[0]?.window?.fromMs ?? 0)).toBe(300_000);
  });

  it('fires once over many evaluations, resolves once, logs each at error level, pauses once', async () => {
    const h = harness([{ name: 'agree', kind: 'agreement', min: 0.95, resolveAt: 0.97, actions: ['pause'] }]);
    await h.tick();
    h.agreed = 900;
    for (let i = 0; i < 5; i++) await h.tick();
    expect(h.evaluator.anyFiring('cand')).toBe(true);
    expect(h.evaluator.anyFiring('cand2')).toBe(false);
    h.agreed = 965; // inside the band: still firing
    await h.tick();
    expect(h.evaluator.anyFiring()).toBe(true);
    h.agreed = 1000;
    for (let i = 0; i < 3; i++) await h.tick();
    expect(h.events.map((e) => `${e.alert}/${e.challengerId}:${e.state}`)).toEqual(['agree/cand:firing', 'agree/cand:resolved']);
    expect(h.events[1]?.firedAt).toBe(h.events[0]?.at);
    expect(h.evaluator.firedCount).toBe(1);
    expect(h.pauses).toEqual([expect.stringMatching(/^pricing: alert agree on cand fired: agreement lower 95% bound \(900\/1000\)/)]);
    expect(h.logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      expect.stringMatching(/^alert agree on cand firing: /),
      'mirroring paused for pricing by alert agree',
      expect.stringMatching(/^alert agree on cand resolved: /),
    ]);
  });

  it('a pause that fails is tried again at the next evaluations while the alert fires', async () => {
    const h = harness([{ name: 'agree', kind: 'agreement', min: 0.95, actions: ['pause'], pauseService: '*' }], 2);
    h.agreed = 900;
    await h.tick();
    await h.tick();
    expect(h.pauses).toEqual([]);
    await h.tick();
    await h.tick();
    expect(h.pauses).toHaveLength(1);
    expect(h.pauses[0]).toMatch(/^\*: /);
    expect(h.logs.filter((l) => /pause by alert agree failed/.test(l.msg))).toHaveLength(2);
  });

  it('a failed read decides nothing: a firing alert keeps firing, logged once per evaluation', async () => {
    const h = harness([{ name: 'agree', kind: 'agreement', min: 0.95 }]);
    h.agreed = 900;
    await h.tick();
    h.failReads = true;
    const results = await h.tick();
    expect(results.map((r) => r.condition)).toEqual(['insufficient', 'insufficient']);
    expect(h.evaluator.anyFiring('cand')).toBe(true);
    expect(h.logs.filter((l) => l.level === 'warn' && /alert read failed/.test(l.msg))).toHaveLength(2); // cand and cand2
    expect(h.events).toHaveLength(1);
  });

  it('refuses a pause action without a kill switch, naming the rule', () => {
    expect(() =>
      createAlertEvaluator({
        config: { service: 'pricing', challengers: [{ id: 'cand' }], rules: [{ name: 'a', kind: 'agreement', min: 0.9, actions: ['pause'] }] },
        sources: { measurements: async () => measured('cand'), series: async () => [] },
      }),
    ).toThrow(/alerts\.rules\[0\]\.actions: pause needs a kill switch/);
  });
});
