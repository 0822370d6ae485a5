// Prometheus metrics of the joiner, fed by @shadow/join's hooks (the library does not import
// prom-client) and by its stats() at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Joiner, JoinerHooks } from '@shadow/join';

export interface JoinerMetrics {
  readonly registry: Registry;
  readonly hooks: JoinerHooks;
  /** Gauges read from the joiner at scrape time. */
  bind(joiner: Joiner): void;
}

export function createJoinerMetrics(): JoinerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shadow_joiner_' });
  const pairs = new Counter({ name: 'shadow_joiner_pairs_written_total', help: 'Pair rows acknowledged by ClickHouse, by challenger role', labelNames: ['role'], registers: [registry] });
  const diffs = new Counter({ name: 'shadow_joiner_diff_rows_written_total', help: 'Differing-path rows acknowledged by ClickHouse', registers: [registry] });
  const unmatched = new Counter({ name: 'shadow_joiner_unmatched_total', help: 'Unmatched rows acknowledged by ClickHouse, by reason', labelNames: ['reason'], registers: [registry] });
  const insertSeconds = new Histogram({ name: 'shadow_joiner_insert_duration_seconds', help: 'Time from the first insert attempt of a batch to its acknowledgement (retries included)', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] });
  const batchRows = new Histogram({ name: 'shadow_joiner_batch_rows', help: 'Pair + unmatched rows per landed batch', buckets: [10, 100, 1000, 5000, 10_000, 20_000, 50_000], registers: [registry] });
  const retries = new Counter({ name: 'shadow_joiner_insert_retries_total', help: 'Failed ClickHouse insert attempts that were retried', registers: [registry] });
  const lag = new Gauge({ name: 'shadow_joiner_consumer_lag', help: 'Records behind the partition end, at the last batch', labelNames: ['topic', 'partition'], registers: [registry] });
  const deadLetters = new Counter({ name: 'shadow_joiner_dead_letters_total', help: 'Records sent to the dead-letter topic', labelNames: ['topic', 'reason'], registers: [registry] });
  const commits = new Counter({ name: 'shadow_joiner_offset_commits_total', help: 'Partition offsets committed', registers: [registry] });
  const captures = new Counter({
    name: 'shadow_joiner_live_exchanges_total',
    help: 'Live exchanges landed, per configured challenger, by what became of them: replayed, no_result (a replayer sent it, no result: an unmatched row), sampled_out (a replayer passed it without sending it), not_replayed (no replayer passed it)',
    labelNames: ['status'],
    registers: [registry],
  });
  const drained = new Counter({ name: 'shadow_joiner_run_partitions_drained_total', help: 'Historical run sessions x partitions whose every result landed (the run\'s drained rows)', registers: [registry] });
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
  fromStats('shadow_joiner_progress_records', 'Live replayers\' chunk records held until the exchanges they cover landed', (s) => s.progressRecords);
  fromStats('shadow_joiner_pending_run_drains', 'Ended run partitions whose results have not all landed yet', (s) => s.pendingRunDrains);
  fromStats('shadow_joiner_evicted_entries', 'Entries expired early because maxOpenEntries was reached (cumulative)', (s) => s.evicted);
  fromStats('shadow_joiner_late_records', 'Records for an exchange already emitted, dropped (cumulative)', (s) => s.late);
  fromStats('shadow_joiner_duplicate_records', 'Repeated exchange or result records ignored (cumulative)', (s) => s.duplicates);
  fromStats('shadow_joiner_unknown_challenger_records', 'Results of challengers not in JOINER_CHALLENGERS (cumulative)', (s) => s.unknownChallenger);
  fromStats('shadow_joiner_buffered_rows', 'Rows waiting to be landed', (s) => s.bufferedRows);
  fromStats('shadow_joiner_writer_failing', '1 while ClickHouse refuses inserts (consumption pauses when the buffer is full)', (s) => (s.writerFailing ? 1 : 0));
  fromStats('shadow_joiner_assigned_partitions', 'Topic-partitions this instance owns', (s) => s.assigned);

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
  return { registry, hooks, bind: (j) => { joiner = j; } };
}
