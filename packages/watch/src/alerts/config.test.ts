import { describe, expect, it } from 'vitest';
import { resolveAlertsConfig } from './config.js';

const valid = {
  service: 'pricing',
  challengers: [{ id: 'cand' }, { id: 'sec', role: 'secondary' }],
  rules: [{ name: 'agreement-low', kind: 'agreement', min: 0.95, resolveAt: 0.97 }],
};

function problemsOf(input: unknown, env: Record<string, string> = {}): string[] {
  try {
    resolveAlertsConfig(input, { env });
  } catch (error) {
    expect(error).toMatchObject({ code: 'WATCH_INVALID_CONFIG', name: 'WatchError' });
    return [...(error as { problems: string[] }).problems];
  }
  return [];
}

describe('resolveAlertsConfig', () => {
  it('fills defaults and freezes', () => {
    const { config, warnings } = resolveAlertsConfig(valid, { env: {} });
    expect(config).toMatchObject({
      intervalMs: 15_000,
      windowMs: 300_000,
      lagMs: 0,
      challengers: [
        { id: 'cand', role: 'candidate' },
        { id: 'sec', role: 'secondary' },
      ],
    });
    expect(config.rules[0]).toMatchObject({ severity: 'critical', confidence: 0.95, forMs: 0, resolveForMs: 0, actions: [] });
    expect(Object.isFrozen(config.rules[0])).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('names every bad field by its full path at once', () => {
    const problems = problemsOf({
      service: 'pricing',
      intervalMs: 5,
      challengers: [{ id: 'cand' }, { id: 'cand' }, { id: 'bad id!' }],
      webhook: { url: 'ftp://x', retries: -1 },
      rules: [
        { name: 'a', kind: 'agreement', min: 1.5 },
        { name: 'b', kind: 'latency-ratio', max: 2, resolveAt: 3, challenger: 'nobody' },
        { name: 'c', kind: 'live-latency', maxMs: 100, source: 'metric' },
        { name: 'c', kind: 'error-rate', max: 0.1, typo: true },
        { name: 'd', kind: 'teleport' },
        { name: 'e', kind: 'agreement', min: 0.9, resolveAt: 0.8, pauseService: 'x' },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^alerts\.intervalMs: .*got 5$/),
        expect.stringMatching(/^alerts\.challengers\[2\]\.id: must be a challenger id/),
        expect.stringMatching(/^alerts\.webhook\.url: must be an http:\/\/ or https:\/\/ URL/),
        expect.stringMatching(/^alerts\.webhook\.retries: /),
        expect.stringMatching(/^alerts\.rules\[0\]\.min: .*got 1\.5$/),
        expect.stringMatching(/^alerts\.rules\[3\]\.typo: unknown field \(accepted: name, severity, challenger/),
        expect.stringMatching(/^alerts\.rules\[4\]\.kind: /),
      ]),
    );
  });

  it('cross-field rules name their field once the shapes are right', () => {
    const problems = problemsOf({
      service: 'pricing',
      challengers: [{ id: 'cand' }, { id: 'cand' }, { id: 's1', role: 'secondary' }, { id: 's2', role: 'secondary' }],
      webhook: { url: 'http://127.0.0.1:1/hook', headers: { Authorization: { env: 'HOOK_TOKEN' }, Host: { value: 'x' }, 'x-both': { env: 'A', value: 'b' } } },
      rules: [
        { name: 'b', kind: 'latency-ratio', max: 2, resolveAt: 3, challenger: 'nobody' },
        { name: 'c', kind: 'live-latency', maxMs: 100, source: 'metric' },
        { name: 'c', kind: 'error-rate', max: 0.1 },
        { name: 'e', kind: 'agreement', min: 0.9, resolveAt: 0.8, pauseService: 'x' },
        { name: 'f', kind: 'live-latency', maxMs: 100, challenger: 'cand' },
      ],
    });
    expect(problems).toEqual([
      'alerts.challengers[1].id: cand already listed at alerts.challengers[0]',
      'alerts.challengers: at most one secondary (the baseline), got s1, s2',
      'alerts.rules[0].challenger: not a candidate of alerts.challengers (candidates: cand, cand)',
      'alerts.rules[0].resolveAt: must be <= the threshold (2) for a rule that fires above it, got 3',
      'alerts.rules[1].metric: required when source is metric',
      'alerts.rules[2].name: c already used by alerts.rules[1]',
      'alerts.rules[3].resolveAt: must be >= the threshold (0.9) for a rule that fires below it, got 0.8',
      'alerts.rules[3].pauseService: only with actions [pause]',
      'alerts.rules[4].challenger: a live-latency rule watches live, not a challenger',
      'alerts.webhook.headers.Authorization.env: the variable HOOK_TOKEN is not set',
      'alerts.webhook.headers.Host: set by the webhook client, cannot be configured',
      'alerts.webhook.headers.x-both: exactly one of env or value',
    ]);
  });

  it('reads webhook header secrets from the environment, never from the file', () => {
    const { webhookHeaders } = resolveAlertsConfig(
      { ...valid, webhook: { url: 'https://hooks.example/x', headers: { Authorization: { env: 'HOOK_TOKEN' }, 'x-team': { value: 'payments' } } } },
      { env: { HOOK_TOKEN: 'Bearer s3cret' } },
    );
    expect(webhookHeaders).toEqual({ Authorization: 'Bearer s3cret', 'x-team': 'payments' });
    expect(problemsOf({ ...valid, webhook: { url: 'https://hooks.example/x', headers: { 'x-a': { env: 'V' } } } }, { V: 'a\r\nInjected: 1' })).toEqual([
      'alerts.webhook.headers.x-a.env: the value of V contains CR, LF or NUL',
    ]);
    expect(problemsOf({ ...valid, webhook: { url: 'https://user:pw@hooks.example/x' } })[0]).toMatch(
      /^alerts\.webhook\.url: must be an http:\/\/ or https:\/\/ URL without credentials/,
    );
  });

  it('warns (does not refuse) a ratio rule without a secondary and a pause on pair-measured live latency', () => {
    const { warnings } = resolveAlertsConfig(
      {
        service: 'pricing',
        challengers: [{ id: 'cand' }],
        rules: [
          { name: 'slow', kind: 'latency-ratio', max: 1.5 },
          { name: 'live-slow', kind: 'live-latency', maxMs: 300, actions: ['pause'] },
        ],
      },
      { env: {} },
    );
    expect(warnings).toEqual([
      'alerts.rules[0]: no secondary in alerts.challengers; latency-ratio compares with live, which also counts the share of traffic the challenger receives',
      "alerts.rules[1]: pauses on live's latency measured on pairs; while paused no pairs arrive and it cannot resolve by itself (source metric can)",
    ]);
  });
});
