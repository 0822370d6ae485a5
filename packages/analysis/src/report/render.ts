// Report and gate verdict as text (terminal), Markdown (CI comment) and JSON (machines).

import { formatDuration } from '../criteria/duration.js';
import type { CriterionResult, GateVerdict } from '../gate/types.js';
import type { DifferenceInterval, ProportionInterval } from '../stats/types.js';
import { describeConditions } from './build.js';
import { formatBytesPerHour, formatCount, formatFactor, formatMs, formatNumber, formatPercent, formatPoints, formatSignedMs } from './format.js';
import { renderMarkdown, renderText, type Doc, type Section, type TextOptions } from './layout.js';
import type { CpuRatioMeasurement, MemoryGrowthMeasurement, ResourceMeasurements } from '../measurements/resources.js';
import type { Report, ReportScope } from './types.js';

export type { TextOptions } from './layout.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function ci(p: { lower: number | null; upper: number | null }, fmt: (x: number | null) => string): string {
  return `${fmt(p.lower)} .. ${fmt(p.upper)}`;
}

function proportion(p: ProportionInterval): string {
  return p.estimate === null ? '- (no pairs)' : `${formatPercent(p.estimate)} [${ci(p, formatPercent)}]`;
}

function difference(d: DifferenceInterval): string {
  return d.estimate === null ? '-' : `${formatPoints(d.estimate)} [${ci(d, formatPoints)}]`;
}

function header(r: { challengerId: string; runId: string | null; window: Report['window']; observed: Report['observed'] }): string[] {
  const lines = [`challenger ${r.challengerId}${r.runId === null ? '' : `, replay run ${r.runId}`}`];
  if (r.window !== null) lines.push(`window ${iso(r.window.fromMs)} .. ${iso(r.window.toMs)}`);
  lines.push(
    r.observed === null
      ? 'no pairs observed'
      : `observed ${iso(r.observed.firstMs)} .. ${iso(r.observed.lastMs)} (${formatDuration(r.observed.lastMs - r.observed.firstMs)})`,
  );
  return lines;
}

/** How the report names the measured challenger's columns: by its role. */
const sideOf = (role: string): string => (role === 'secondary' ? 'secondary' : 'candidate');

const CAUSE_WORDS: Record<string, string> = { sandbox_answer: 'answered by the sandbox', read_after_live_write: "read forwarded after live's write" };

