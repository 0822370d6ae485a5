// The resource criteria (docs/gate.md "Resources"): the challenger's CPU ratio over its baseline and
// no memory growth of its processes, judged from Measurements.resources like every other criterion:
// on the upper bound of the interval unless judgeOn says estimate, so an interval across the bound
// fails (more data narrows it). What was not measured (no resources read, too few buckets or
// points, no secondary when one is asked for) is `insufficient`, the gate's exit 2, with why.
import { parseDuration, formatDuration } from '../criteria/duration.js';
import type { ResourcesCriteria } from '../criteria/schema.js';
import type { CpuRatioMeasurement, MemoryGrowthMeasurement, ResourceInterval, ResourceMeasurements } from '../measurements/resources.js';
import { formatBytesPerHour, formatCount, formatFactor } from '../report/format.js';
import type { CriterionResult, GateUnit } from './types.js';

interface Check {
  criterion: string;
  scope: string;
  what: string;
  measured: number | null;
  interval: ResourceInterval | null;
  judgeOn: 'bound' | 'estimate';
  limit: number;
  unit: GateUnit;
  n: number;
  fmt: (x: number | null) => string;
}

function result(c: Check, outcome: CriterionResult['outcome'], judged: number | null, reason: string): CriterionResult {
  return {
    criterion: c.criterion,
    scope: c.scope,
    outcome,
    blocking: true,
    measured: c.measured,
    interval: c.interval,
    judged,
    judgedOn: c.judgeOn,
    limit: { op: '<=', value: c.limit },
    unit: c.unit,
    n: c.n,
    reason,
  };
}

/** "At most" on the upper bound (or the estimate): pass when it is at or below the limit. */
function atMost(c: Check): CriterionResult {
  const ci =
    c.interval === null
      ? ''
      : ` (${Math.round(c.interval.confidence * 100)}% CI ${c.fmt(c.interval.lower)} .. ${c.fmt(c.interval.upper)}, n=${formatCount(c.n)})`;
  const judged = c.judgeOn === 'bound' ? (c.interval?.upper ?? null) : c.measured;
  if (judged === null) return result(c, 'insufficient', null, `${c.what} ${c.fmt(c.measured)}: no confidence interval; limit <= ${c.fmt(c.limit)}`);
  const ok = judged <= c.limit;
  const on = c.judgeOn === 'bound' ? `upper bound ${c.fmt(judged)}` : `estimate ${c.fmt(judged)}`;
  return result(c, ok ? 'pass' : 'fail', judged, `${c.what} ${c.fmt(c.measured)}${ci}: ${on} ${ok ? '<=' : '>'} ${c.fmt(c.limit)}`);
}

const NOT_MEASURED =
  'resources not measured: no resource samples were read for this gate (the CLI reads resource_samples, which the scraper of docs/watch.md fills)';

function cpuRatio(c: NonNullable<ResourcesCriteria['cpuRatio']>, r: ResourceMeasurements | undefined, warnings: Set<string>): CriterionResult {
  const base: Check = {
    criterion: 'resources.cpuRatio',
    scope: 'overall',
    what: 'CPU ratio',
    measured: null,
    interval: null,
    judgeOn: c.judgeOn,
    limit: c.max,
    unit: 'factor',
    n: 0,
    fmt: formatFactor,
  };
  if (r === undefined) return result(base, 'insufficient', null, NOT_MEASURED);
  const against = c.against ?? (r.cpuRatio.overSecondary === null ? 'live' : 'secondary');
  const m: CpuRatioMeasurement | null = against === 'secondary' ? r.cpuRatio.overSecondary : r.cpuRatio.overLive;
  const what = `CPU ratio over the ${against}`;
  if (m === null) return result({ ...base, what }, 'insufficient', null, `${what}: no secondary answered in this window (against: secondary)`);
  for (const w of m.warnings) warnings.add(`resources.cpuRatio: ${w}`);
  const check: Check = { ...base, what, measured: m.ratio, interval: m.interval, n: m.n };
  if (m.ratio === null) return result(check, 'insufficient', null, m.reason);
  if (m.n < c.minBuckets)
    return result(check, 'insufficient', null, `${what} not judged: ${m.n} paired buckets of ${formatDuration(r.settings.bucketMs)} (need ${c.minBuckets})`);
  return atMost(check);
}

function memoryGrowth(c: NonNullable<ResourcesCriteria['memoryGrowth']>, r: ResourceMeasurements | undefined): CriterionResult[] {
  const base: Check = {
    criterion: 'resources.memoryGrowth',
    scope: 'challenger',
    what: 'memory growth',
    measured: null,
    interval: null,
    judgeOn: c.judgeOn,
    limit: c.maxBytesPerHour,
    unit: 'bytesPerHour',
    n: 0,
    fmt: formatBytesPerHour,
  };
  if (r === undefined) return [result(base, 'insufficient', null, NOT_MEASURED)];
  const minDurationMs = parseDuration(c.minDuration);
  const sides: ('challenger' | 'live')[] = c.side === 'both' ? ['challenger', 'live'] : ['challenger'];
  const out: CriterionResult[] = [];
  for (const side of sides) {
    const processes: readonly MemoryGrowthMeasurement[] = r.memoryGrowth[side];
    if (processes.length === 0) {
      out.push(
        result(
          { ...base, scope: side },
          'insufficient',
          null,
          `no resident memory samples of ${side === 'live' ? 'live' : 'the challenger'} (service ${r.service}) in the window: is the scraper watching it?`,
        ),
      );
      continue;
    }
    for (const p of processes) {
      const check: Check = { ...base, scope: `${side} ${p.target}`, measured: p.slopeBytesPerHour, interval: p.interval, n: p.n };
      const short =
        p.n < c.minPoints
          ? `${p.n} points (need ${c.minPoints})`
          : p.durationMs < minDurationMs
            ? `${formatDuration(p.durationMs)} of samples (need ${formatDuration(minDurationMs)})`
            : null;
      if (short !== null) out.push(result(check, 'insufficient', null, `memory growth not judged: ${short}`));
      else if (p.slopeBytesPerHour === null) out.push(result(check, 'insufficient', null, p.reason));
      else out.push(atMost(check));
    }
  }
  return out;
}

/** The resource criteria's results (every one blocking) and the warnings they add. */
export function evaluateResources(c: ResourcesCriteria, resources: ResourceMeasurements | undefined, warnings: Set<string>): CriterionResult[] {
  const out: CriterionResult[] = [];
  if (c.cpuRatio !== undefined) out.push(cpuRatio(c.cpuRatio, resources, warnings));
  if (c.memoryGrowth !== undefined) out.push(...memoryGrowth(c.memoryGrowth, resources));
  return out;
}
