// A replay run's report states first what the run was: exchanges in the window, replayed, paired,
// unmatched by reason (issue 15), in text, Markdown and JSON.
import { describe, expect, it } from 'vitest';
import { fixtureMeasurements } from '../measurements/fixture.test-data.js';
import { buildReport } from './build.js';
import { renderReportJson, renderReportMarkdown, renderReportText } from './render.js';
import type { Report } from './types.js';

const run: NonNullable<Report['run']> = {
  runId: 'incident-42',
  state: 'completed',
  landed: true,
  partitions: 6,
  drainedPartitions: 6,
  exchangesInWindow: 140,
  replayed: 138,
  failed: 2,
  paired: 137,
  unmatched: { no_result: 1 },
};

describe('the run section of a report', () => {
  it('comes first and states the window, replayed, paired and unmatched by reason', () => {
    const report: Report = { ...buildReport(fixtureMeasurements()), run };
    const text = renderReportText(report, { color: false });
    const section = text.slice(text.indexOf('Replay run incident-42'));
    expect(text.indexOf('Replay run incident-42')).toBeLessThan(text.indexOf('Summary (overall)'));
    expect(section).toContain('landed: every result of the run is in');
    expect(section).toContain('exchanges in the window 140, replayed to this challenger 138 (2 with an error)');
    expect(section).toContain('paired 137, unmatched 1 (no_result 1)');
    expect(renderReportMarkdown(report)).toContain('paired 137, unmatched 1 (no_result 1)');
    expect(JSON.parse(renderReportJson(report)).run).toEqual(run);
  });

  it('says when the run has not landed yet', () => {
    const text = renderReportText(
      { ...buildReport(fixtureMeasurements()), run: { ...run, landed: false, state: 'running', drainedPartitions: 2 } },
      { color: false },
    );
    expect(text).toContain('running, 2 of 6 partitions landed');
  });

  it('a report without a run has no run section', () => {
    expect(renderReportText(buildReport(fixtureMeasurements()), { color: false })).not.toContain('Replay run');
  });
});
