// Turns one joined exchange into table rows: a pair row (plus one row per differing path) for every
// challenger of the entry whose result met the live exchange, an unmatched row for every other one
// that was expected to answer. For live shadowing, one capture row per configured challenger says
// what became of the exchange (replayed, no_result, sampled_out, not_replayed); a challenger no
// replayer was expected to replay it for gets no unmatched row, only that count.
// Everything that forms a row's identity (ids, capture time) comes from the records, so a re-read
// record produces a row with the same key and ReplacingMergeTree collapses the copies.
import { createHash } from 'node:crypto';
import { LIVE_ORIGIN, liveSideEffectsOf } from '@shadow/contracts';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import type { ExchangeToCompare, PairComparer, PairRowComparison, PairRowJudge } from '../compare/types.js';
import type { Coverage } from '../state/coverage.js';
import type { JoinedExchange } from '../state/types.js';
import type { CaptureRow, DiffRow, PairRow, RowSet, UnmatchedReason, UnmatchedRow } from './types.js';

export interface RowOptions {
  /** Live shadowing's challengers (a run's entry names its own: JoinedExchange.challengers). */
  readonly challengers: readonly string[];
  /**
   * Live shadowing: what a missing result of `challengerId` for this exchange means (ReplayCoverage).
   * Only `expected` makes an unmatched row. @default every missing result is expected
   */
  readonly coverage?: ((joined: JoinedExchange, challengerId: string) => Coverage) | undefined;
  /** Fraction of agreeing pairs whose bodies are kept (chosen by exchange id, so stable). */
  readonly bodySampleRate: number;
  /** Bodies longer than this are cut (disagreements are always kept, up to this size). */
  readonly maxBodyBytes: number;
}

const hash16 = (body: Buffer): string => createHash('sha256').update(body).digest('hex').slice(0, 16);

