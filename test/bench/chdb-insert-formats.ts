// How fast embedded chDB lands the joiner's rows by insert path, in one process, same rows:
//   client    @clickhouse/client insert, JSONEachRow (the joiner's path before issue 20)
//   raw-lines the chDB connection's raw insert of one Buffer, JSONEachRow, a row per line
//   raw-array the same, the rows as one JSON array (one JSON.stringify; JSONEachRow accepts it)
//   raw-compact JSONCompactEachRow, a JSON array of values per row, the columns named once (the joiner's)
//
//   node --conditions=@shadow/source --import tsx test/bench/chdb-insert-formats.ts [--rows 16000] [--rounds 3]
//
// Rows are shaped like the joiner benchmark's (2 challengers, 1 in 10 pairs differs and keeps bodies,
// one diff row per pair). Every path inserts into the real schema (SCHEMA_MIGRATIONS, materialized
// views included). Prints ms per path and round with the load average; never fails.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '16000' }, rounds: { type: 'string', default: '3' } } });
const n = Number(values.rows);
const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// The columns of @shadow/join's PairRow and DiffRow (test/ does not depend on the join package).
function pairRow(i: number, now: number) {
  const differs = i % 10 === 0;
  const body = JSON.stringify({ id: i, items: [{ sku: `sku-${i}`, price: 12.5, qty: 1 }], total: 12.5, note: 'bench body' });
  return {
    exchange_id: randomUUID(),
    challenger_id: i % 2 ? 'cand-1' : 'sec-1',
    challenger_name: i % 2 ? 'candidate' : 'secondary',
    challenger_role: i % 2 ? 'candidate' : 'secondary',
    run_id: '',
    attempt: 0,
    service: 'bench',
    environment: 'prod',
    capture_time: now - 60_000 + (i % 1000),
    replay_time: now - 59_000 + (i % 1000),
    joined_time: now,
    route: '/items/:id',
    method: 'GET',
    path: `/items/${i}`,
    live_status: 200,
    shadow_status: 200,
    live_latency_us: 1200 + (i % 100),
    shadow_latency_us: 1300 + (i % 90),
    latency_delta_us: 100,
    shadow_error_kind: '',
    status_match: true,
    headers_match: true,
    body_match: !differs,
    side_effects_match: true,
    agree: !differs,
    real_agree: !differs,
    diff_count: differs ? 1 : 0,
    real_diff_count: differs ? 1 : 0,
    diff_paths: differs ? ['$.total'] : [],
    noisy_paths: ['header:date'],
    live_side_effects: i % 3 === 0 ? 1 : 0,
    shadow_side_effects: i % 3 === 0 ? 1 : 0,
    side_effects_missing: 0,
    side_effects_extra: 0,
    side_effects_different: 0,
    side_effects_detail: '',
    live_body_hash: '0123456789abcdef',
    shadow_body_hash: differs ? 'fedcba9876543210' : '0123456789abcdef',
    live_body_size: body.length,
    shadow_body_size: body.length,
    bodies_kept: differs,
    live_body: differs ? body : '',
    shadow_body: differs ? body.replace('12.5,"note', '13.5,"note') : '',
    comparator: 'compare',
    verdict: differs ? 'different' : 'equal',
    score: null as number | null,
    outcome_types: {},
    live_outcomes: {},
    shadow_outcomes: {},
    sandbox_induced: false,
    sandbox_causes: [],
    judge_id: '',
    judge_path: '',
    judge_verdict: '',
    judge_kind: '',
    judge_reason: '',
    judge_latency_ms: 0,
    judge_cached: false,
    judge_tokens: 0,
    judge_version: '',
    judge_audit_secondary_verdict: '',
    judge_audit_reference_id: '',
    judge_audit_reference_verdict: '',
  };
}

function diffRow(p: ReturnType<typeof pairRow>, i: number) {
  return {
    exchange_id: p.exchange_id,
    challenger_id: p.challenger_id,
    challenger_role: p.challenger_role,
    run_id: '',
    capture_time: p.capture_time,
    joined_time: p.joined_time,
    route: p.route,
    method: p.method,
    diff_path: i % 10 === 0 ? '$.total' : 'header:date',
    kind: 'changed',
    noisy: i % 10 !== 0,
    live_example: '12.5',
    shadow_example: '13.5',
    sandbox_induced: false,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-chdb-insert-'));
const ch = await createClickHouse({ path: dir, database: 'bench' });
try {
  await migrate(ch, SCHEMA_MIGRATIONS);
  const raw = ch.insertRaw;
  if (raw === undefined) throw new Error('no raw chDB insert path');
  const paths: Record<string, (table: string, rows: readonly object[]) => Promise<void>> = {
    client: async (table, rows) => void (await ch.client.insert({ table, values: rows as object[], format: 'JSONEachRow' })),
    'raw-lines': (table, rows) => raw(table, Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')), 'JSONEachRow'),
    'raw-array': (table, rows) => raw(table, Buffer.from(JSON.stringify(rows)), 'JSONEachRow'),
    'raw-compact': (table, rows) => {
      const keys = Object.keys(rows[0] ?? {});
      const body = rows.map((r) => JSON.stringify(keys.map((k) => (r as Record<string, unknown>)[k]))).join('\n');
      return raw(table, Buffer.from(body), 'JSONCompactEachRow', keys);
    },
  };
  let inserted = 0;
  console.log(`${n} pair rows + ${n} diff rows per insert (pairs and pair_diffs in parallel); load ${load()}`);
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [name, insert] of Object.entries(paths)) {
      const now = Date.now();
      const pairs = Array.from({ length: n }, (_, i) => pairRow(i, now));
      const diffs = pairs.map(diffRow);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all([insert('pairs', pairs), insert('pair_diffs', diffs)]);
      const ms = performance.now() - t0;
      inserted += n;
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `round ${round} ${name.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(6)} ms CPU (all threads), ${Math.round(n / (ms / 1000))} pair rows/s; load ${load()}`,
      );
    }
  }
  const rs = await ch.client.query({ query: 'SELECT (SELECT count() FROM pairs) AS pairs, (SELECT count() FROM pair_diffs) AS diffs', format: 'JSONEachRow' });
  console.log(`landed: ${JSON.stringify(await rs.json())}, inserted ${inserted} of each`);
} finally {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
}