function scopeSections(s: ReportScope, confidence: number, detailed: boolean, side: string): Section[] {
  const where = s.scope === 'overall' ? 'overall' : s.scope;
  const conf = `${Math.round(confidence * 100)}%`;
  const sections: Section[] = [];
  const sandbox = s.sandboxInduced;
  const sandboxApart = sandbox !== null && sandbox.pairs > 0 && !sandbox.counted;
  if (detailed) {
    const set = sandboxApart ? ` (${formatCount(s.status.sandboxInducedMismatches)} of them sandbox-induced)` : '';
    sections.push({
      title: `Summary (${where})`,
      lines: [
        `pairs ${formatCount(s.pairs)}`,
        `agreement ${proportion(s.agreement)} (${conf} Wilson)${sandboxApart && sandbox.leftOutOfAgreement > 0 ? `, ${formatCount(sandbox.leftOutOfAgreement)} sandbox-induced pairs left out` : ''}`,
        `status mismatches ${formatCount(s.status.mismatchedPairs)} pairs${set}`,
        `errors live ${proportion(s.errors.live)}, ${side} ${proportion(s.errors.candidate)}, difference ${difference(s.errors.difference)}`,
      ],
    });
    const bySecondary = s.latency[0]?.baseline === 'secondary';
    sections.push({
      title: `Latency (${where}), ${side} against ${bySecondary ? 'the secondary (same replay, same exchanges)' : 'live'}`,
      table: bySecondary
        ? {
            headers: ['quantile', 'live', 'secondary', side, `${side} - secondary`, `${conf} CI`],
            align: ['left', 'right', 'right', 'right', 'right', 'right'],
            rows: s.latency.map((l) => [
              l.label,
              formatMs(l.liveMs),
              formatMs(l.secondaryMs),
              formatMs(l.candidateMs),
              formatSignedMs(l.deltaMs),
              l.deltaInterval === null ? '-' : ci(l.deltaInterval, formatSignedMs),
            ]),
          }
        : {
            headers: ['quantile', 'live', side, `${side} - live`, `${conf} CI`],
            align: ['left', 'right', 'right', 'right', 'right'],
            rows: s.latency.map((l) => [
              l.label,
              formatMs(l.liveMs),
              formatMs(l.candidateMs),
              formatSignedMs(l.deltaMs),
              l.deltaInterval === null ? '-' : ci(l.deltaInterval, formatSignedMs),
            ]),
          },
    });
  }
  if (s.judge !== null) sections.push(judgeSection(s.judge, where, conf, side));
  const mismatches = s.status.cells.filter((c) => c.live !== c.candidate);
  if (detailed || mismatches.length > 0) {
    sections.push({
      title: `Status codes, live vs ${side} (${where})`,
      table: {
        headers: ['live', side, 'pairs', ''],
        align: ['right', 'right', 'right', 'left'],
        rows: s.status.cells
          .filter((c) => detailed || c.live !== c.candidate)
          .map((c) => [
            c.live === 0 ? 'none' : String(c.live),
            c.candidate === 0 ? 'none' : String(c.candidate),
            formatCount(c.pairs),
            c.live === c.candidate ? '' : 'mismatch',
          ]),
      },
    });
  }
  const pathRows = (ps: ReportScope['paths']) => ps.map((p) => [p.path, formatCount(p.pairs), p.examplePairId]);
  if (detailed || s.paths.length > 0) {
    sections.push({
      title: `Differing JSON paths (${where})`,
      table: { headers: ['path', 'pairs', 'example pair'], align: ['left', 'right', 'left'], rows: pathRows(s.paths) },
    });
  }
  if (s.noisePaths.length > 0) {
    sections.push({
      title: `Noise, not counted (${where}): live and the secondary differ here too`,
      table: { headers: ['path', 'pairs', 'example pair'], align: ['left', 'right', 'left'], rows: pathRows(s.noisePaths) },
    });
  }
  if (s.excludedPaths.length > 0) {
    sections.push({
      title: `Excluded by the criteria (${where})`,
      table: { headers: ['path', 'pairs', 'example pair'], align: ['left', 'right', 'left'], rows: pathRows(s.excludedPaths) },
    });
  }
  if (sandbox !== null && sandbox.pairs > 0) {
    const counted = sandbox.counted
      ? 'counted (as asked)'
      : `not counted: left out of the error rate${sandbox.leftOutOfAgreement > 0 ? `, ${formatCount(sandbox.leftOutOfAgreement)} out of agreement` : ''}`;
    sections.push({
      title: `Sandbox-induced (${where}): the ${side} answered differently after the sandbox answered it as live never was`,
      lines: [
        `${formatCount(sandbox.pairs)} pairs, ${formatCount(sandbox.statusMismatches)} with another status; ${counted}; their side-effect differences count`,
      ],
      table: {
        headers: ['cause', 'call', 'answered', 'pairs', 'example pair'],
        align: ['left', 'left', 'left', 'right', 'left'],
        rows: sandbox.causes.map((c) => [
          CAUSE_WORDS[c.kind] ?? c.kind,
          c.key,
          `${c.disposition}${c.status > 0 ? ` ${c.status}` : ''}`,
          formatCount(c.pairs),
          c.examplePairId,
        ]),
      },
    });
  }
  if (s.sandboxPaths.length > 0 || s.sandboxHeaders.length > 0) {
    sections.push({
      title: `Differences of sandbox-induced pairs, not counted (${where})`,
      table: {
        headers: ['path', 'pairs', 'example pair'],
        align: ['left', 'right', 'left'],
        rows: [...pathRows(s.sandboxPaths), ...s.sandboxHeaders.map((h) => [`header:${h.header}`, formatCount(h.pairs), h.examplePairId])],
      },
    });
  }
  if (detailed || s.headers.length > 0 || s.noiseHeaders.length > 0) {
    sections.push({
      title: `Header differences (${where})`,
      table: {
        headers: ['header', 'pairs', 'example pair', ''],
        align: ['left', 'right', 'left', 'left'],
        rows: [...s.headers, ...s.noiseHeaders].map((h) => [h.header, formatCount(h.pairs), h.examplePairId, h.noise ? 'noise' : '']),
      },
    });
  }
  for (const [title, list] of [
    [`Side effects the ${side} makes and live does not`, s.sideEffects.candidateOnly],
    [`Side effects live makes and the ${side} does not`, s.sideEffects.liveOnly],
    ['Side effects both make with different payloads', s.sideEffects.payloadChanged],
  ] as const) {
    if (detailed || list.length > 0) {
      sections.push({
        title: `${title} (${where})`,
        table: {
          headers: ['method', 'target', 'path', 'pairs', 'example pair'],
          align: ['left', 'left', 'left', 'right', 'left'],
          rows: list.map((e) => [e.method, e.target, e.path, formatCount(e.pairs), e.examplePairId]),
        },
      });
    }
  }
  if (s.business.length > 0) {
    const rows: string[][] = [];
    for (const b of s.business) {
      if (b.kind === 'numeric') {
        rows.push([b.name, 'mean', formatNumber(b.liveMean), formatNumber(b.candidateMean), formatPercent(b.meanRelativeDiff), formatCount(b.pairs)]);
        for (const q of b.quantiles)
          rows.push([b.name, q.label, formatNumber(q.live), formatNumber(q.candidate), formatPercent(q.relativeDiff), formatCount(b.pairs)]);
      } else if (b.kind === 'decision') {
        const top = b.transitions
          .slice(0, 3)
          .map((t) => `${t.live}->${t.candidate} ${formatCount(t.pairs)}`)
          .join(', ');
        rows.push([b.name, 'flip rate', '', top, proportion(b.flipRate), formatCount(b.pairs)]);
      } else {
        rows.push([b.name, 'mean Jaccard', '', '', formatPercent(b.meanJaccard), formatCount(b.pairs)]);
        if (b.meanTopKOverlap !== null) rows.push([b.name, `top-${b.k ?? 'k'} overlap`, '', '', formatPercent(b.meanTopKOverlap), formatCount(b.pairs)]);
      }
    }
    sections.push({
      title: `Business metrics (${where})`,
      table: {
        headers: ['metric', 'statistic', 'live', side, 'difference / value', 'pairs'],
        align: ['left', 'left', 'right', 'right', 'right', 'right'],
        rows,
      },
    });
  }
  if (s.accuracy !== null) {
    sections.push({
      title: `Accuracy on labelled pairs (${where})`,
      lines: [
        `labelled pairs ${formatCount(s.accuracy.labelled)}${(s.accuracy.unscored ?? 0) > 0 ? ` (${formatCount(s.accuracy.unscored ?? 0)} more labelled without kept answer bodies: not scored)` : ''}`,
        `live ${proportion(s.accuracy.live)}, ${side} ${proportion(s.accuracy.candidate)}`,
        `${side} - live ${difference(s.accuracy.difference)} (${conf} Newcombe, paired)`,
      ],
    });
  }
  return sections;
}

