// The joiner's `watch` section: absent by default, docs/watch.md's example read as a JOINER_CONFIG
// file, and every bad field (the schema's, @shadow/watch's cross-field rules, the joiner's own)
// named by its full path at start-up.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };
const dir = mkdtempSync(join(tmpdir(), 'joiner-watch-config-'));
let files = 0;

function file(text: string): string {
  const path = join(dir, `joiner-${files++}.yaml`);
  writeFileSync(path, text);
  return path;
}

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const example = (): string => {
  const found = /```yaml\n(# joiner-watch\.yaml[^\n]*\n[\s\S]*?)```/.exec(readFileSync(join(import.meta.dirname, '../../../../docs/watch.md'), 'utf8'))?.[1];
  if (found === undefined) throw new Error('docs/watch.md has no joiner-watch.yaml example');
  return found;
};

describe('joiner config: watch', () => {
  it('is empty by default: nothing of the watch runs', () => {
    expect(loadConfig({ ...base, JOINER_CHALLENGERS: 'a' }).watch).toEqual({});
  });

  it("docs/watch.md's example is a valid JOINER_CONFIG file, resolved by @shadow/watch", () => {
    const c = loadConfig({ ...base, JOINER_CONFIG: file(example()), SHADOW_WEBHOOK_TOKEN: 'Bearer t' });
    expect(c.watch.scrape?.targets).toHaveLength(3);
    expect(c.watch.scrape?.timeoutMs).toBe(5000);
    expect(c.watch.alerts?.config.rules.map((r) => r.name)).toEqual(['agreement-low', 'cpu-ratio-high', 'live-p99-high']);
    expect(c.watch.alerts?.webhookHeaders).toEqual({ authorization: 'Bearer t' });
    expect(c.watch.ramp).toMatchObject({ service: 'pricing', steps: [0.01, 0.1, 0.5, 1], onAlert: 'previous', intervalMs: 15_000 });
  });

  it('a part set by a variable alone is read, and its missing required fields are named', () => {
    expect(loadConfig({ ...base, JOINER_CHALLENGERS: 'a', JOINER_WATCH_RAMP_SERVICE: 'pricing' }).watch.ramp?.steps).toEqual([0.01, 0.1, 0.5, 1]);
    expect(problems({ JOINER_CHALLENGERS: 'a', JOINER_WATCH_ALERTS_SERVICE: 'pricing' })).toEqual([
      'watch.alerts.challengers (JOINER_WATCH_ALERTS_CHALLENGERS): required (not set)',
      'watch.alerts.rules (JOINER_WATCH_ALERTS_RULES): required (not set)',
    ]);
  });

  it('names every bad field by its full path: schema, cross-field rules and the joiner limits, at once', () => {
    const p = problems({
      SHADOW_WEBHOOK_TOKEN: 'x',
      JOINER_CONFIG: file(`challengers: [cand, sec]
watch:
  scrape:
    intervalMs: 500
    timeoutMs: 600
    targets: [{ url: "ftp://x/metrics", side: live, service: pricing }, { url: "http://a:1/metrics", side: challenger, service: pricing }]
  alerts:
    service: pricing
    challengers: [{ id: cand, role: candidate }, { id: other, role: secondary }]
    intervalMs: 200
    rules:
      - { name: agreement-low, kind: agreement, min: 0.9, resolveAt: 0.8 }
      - { name: agreement-low, kind: agreement, min: 1.5 }
      - { name: bad, kind: nope }
  ramp: { service: pricing, steps: [0.5, 0.1], onAlert: sideways, bogus: 1 }
`),
    });
    const has = (prefix: string): void => {
      expect(
        p.some((line) => line.startsWith(prefix)),
        `${prefix} in\n${p.join('\n')}`,
      ).toBe(true);
    };
    has('watch.scrape.targets[0].url');
    has('watch.scrape.targets[1].challengerId');
    has('watch.alerts.rules[1].min');
    has('watch.alerts.rules[2]');
    has('watch.ramp.onAlert');
    has('watch.ramp.bogus: unknown field');
    // Schema errors are reported first; fix them and the cross-field rules and limits follow.
    const second = problems({
      JOINER_CONFIG: file(`challengers: [cand, sec]
watch:
  scrape: { intervalMs: 500, timeoutMs: 600, targets: [{ url: "http://a:1/metrics", side: live, service: pricing }] }
  alerts:
    service: pricing
    challengers: [{ id: cand, role: candidate }, { id: other, role: secondary }]
    intervalMs: 200
    rules:
      - { name: agreement-low, kind: agreement, min: 0.9, resolveAt: 0.8 }
      - { name: agreement-low, kind: agreement, min: 0.8 }
  ramp: { service: pricing, steps: [0.5, 0.1], intervalMs: 100 }
`),
    });
    expect(second).toEqual(
      expect.arrayContaining([
        'watch.scrape.timeoutMs: must be below watch.scrape.intervalMs (500), got 600',
        expect.stringMatching(/^watch\.alerts\.rules\[0\]\.resolveAt: must be >= the threshold \(0\.9\)/),
        expect.stringMatching(/^watch\.alerts\.rules\[1\]\.name: agreement-low already used by watch\.alerts\.rules\[0\]/),
        expect.stringMatching(/^watch\.ramp\.steps\[1\]: must be above watch\.ramp\.steps\[0\]/),
        expect.stringMatching(/^watch\.scrape\.intervalMs: must be at least 1000 in the joiner/),
        expect.stringMatching(/^watch\.alerts\.intervalMs: must be at least 1000 in the joiner/),
        expect.stringMatching(/^watch\.ramp\.intervalMs: must be at least 1000 in the joiner/),
        'watch.alerts.challengers[1].id: other is not one of challengers (cand, sec)',
      ]),
    );
  });

  it('a bad JSON rule list in the variable is named by the variable and the path', () => {
    const p = problems({
      JOINER_CHALLENGERS: 'a',
      JOINER_WATCH_ALERTS_SERVICE: 'pricing',
      JOINER_WATCH_ALERTS_CHALLENGERS: '[{"id":"a"}]',
      JOINER_WATCH_ALERTS_RULES: '[{"name":"x","kind":"agreement","min":2}]',
    });
    expect(p.some((line) => line.startsWith('JOINER_WATCH_ALERTS_RULES (watch.alerts.rules[0].min)') || line.startsWith('watch.alerts.rules[0].min'))).toBe(
      true,
    );
  });
});
