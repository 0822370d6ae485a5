// Prometheus metrics of the joiner, fed by @shadow/join's hooks (the library does not import
// prom-client) and by its stats() at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Joiner, JoinerHooks } from '@shadow/join';
import type { JudgeEvent, Judges } from '@shadow/judge';

export interface JoinerMetrics {
  readonly registry: Registry;
  readonly hooks: JoinerHooks;
  /** Gauges read from the joiner at scrape time. */
  bind(joiner: Joiner): void;
  /** @shadow/judge's events (createJudges' onEvent). */
  readonly judgeEvent: (event: JudgeEvent) => void;
  /** Budget gauges read from the judges at scrape time. */
  bindJudges(judges: Judges): void;
}

/** `2xx`, `4xx`, `5xx`, ... of an HTTP status; `none` when there was no answer (timeout, network). */
const statusClass = (status: number | null): string => (status === null ? 'none' : `${Math.floor(status / 100)}xx`);

export function createJoinerMetrics(): JoinerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shadow_joiner_' });
  const pairs = new Counter({
    name: 'shadow_joiner_pairs_written_total',
    help: 'Pair rows acknowledged by ClickHouse, by challenger role',
    labelNames: ['role'],
    registers: [registry],
  });
  const diffs = new Counter({ name: 'shadow_joiner_diff_rows_written_total', help: 'Differing-path rows acknowledged by ClickHouse', registers: [registry] });
  const unmatched = new Counter({
    name: 'shadow_joiner_unmatched_total',
    help: 'Unmatched rows acknowledged by ClickHouse, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const insertSeconds = new Histogram({
    name: 'shadow_joiner_insert_duration_seconds',
    help: 'Time from the first insert attempt of a batch to its acknowledgement (retries included)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const batchRows = new Histogram({
    name: 'shadow_joiner_batch_rows',
    help: 'Pair + unmatched rows per landed batch',
    buckets: [10, 100, 1000, 5000, 10_000, 20_000, 50_000],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'shadow_joiner_insert_retries_total',
    help: 'Failed ClickHouse insert attempts that were retried',
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'shadow_joiner_consumer_lag',
    help: 'Records behind the partition end, at the last batch',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'shadow_joiner_dead_letters_total',
    help: 'Records sent to the dead-letter topic',
    labelNames: ['topic', 'reason'],
    registers: [registry],
  });
  const commits = new Counter({ name: 'shadow_joiner_offset_commits_total', help: 'Partition offsets committed', registers: [registry] });
  const captures = new Counter({
    name: 'shadow_joiner_live_exchanges_total',
    help: 'Live exchanges landed, per configured challenger, by what became of them: replayed, no_result (a replayer sent it, no result: an unmatched row), sampled_out (a replayer passed it without sending it), not_replayed (no replayer passed it)',
    labelNames: ['status'],
    registers: [registry],
  });
  const drained = new Counter({
    name: 'shadow_joiner_run_partitions_drained_total',
    help: "Historical run sessions x partitions whose every result landed (the run's drained rows)",
    registers: [registry],
  });
  const judgeCalls = new Counter({
    name: 'shadow_joiner_judge_calls_total',
    help: 'HTTP attempts to a judge, by judge, status class (2xx, 4xx, 5xx; none: no answer) and outcome (ok: an answer was read; retry; error: given up)',
    labelNames: ['judge', 'status_class', 'outcome'],
    registers: [registry],
  });
  const judgements = new Counter({
    name: 'shadow_joiner_judgements_total',
    help: 'Judgements, by judge, role (primary, audit_secondary, audit_reference), verdict, kind (failure kind of an error, reason of a not_run) and cached',
    labelNames: ['judge', 'role', 'verdict', 'kind', 'cached'],
    registers: [registry],
  });
  const judgeTokens = new Counter({
    name: 'shadow_joiner_judge_tokens_total',
    help: 'Tokens the judges reported (usage), by judge',
    labelNames: ['judge'],
    registers: [registry],
  });
  const judgeSeconds = new Histogram({
    name: 'shadow_joiner_judgement_duration_seconds',
    help: 'Time of a judgement that was not cached (queue, retries and backoff included), by judge and role',
    labelNames: ['judge', 'role'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  let judges: Judges | undefined;
  new Gauge({
    name: 'shadow_joiner_judge_budget_remaining',
    help: 'What a judge may still spend today (UTC), by judge and limit (calls, tokens); only for limits that are set',
    labelNames: ['judge', 'limit'],
    registers: [registry],
    collect() {
      if (judges === undefined) return;
      for (const id of judges.ids) {
        const u = judges.get(id).usage();
        if (u.callsPerDay !== null) this.set({ judge: id, limit: 'calls' }, Math.max(0, u.callsPerDay - u.calls));
        if (u.tokensPerDay !== null) this.set({ judge: id, limit: 'tokens' }, Math.max(0, u.tokensPerDay - u.tokens));
      }
    },
  });
  const judgeEvent = (e: JudgeEvent): void => {
    if (e.type === 'call') {
      judgeCalls.inc({ judge: e.judgeId, status_class: statusClass(e.status), outcome: e.outcome });
      if (e.usage !== null && e.usage.totalTokens > 0) judgeTokens.inc({ judge: e.judgeId }, e.usage.totalTokens);
      return;
    }
    judgements.inc({ judge: e.judgeId, role: e.role, verdict: e.verdict, kind: e.kind ?? '', cached: String(e.cached) });
    if (!e.cached && e.verdict !== 'not_run') judgeSeconds.observe({ judge: e.judgeId, role: e.role }, e.latencyMs / 1000);
  };
  let joiner: Joiner | undefined;
  const fromStats = (name: string, help: string, read: (s: ReturnType<Joiner['stats']>) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (joiner !== undefined) this.set(read(joiner.stats()));
      },
    });
  };
  fromStats('shadow_joiner_open_entries', 'Exchanges waiting for their parts', (s) => s.openEntries);
  fromStats('shadow_joiner_open_run_entries', 'Of the open entries, those of historical runs', (s) => s.openRunEntries);
  fromStats('shadow_joiner_progress_records', "Live replayers' chunk records held until the exchanges they cover landed", (s) => s.progressRecords);
  fromStats('shadow_joiner_pending_run_drains', 'Ended run partitions whose results have not all landed yet', (s) => s.pendingRunDrains);
  fromStats('shadow_joiner_evicted_entries', 'Entries expired early because maxOpenEntries was reached (cumulative)', (s) => s.evicted);
  fromStats('shadow_joiner_late_records', 'Records for an exchange already emitted, dropped (cumulative)', (s) => s.late);
  fromStats('shadow_joiner_duplicate_records', 'Repeated exchange or result records ignored (cumulative)', (s) => s.duplicates);
  fromStats('shadow_joiner_unknown_challenger_records', 'Results of challengers not in JOINER_CHALLENGERS (cumulative)', (s) => s.unknownChallenger);
  fromStats('shadow_joiner_buffered_rows', 'Rows waiting to be landed', (s) => s.bufferedRows);
  fromStats('shadow_joiner_writer_failing', '1 while ClickHouse refuses inserts (consumption pauses when the buffer is full)', (s) =>
    s.writerFailing ? 1 : 0,
  );
  fromStats('shadow_joiner_assigned_partitions', 'Topic-partitions this instance owns', (s) => s.assigned);
  fromStats('shadow_joiner_judging_exchanges', 'With a judge: joined exchanges being compared (their judgements in flight)', (s) => s.judging);
  fromStats(
    'shadow_joiner_judge_waiting_exchanges',
    'With a judge: joined exchanges waiting to be compared (consumption pauses at JOINER_MAX_JUDGING_ENTRIES)',
    (s) => s.judgeWaiting,
  );

  const hooks: JoinerHooks = {
    onLanded(e) {
      for (const [role, n] of e.pairsByRole) pairs.inc({ role }, n);
      diffs.inc(e.diffs);
      for (const [reason, n] of e.unmatchedByReason) unmatched.inc({ reason }, n);
      for (const [status, n] of e.capturesByStatus) captures.inc({ status }, n);
      insertSeconds.observe(e.durationMs / 1000);
      batchRows.observe(e.rows);
    },
    onRetry: () => retries.inc(),
    onLag: (topic, partition, n) => lag.set({ topic, partition: String(partition) }, n),
    onDeadLetter: (topic, reason) => deadLetters.inc({ topic, reason }),
    onCommitted: (n) => commits.inc(n),
    onRunDrained: () => drained.inc(),
  };
  return {
    registry,
    hooks,
    bind: (j) => {
      joiner = j;
    },
    judgeEvent,
    bindJudges: (j) => {
      judges = j;
    },
  };
}