/** What the judges decided in a scope: agreement after them, their verdicts and skips, judging the judge, example reasons. */
function judgeSection(j: NonNullable<ReportScope['judge']>, where: string, conf: string, side: string): Section {
  const judged = j.equal + j.different + j.error;
  const errorKinds = j.errorKinds.map((k) => `${k.kind} ${formatCount(k.pairs)}`).join(', ');
  const lines = [
    `agreement after the judge ${proportion(j.agreementAfter)} (${conf} Wilson; pairs the judge skipped left out, its errors count as disagreements)`,
    `${formatCount(j.needed)} pairs needed a judge (${j.judges.join(', ') || '-'}): equal ${formatCount(j.equal)}, different ${formatCount(j.different)}, error ${formatCount(j.error)}${errorKinds === '' ? '' : ` (${errorKinds})`}`,
  ];
  if (j.notRun.length > 0)
    lines.push(
      `not judged: ${j.notRun.map((n) => `${n.reason} ${formatCount(n.pairs)}`).join(', ')} (their differences count before the judge, and are out of the after-judge trials)`,
    );
  if (judged > 0)
    lines.push(
      `judge error rate ${proportion(j.errorRate)}; cached ${formatPercent(j.cachedShare)}; latency p50 ${formatMs(j.latencyP50Ms)}, p90 ${formatMs(j.latencyP90Ms)} (not cached); tokens ${formatCount(j.tokens)}`,
    );
  if (j.falseDifferenceRate.trials > 0)
    lines.push(
      `judging the judge: live vs the secondary called different in ${proportion(j.falseDifferenceRate)} of ${formatCount(j.falseDifferenceRate.trials)} audits (its false-difference rate: the truth is equal)`,
    );
  if (j.referenceAgreement.trials > 0)
    lines.push(`reference judge agreed on ${proportion(j.referenceAgreement)} of ${formatCount(j.referenceAgreement.trials)} pairs`);
  return {
    title: `Judge (${where}): what a diff could not decide, live vs ${side}`,
    lines,
    ...(j.examples.length > 0
      ? {
          table: {
            headers: ['verdict', 'reason', 'pairs', 'example pair'],
            align: ['left', 'left', 'right', 'left'],
            rows: j.examples.map((e) => [e.verdict, e.reason, formatCount(e.pairs), e.examplePairId]),
          },
        }
      : {}),
  };
}

