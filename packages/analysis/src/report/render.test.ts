import { describe, expect, it } from 'vitest';
import { parseCriteria } from '../criteria/load.js';
import { evaluateGate } from '../gate/evaluate.js';
import { fixtureMeasurements } from '../measurements/fixture.test-data.js';
import { buildReport } from './build.js';
import { renderReportJson, renderReportMarkdown, renderReportText, renderVerdictJson, renderVerdictMarkdown, renderVerdictText } from './render.js';

const report = buildReport(fixtureMeasurements(), { excludeRoutes: ['GET /health'] });
const loaded = parseCriteria(
  'version: 1\nname: pricing\nsample: { minPairs: 500 }\nagreement: { min: 0.95 }\nroutes:\n  GET /users/:id: { agreement: { min: 0.9 } }\n',
  'gate.yaml',
);
const verdict = evaluateGate(loaded.criteria, fixtureMeasurements(), { criteriaSha256: loaded.sha256, criteriaSource: loaded.source });

const lines = (s: string) => s.split('\n');

describe('report renderers', () => {
  it('text: fixed-width tables with the key numbers and no colour codes by default', () => {
    const text = renderReportText(report);
    expect(text).not.toContain('\u001b[');
    const l = lines(text);
    expect(l).toContain('  agreement 96.20% [94.83% .. 97.22%] (95% Wilson)');
    expect(l.find((x) => x.trimStart().startsWith('p99 '))).toMatch(/^ {2}p99 +100\.0 ms +110\.0 ms +\+10\.0 ms +\+9\.\d+ ms \.\. \+10\.\d ms$/);
    expect(l).toContain('  $.user.tier          30  ex-tier-1');
    expect(l).toContain('Noise, not counted (overall): live and the secondary differ here too');
    expect(l).toContain('  POST    payments:443  /v1/charges      3  ex-charge-1');
    expect(l.some((x) => /^ {2}GET \/users\/:id +600 +93\.33% +91\.05% \.\. 95\.07%/.test(x))).toBe(true);
    // Every row of a table is as wide as its rule (fixed-width columns).
    const rule = l.findIndex((x) => x.startsWith('  --------  '));
    expect(l[rule - 1]?.trimEnd().length).toBeLessThanOrEqual((l[rule] ?? '').length);
  });

  it('markdown: headings and pipe tables', () => {
    const md = renderReportMarkdown(report);
    expect(md).toContain('### Shadow report: pricing-v2');
    expect(md).toContain('| p99 | 100.0 ms | 110.0 ms | +10.0 ms |');
    expect(md).toContain('| --- | ---: | ---: | ---: | ---: |');
    expect(md).toContain('| $.user.tier | 30 | ex-tier-1 |');
  });

  it('json: the report as plain data', () => {
    const back = JSON.parse(renderReportJson(report)) as typeof report;
    expect(back.reportVersion).toBe(1);
    expect(back.overall.agreement.lower).toBeCloseTo(0.948273, 6);
    expect(back.routes).toHaveLength(2);
  });
});

describe('verdict renderers', () => {
  it('text: verdict, exit code, why, and one row per criterion', () => {
    const l = lines(renderVerdictText(verdict));
    expect(l[0]).toBe('Shadow gate: FAIL (exit 1)');
    expect(l).toContain('Why it fails');
    expect(l).toContain('  overall agreement: agreement 96.20% (95% CI 94.83% .. 97.22%, n=1,000): lower bound 94.83% < 95.00%');
    expect(l.some((x) => /^ {2}FAIL +overall +agreement +96\.20% +94\.83% \.\. 97\.22% +lower bound +>= 95\.00%$/.test(x))).toBe(true);
    expect(l.some((x) => /^ {2}PASS +GET \/users\/:id +agreement +93\.33%/.test(x))).toBe(true);
    expect(l.find((x) => x.includes('criteria pricing'))).toContain(`sha256 ${loaded.sha256.slice(0, 12)}`);
  });

  it('text: colours outcomes only when asked', () => {
    expect(renderVerdictText(verdict, { color: true })).toContain('\u001b[31mFAIL\u001b[0m');
  });

  it('markdown: a table for a CI comment', () => {
    const md = renderVerdictMarkdown(verdict);
    expect(md.startsWith('### Shadow gate: FAIL (exit 1)\n')).toBe(true);
    expect(md).toContain('| FAIL | overall | agreement | 96.20% | 94.83% .. 97.22% | lower bound | >= 95.00% |');
  });

  it('json: verdict, exit code and results', () => {
    const back = JSON.parse(renderVerdictJson(verdict)) as typeof verdict;
    expect(back).toMatchObject({ verdict: 'fail', exitCode: 1 });
    expect(back.results.find((r) => r.criterion === 'agreement' && r.scope === 'overall')?.judged).toBeCloseTo(0.948273, 6);
  });
});