/** FNV-1a of the id scaled to [0, 1): a sampling decision every re-delivery repeats. */
function sampleFraction(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

function bodyText(body: Buffer, max: number): string {
  return (body.length > max ? body.subarray(0, max) : body).toString('utf8');
}

/**
 * Live side effects of an exchange: the outbound calls the tap recorded inside the exchange record
 * (`liveSideEffectsOf`). Records with origin 'live' on the side-effects topic (the replayer may
 * republish them) are used only when the exchange carries none, so a call is never counted twice.
 */
export function liveSideEffects(exchange: CapturedExchange | null, fromTopic: readonly SideEffect[]): SideEffect[] {
  const recorded = exchange === null ? [] : liveSideEffectsOf(exchange);
  return recorded.length > 0 ? recorded : fromTopic.filter((e) => e.origin === LIVE_ORIGIN);
}

/** An outcome value as the pair row's map stores it (docs/tables.md "Business outcomes"). */
export function outcomeText(value: number | string | readonly string[] | null): string | null {
  if (value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The three outcome maps of a pair row from the comparison's outcomes. */
export function outcomeColumns(outcomes: PairRowComparison['outcomes']): Pick<PairRow, 'outcome_types' | 'live_outcomes' | 'shadow_outcomes'> {
  const types: Record<string, string> = {};
  const live: Record<string, string> = {};
  const shadow: Record<string, string> = {};
  for (const o of outcomes ?? []) {
    types[o.name] = o.type;
    const l = outcomeText(o.live);
    const c = outcomeText(o.candidate);
    if (l !== null) live[o.name] = l;
    if (c !== null) shadow[o.name] = c;
  }
  return { outcome_types: types, live_outcomes: live, shadow_outcomes: shadow };
}

function emptyRowSet(): RowSet {
  return { pairs: [], diffs: [], unmatched: [], captures: [], runs: [], bytes: 0 };
}

const NO_JUDGE: PairRowJudge = Object.freeze({
  verdict: '',
  judgeId: '',
  path: '',
  kind: '',
  reason: '',
  latencyMs: 0,
  cached: false,
  tokens: 0,
  version: '',
  auditSecondaryVerdict: '',
  auditReferenceId: '',
  auditReferenceVerdict: '',
});

/** The judge_* columns of a pair row. */
function judgeColumns(j: PairRowJudge | undefined): Pick<PairRow, `judge_${string}` & keyof PairRow> {
  const v = j ?? NO_JUDGE;
  return {
    judge_id: v.judgeId,
    judge_path: v.path,
    judge_verdict: v.verdict,
    judge_kind: v.kind,
    judge_reason: v.reason,
    judge_latency_ms: v.latencyMs,
    judge_cached: v.cached,
    judge_tokens: v.tokens,
    judge_version: v.version,
    judge_audit_secondary_verdict: v.auditSecondaryVerdict,
    judge_audit_reference_id: v.auditReferenceId,
    judge_audit_reference_verdict: v.auditReferenceVerdict,
  };
}

/** What one joined exchange is compared on: the paired results and everyone's side effects. */
interface Pairing {
  readonly input: ExchangeToCompare | null;
  readonly paired: ShadowResult[];
  readonly isRun: boolean;
  readonly challengers: readonly string[];
  readonly byOrigin: Map<string, SideEffect[]>;
}

function pairingOf(joined: JoinedExchange, options: RowOptions): Pairing {
  const { exchange } = joined;
  const live = liveSideEffects(exchange, joined.sideEffects);
  const byOrigin = new Map<string, SideEffect[]>();
  for (const e of joined.sideEffects) {
    if (e.origin === LIVE_ORIGIN) continue;
    const list = byOrigin.get(e.origin);
    if (list === undefined) byOrigin.set(e.origin, [e]);
    else list.push(e);
  }
  // A run's entry names its own challengers; live shadowing (runId null, or absent in older callers) uses the configured ones.
  const isRun = typeof joined.runId === 'string';
  const challengers = isRun ? joined.challengers : options.challengers;
  const paired: ShadowResult[] = [];
  for (const id of challengers) {
    const result = joined.results.get(id);
    if (exchange !== null && result !== undefined) paired.push(result);
  }
  const input = exchange !== null && paired.length > 0 ? { exchange, results: paired, liveSideEffects: live, challengerSideEffects: byOrigin } : null;
  return { input, paired, isRun, challengers, byOrigin };
}

export function rowsFor(joined: JoinedExchange, comparer: PairComparer, options: RowOptions, now: number): RowSet {
  const pairing = pairingOf(joined, options);
  const comparisons = pairing.input === null ? null : comparer.compareExchange(pairing.input);
  return rowsOf(joined, pairing, comparisons, comparer, options, now);
}

/**
 * rowsFor with the routes' judges awaited (comparer.compareExchangeAsync; the sync comparison when
 * the comparer has none). `now` (joined_time, the rows' version) is read after the judgement.
 */
export async function rowsForAsync(joined: JoinedExchange, comparer: PairComparer, options: RowOptions, now: () => number = Date.now): Promise<RowSet> {
  const pairing = pairingOf(joined, options);
  let comparisons: Map<string, PairRowComparison> | null = null;
  if (pairing.input !== null)
    comparisons = comparer.compareExchangeAsync === undefined ? comparer.compareExchange(pairing.input) : await comparer.compareExchangeAsync(pairing.input);
  return rowsOf(joined, pairing, comparisons, comparer, options, now());
}

function rowsOf(
  joined: JoinedExchange,
  pairing: Pairing,
  comparisons: Map<string, PairRowComparison> | null,
  comparer: PairComparer,
  options: RowOptions,
  now: number,
): RowSet {
  const out = emptyRowSet();
  const { exchange } = joined;
  const { paired, isRun, challengers, byOrigin } = pairing;
  if (exchange !== null && comparisons !== null) {
    const sampled = sampleFraction(exchange.exchangeId) < options.bodySampleRate;
    for (const result of paired) {
      const c = comparisons.get(result.challengerId);
      if (c === undefined) continue;
      const noisy = c.differences.filter((d) => c.noisyPaths.has(d.path)).map((d) => d.path);
      const realDiffs = c.differences.length - noisy.length;
      const agree = c.verdict === 'agree';
      const realAgree = agree || (realDiffs === 0 && c.sideEffectsMatch && result.errorKind === null);
      const keep = sampled || !agree;
      const row: PairRow = {
        exchange_id: exchange.exchangeId,
        challenger_id: result.challengerId,
        challenger_name: result.challengerName,
        challenger_role: result.challengerRole,
        run_id: joined.runId ?? result.runId ?? '',
        attempt: result.attempt,
        service: exchange.service,
        environment: exchange.environment,
        capture_time: exchange.captureTimeMs,
        replay_time: result.replayTimeMs,
        joined_time: now,
        route: c.route,
        method: exchange.method,
        path: exchange.path,
        live_status: exchange.responseStatus,
        shadow_status: result.responseStatus,
        live_latency_us: exchange.liveLatencyUs,
        shadow_latency_us: result.latencyUs,
        latency_delta_us: result.latencyUs - exchange.liveLatencyUs,
        shadow_error_kind: result.errorKind ?? '',
        status_match: c.statusMatch,
        headers_match: c.headersMatch,
        body_match: c.bodyMatch,
        side_effects_match: c.sideEffectsMatch,
        agree,
        real_agree: realAgree,
        diff_count: c.differences.length,
        real_diff_count: realDiffs,
        diff_paths: c.differences.map((d) => d.path),
        noisy_paths: noisy,
        live_side_effects: c.sideEffects.live,
        shadow_side_effects: c.sideEffects.shadow,
        side_effects_missing: c.sideEffects.missing,
        side_effects_extra: c.sideEffects.extra,
        side_effects_different: c.sideEffects.different,
        side_effects_detail: c.sideEffects.detail,
        live_body_hash: hash16(exchange.responseBody),
        shadow_body_hash: hash16(result.responseBody),
        live_body_size: exchange.responseBodySize,
        shadow_body_size: result.responseBodySize,
        bodies_kept: keep,
        live_body: keep ? bodyText(exchange.responseBody, options.maxBodyBytes) : '',
        shadow_body: keep ? bodyText(result.responseBody, options.maxBodyBytes) : '',
        comparator: c.comparator,
        verdict: c.verdict,
        score: c.score,
        ...outcomeColumns(c.outcomes),
        sandbox_induced: c.sandboxInduced ?? false,
        sandbox_causes: [...(c.sandboxCauses ?? [])],
        ...judgeColumns(c.judge),
      };
      out.pairs.push(row);
      out.bytes += 600 + row.live_body.length + row.shadow_body.length + row.side_effects_detail.length + row.judge_reason.length;
      for (const d of c.differences) {
        const diff: DiffRow = {
          exchange_id: exchange.exchangeId,
          challenger_id: result.challengerId,
          challenger_role: result.challengerRole,
          run_id: row.run_id,
          capture_time: exchange.captureTimeMs,
          joined_time: now,
          route: c.route,
          method: exchange.method,
          diff_path: d.path,
          kind: d.kind,
          noisy: c.noisyPaths.has(d.path),
          live_example: d.liveExample,
          shadow_example: d.shadowExample,
          // Side-effect differences are the challenger's own, whatever the sandbox answered it.
          sandbox_induced: row.sandbox_induced && !d.path.startsWith('effect:'),
        };
        out.diffs.push(diff);
        out.bytes += 200 + d.path.length + d.liveExample.length + d.shadowExample.length;
      }
    }
  }
  const pairedIds = new Set(paired.map((r) => r.challengerId));
  let fallbackTime = joined.firstSeenMs;
  for (const r of joined.results.values()) fallbackTime = Math.min(fallbackTime, r.replayTimeMs);
  for (const e of joined.sideEffects) fallbackTime = Math.min(fallbackTime, e.observedTimeMs);
  // Live shadowing: what became of the exchange for each configured challenger (capture_minutes).
  const captured = !isRun && exchange !== null;
  const capture = (id: string, status: string): void => {
    const row: CaptureRow = {
      exchange_id: exchange?.exchangeId ?? joined.exchangeId,
      service: exchange?.service ?? '',
      challenger_id: id,
      capture_time: exchange?.captureTimeMs ?? 0,
      status,
    };
    out.captures.push(row);
    out.bytes += 120;
  };
  for (const id of challengers) {
    if (pairedIds.has(id)) {
      if (captured) capture(id, 'replayed');
      continue;
    }
    const result = joined.results.get(id);
    const reason: UnmatchedReason = exchange !== null ? 'no_result' : result !== undefined ? 'no_live_record' : 'no_live_record_no_result';
    if (captured) {
      const coverage = options.coverage?.(joined, id) ?? 'expected';
      capture(id, coverage === 'expected' ? 'no_result' : coverage);
      // Nothing replayed it for this challenger: counted, not unmatched.
      if (coverage !== 'expected') continue;
    }
    // A run's entry without a result of any of its challengers (side effects only) has nothing to say.
    if (isRun && result === undefined && exchange === null) continue;
    const row: UnmatchedRow = {
      exchange_id: joined.exchangeId,
      challenger_id: id,
      challenger_role: result?.challengerRole ?? '',
      run_id: joined.runId ?? result?.runId ?? '',
      reason,
      expired_by: joined.cause,
      has_live: exchange !== null,
      has_result: result !== undefined,
      side_effects: byOrigin.get(id)?.length ?? 0,
      event_time: exchange?.captureTimeMs ?? fallbackTime,
      joined_time: now,
      service: exchange?.service ?? '',
      route: exchange !== null ? comparer.routeOf(exchange) : '',
      method: exchange?.method ?? '',
      path: exchange?.path ?? '',
    };
    out.unmatched.push(row);
    out.bytes += 300;
  }
  return out;
}