/** Under which conditions the numbers were measured, and what the latency is compared with. */
function conditionsSection(report: Report, side: string): Section {
  const baseline =
    report.secondary === null
      ? "live (measured in production, not under the replay's conditions)"
      : `the secondary ${report.secondary.challengerName ?? report.secondary.challengerId}${report.secondary.challengerName === null ? '' : ` (${report.secondary.challengerId})`}: live's code, same replay, same exchanges`;
  return { title: 'Conditions', lines: [`measured under ${describeConditions(report.conditions)}`, `${side} latency baseline: ${baseline}`] };
}

export function reportDoc(report: Report): Doc {
  const conf = `${Math.round(report.confidence * 100)}%`;
  const side = sideOf(report.role);
  const short = side === 'candidate' ? 'cand.' : 'sec.';
  const bySecondary = report.secondary !== null;
  const p99 = (s: ReportScope) => s.latency.find((l) => l.label === 'p99');
  const judged = report.routes.some((r) => r.judge !== null);
  const sections: Section[] = [
    conditionsSection(report, side),
    ...scopeSections(report.overall, report.confidence, true, side),
    {
      title: 'Routes',
      table: {
        headers: [
          'route',
          'pairs',
          'agreement',
          `${conf} CI`,
          ...(judged ? ['after judge'] : []),
          'errors live',
          `errors ${short}`,
          'p99 live',
          ...(bySecondary ? ['p99 secondary'] : []),
          `p99 ${short}`,
          `p99 delta vs ${bySecondary ? 'secondary' : 'live'}`,
          'status mism.',
          'sandbox-induced',
        ],
        align: [
          'left',
          'right',
          'right',
          'right',
          ...(judged ? ['right' as const] : []),
          'right',
          'right',
          'right',
          ...(bySecondary ? ['right' as const] : []),
          'right',
          'right',
          'right',
          'right',
        ],
        rows: report.routes.map((r) => [
          r.scope,
          formatCount(r.pairs),
          formatPercent(r.agreement.estimate),
          ci(r.agreement, formatPercent),
          ...(judged ? [r.judge === null ? '-' : formatPercent(r.judge.agreementAfter.estimate)] : []),
          formatPercent(r.errors.live.estimate),
          formatPercent(r.errors.candidate.estimate),
          formatMs(p99(r)?.liveMs),
          ...(bySecondary ? [formatMs(p99(r)?.secondaryMs)] : []),
          formatMs(p99(r)?.candidateMs),
          formatSignedMs(p99(r)?.deltaMs),
          formatCount(r.status.mismatchedPairs),
          formatCount(r.sandboxInduced?.pairs ?? 0),
        ]),
      },
      empty: 'no routes',
    },
  ];
  for (const r of report.routes) sections.push(...scopeSections(r, report.confidence, false, side));
  if (report.resources !== undefined) sections.push(...resourceSections(report.resources, side));
  if (report.run !== undefined) sections.unshift(runSection(report.run));
  if (report.warnings.length > 0) sections.unshift({ title: 'Warnings', lines: report.warnings.map((w) => `warning: ${w}`) });
  sections.push({
    title: 'Unmatched exchanges (no pair), by reason',
    table: { headers: ['reason', 'exchanges'], align: ['left', 'right'], rows: report.unmatched.map((u) => [u.reason, formatCount(u.exchanges)]) },
  });
  return {
    title: `Shadow report: ${report.challengerName ?? report.challengerId}${side === 'secondary' ? ' (secondary)' : ''}`,
    summary: [...header(report), `pairs ${formatCount(report.overall.pairs)}, intervals at ${conf}`],
    sections,
  };
}

function cpuLine(m: CpuRatioMeasurement | null, against: string, side: string): string {
  if (m === null) return `CPU ${side} / ${against}: not measured: no secondary in this window`;
  if (m.ratio === null || m.interval === null) return `CPU ${side} / ${against}: not measured: ${m.reason.replace(/^cpuRatio not judged: /, '')}`;
  const means = m.means === null ? '' : `; mean CPU ${formatNumber(m.means.challenger, 4)} vs ${formatNumber(m.means.baseline, 4)} s/s`;
  const ci = `${Math.round(m.interval.confidence * 100)}% CI ${formatFactor(m.interval.lower)} .. ${formatFactor(m.interval.upper)}`;
  return `CPU ${side} / ${against}: ${formatFactor(m.ratio)} (${ci}, ${formatCount(m.n)} paired buckets${means})`;
}

/**
 * Both sides' resources: the CPU ratio over the secondary (the fair baseline) and over live (which
 * also counts the share of live's traffic the challenger gets: warned), and every process' memory
 * growth. What could not be measured says so, with why (points, span).
 */
function resourceSections(r: ResourceMeasurements, side: string): Section[] {
  const lines = [
    `service ${r.service}, samples ${iso(r.window.fromMs)} .. ${iso(r.window.toMs)}, CPU in paired buckets of ${formatDuration(r.settings.bucketMs)}`,
    cpuLine(r.cpuRatio.overSecondary, 'secondary', side),
    cpuLine(r.cpuRatio.overLive, 'live', side),
    ...r.cpuRatio.overLive.warnings.map((w) => `warning (CPU over live): ${w}`),
  ];
  const growth = (who: string, m: MemoryGrowthMeasurement): string[] => {
    const measured = m.slopeBytesPerHour !== null && m.interval !== null;
    return [
      who,
      m.target,
      measured ? formatBytesPerHour(m.slopeBytesPerHour) : '-',
      measured && m.interval !== null ? ci(m.interval, formatBytesPerHour) : '-',
      formatCount(m.n),
      formatDuration(m.durationMs),
      measured ? '' : `insufficient: ${m.reason.replace(/^memory growth (not judged: )?/, '')}`,
    ];
  };
  const rows = [...r.memoryGrowth.challenger.map((m) => growth(side, m)), ...r.memoryGrowth.live.map((m) => growth('live', m))];
  return [
    { title: 'Resources', lines },
    {
      title: `Memory growth (resident memory, Theil-Sen slope, ${Math.round(r.settings.confidence * 100)}% CI; needs ${r.settings.minPoints} points over ${formatDuration(r.settings.minDurationMs)})`,
      table: {
        headers: ['side', 'process', 'slope', `${Math.round(r.settings.confidence * 100)}% CI`, 'points', 'span', 'note'],
        align: ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
        rows,
      },
      empty: `no resident memory samples for service ${r.service} in the window`,
    },
  ];
}

/** What a replay run's report states first: the window, replayed, paired, unmatched by reason. */
function runSection(run: NonNullable<Report['run']>): Section {
  const unmatched = Object.entries(run.unmatched)
    .map(([reason, n]) => `${reason} ${formatCount(n)}`)
    .join(', ');
  const total = Object.values(run.unmatched).reduce((a, b) => a + b, 0);
  const state = run.landed
    ? 'landed: every result of the run is in'
    : run.state === 'unknown'
      ? 'not recorded by the joiner (an older replayer, or the joiner has not read its start yet)'
      : `${run.state}, ${run.drainedPartitions} of ${run.partitions} partitions landed`;
  return {
    title: `Replay run ${run.runId}`,
    lines: [
      state,
      `exchanges in the window ${formatCount(run.exchangesInWindow)}, replayed to this challenger ${formatCount(run.replayed)}${run.failed > 0 ? ` (${formatCount(run.failed)} with an error)` : ''}`,
      `paired ${formatCount(run.paired)}, unmatched ${formatCount(total)}${total > 0 ? ` (${unmatched})` : ''}`,
    ],
  };
}

function valueOf(r: CriterionResult, x: number | null): string {
  switch (r.unit) {
    case 'ratio':
      return r.criterion.endsWith('minDelta') || r.criterion.endsWith('IncreaseOverLive') ? formatPoints(x) : formatPercent(x);
    case 'ms':
      return formatMs(x);
    case 'factor':
      return formatFactor(x);
    case 'duration':
      return x === null ? '-' : formatDuration(x);
    case 'count':
      return x === null ? '-' : formatCount(x);
    case 'bytesPerHour':
      return formatBytesPerHour(x);
  }
}

const OUTCOME_WORD = { pass: 'PASS', fail: 'FAIL', insufficient: 'INSUFFICIENT' } as const;

export function verdictDoc(v: GateVerdict): Doc {
  const rows = v.results.map((r) => [
    `${OUTCOME_WORD[r.outcome]}${r.blocking ? '' : ' (info)'}`,
    r.scope,
    r.criterion,
    valueOf(r, r.measured),
    r.interval === null ? '-' : ci(r.interval, (x) => valueOf(r, x)),
    r.judgedOn === 'count' ? 'count' : r.judgedOn === 'bound' ? `${r.limit.op === '>=' ? 'lower' : 'upper'} bound` : 'estimate',
    `${r.limit.op} ${valueOf(r, r.limit.value)}`,
  ]);
  const criteria = [v.criteria.name, v.criteria.source, v.criteria.sha256 === undefined ? undefined : `sha256 ${v.criteria.sha256.slice(0, 12)}`].filter(
    (x) => x !== undefined,
  );
  const sections: Section[] = [];
  if (v.reasons.length > 0) sections.push({ title: v.verdict === 'fail' ? 'Why it fails' : 'What is missing', lines: v.reasons });
  if ((v.warnings ?? []).length > 0) sections.push({ title: 'Warnings', lines: v.warnings.map((w) => `warning: ${w}`) });
  sections.push({
    title: 'Criteria',
    table: {
      headers: ['result', 'scope', 'criterion', 'measured', `${Math.round(v.criteria.confidence * 100)}% CI`, 'judged on', 'limit'],
      align: ['left', 'left', 'left', 'right', 'right', 'left', 'right'],
      rows,
    },
  });
  const details = v.results.filter((r) => r.outcome !== 'pass' || r.blocking).map((r) => `${OUTCOME_WORD[r.outcome]} ${r.scope} ${r.criterion}: ${r.reason}`);
  sections.push({ title: 'Reasons', lines: details });
  return {
    title: `Shadow gate: ${OUTCOME_WORD[v.verdict]} (exit ${v.exitCode})`,
    summary: [
      ...header(v),
      `criteria ${criteria.join(', ') || '-'}`,
      `${v.summary.pass} passed, ${v.summary.fail} failed, ${v.summary.insufficient} not enough data${v.summary.nonBlocking > 0 ? `, ${v.summary.nonBlocking} informational` : ''}`,
    ],
    sections,
  };
}

export function renderReportText(report: Report, options: TextOptions = {}): string {
  return renderText(reportDoc(report), options);
}

export function renderReportMarkdown(report: Report): string {
  return renderMarkdown(reportDoc(report));
}

/** Stable JSON: the Report as built (it is plain data). */
export function renderReportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function renderVerdictText(verdict: GateVerdict, options: TextOptions = {}): string {
  return renderText(verdictDoc(verdict), options);
}

export function renderVerdictMarkdown(verdict: GateVerdict): string {
  return renderMarkdown(verdictDoc(verdict));
}

export function renderVerdictJson(verdict: GateVerdict): string {
  return `${JSON.stringify(verdict, null, 2)}\n`;
}
