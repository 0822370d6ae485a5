// The joiner's insert path on embedded chDB (issue 20): rows go as one JSONCompactEachRow Buffer
// through the connection's raw insert instead of @clickhouse/client's JSONEachRow. Whatever lands
// must read back exactly as the client's path lands it, for every column type the tables use
// (DateTime64 from epoch ms, Maps, Arrays, Nullable, Bool, LowCardinality) and for text an attacker
// controls (bodies, paths: quotes, backslashes, newlines, control characters, unicode, JSON-looking
// strings). Real chDB, both paths into the same tables.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isClickHouseError } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';
import { rowsInserter } from '@shadow/join';
import type { DiffRow, PairRow, UnmatchedRow } from '../src/rows/types.js';
import { openSchemaDatabase } from './fixture.js';

const NOW = Date.now();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function open(): Promise<ClickHouse> {
  const ch = await openSchemaDatabase();
  cleanup.push(() => ch.close());
  return ch;
}

// Text that breaks naive encoders, by class.
const HOSTILE = [
  `quote " and apostrophe ' and backtick \``,
  'backslash \\ and \\n literal and \\u0000 literal',
  'newline\nreturn\rtab\tform\fbackspace\b',
  'nul \u0000 and bell \u0007 and escape \u001b and del \u007f',
  'line separators \u2028 \u2029',
  'unicode é 日本 😀 and a lone surrogate-free astral 𝄞',
  '{"looks":"like json","n":[1,2]}',
  '[1,2],[3,4]',
  "'); DROP TABLE pairs; --",
  '',
];

function pairRow(id: string, i: number): PairRow {
  const text = HOSTILE[i % HOSTILE.length] as string;
  return {
    exchange_id: id,
    challenger_id: i % 2 ? 'cand-1' : 'sec-1',
    challenger_name: text,
    challenger_role: i % 2 ? 'candidate' : 'secondary',
    run_id: i % 3 === 0 ? '' : `run-${text}`,
    attempt: i,
    service: 'shop',
    environment: 'prod',
    capture_time: NOW - 60_000 + i,
    replay_time: NOW - 59_000 + i,
    joined_time: NOW + i,
    route: `/items/:id`,
    method: 'POST',
    path: `/items/${encodeURIComponent(text)}`,
    live_status: 200,
    shadow_status: 500 + (i % 3),
    live_latency_us: 1_000_000_000 + i,
    shadow_latency_us: 12,
    latency_delta_us: -999_999_988 - i,
    shadow_error_kind: i % 4 === 0 ? 'timeout' : '',
    status_match: i % 2 === 0,
    headers_match: true,
    body_match: false,
    side_effects_match: i % 5 !== 0,
    agree: false,
    real_agree: i % 2 === 1,
    diff_count: 3,
    real_diff_count: 1,
    diff_paths: ['$.items[*].price', `header:${text}`, 'status'],
    noisy_paths: i % 2 ? [] : [text],
    live_side_effects: 2,
    shadow_side_effects: 1,
    side_effects_missing: 1,
    side_effects_extra: 0,
    side_effects_different: 0,
    side_effects_detail: JSON.stringify({ missing: [text] }),
    live_body_hash: '0123456789abcdef',
    shadow_body_hash: 'fedcba9876543210',
    live_body_size: 123_456,
    shadow_body_size: 0,
    bodies_kept: true,
    live_body: text.repeat(3),
    shadow_body: `{"price":${i}.5,"note":${JSON.stringify(text)}}`,
    comparator: 'compare',
    verdict: 'different',
    score: i % 2 ? null : 0.25 * i,
    outcome_types: { price: 'number', tags: 'string[]', [text || 'empty']: 'string' },
    live_outcomes: { price: '12.5', tags: JSON.stringify([text]) },
    shadow_outcomes: i % 2 ? {} : { price: '-0.001' },
    sandbox_induced: i % 2 === 0,
    sandbox_causes: i % 2 ? [] : [`sandbox_answer stubbed 503 POST ${text}`],
    judge_id: 'j',
    judge_path: '$.text',
    judge_verdict: i % 2 ? '' : 'error',
    judge_kind: i % 2 ? '' : 'timeout',
    judge_reason: text,
    judge_latency_ms: 4_000_000_000 + i,
    judge_cached: i % 3 === 0,
    judge_tokens: 65_535,
    judge_version: 'v1',
    judge_audit_secondary_verdict: '',
    judge_audit_reference_id: text,
    judge_audit_reference_verdict: 'equal',
  };
}

function diffRow(p: PairRow, i: number): DiffRow {
  return {
    exchange_id: p.exchange_id,
    challenger_id: p.challenger_id,
    challenger_role: p.challenger_role,
    run_id: p.run_id,
    capture_time: p.capture_time,
    joined_time: p.joined_time,
    route: p.route,
    method: p.method,
    diff_path: `$.${HOSTILE[i % HOSTILE.length]}`,
    kind: 'changed',
    noisy: i % 2 === 0,
    live_example: HOSTILE[(i + 1) % HOSTILE.length] as string,
    shadow_example: HOSTILE[(i + 2) % HOSTILE.length] as string,
    sandbox_induced: i % 3 === 0,
  };
}

function unmatchedRow(id: string, i: number): UnmatchedRow {
  return {
    exchange_id: id,
    challenger_id: 'cand-1',
    challenger_role: 'candidate',
    run_id: '',
    reason: 'no_result',
    expired_by: 'window',
    has_live: true,
    has_result: false,
    side_effects: i,
    event_time: NOW - 30_000 + i,
    joined_time: NOW + i,
    service: 'shop',
    route: '/items/:id',
    method: 'GET',
    path: `/items/${HOSTILE[i % HOSTILE.length]}`,
  };
}

/** Every column of `table` for the ids starting with `prefix`, the prefix cut off, in id order. */
async function read(ch: ClickHouse, table: string, prefix: string): Promise<unknown[]> {
  const rs = await ch.client.query({
    query: `SELECT * FROM ${table} WHERE startsWith(exchange_id, {prefix:String}) ORDER BY exchange_id, challenger_id`,
    query_params: { prefix },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ exchange_id: string }>()).map((r) => ({ ...r, exchange_id: r.exchange_id.slice(prefix.length) }));
}

function rowsOf(prefix: string): { pairs: PairRow[]; diffs: DiffRow[]; unmatched: UnmatchedRow[] } {
  const pairs = Array.from({ length: 40 }, (_, i) => pairRow(`${prefix}${String(i).padStart(3, '0')}`, i));
  return {
    pairs,
    diffs: pairs.map(diffRow),
    unmatched: Array.from({ length: 10 }, (_, i) => unmatchedRow(`${prefix}${String(i).padStart(3, '0')}`, i)),
  };
}

describe('rowsInserter on embedded chDB', () => {
  it('has the raw path in embedded mode', async () => {
    const ch = await open();
    expect(ch.mode).toBe('embedded');
    expect(typeof ch.insertRaw).toBe('function');
  });

  it('lands every column exactly as the @clickhouse/client JSONEachRow insert does, hostile text included', async () => {
    const ch = await open();
    const raw = rowsInserter(ch);
    const viaClient = async (table: string, rows: readonly object[]) =>
      void (await ch.client.insert({ table, values: rows as object[], format: 'JSONEachRow' }));
    const a = rowsOf('client-');
    const b = rowsOf('raw-');
    for (const [table, key] of [
      ['pairs', 'pairs'],
      ['pair_diffs', 'diffs'],
      ['unmatched', 'unmatched'],
    ] as const) {
      await viaClient(table, a[key]);
      await raw(table, b[key]);
      const fromClient = await read(ch, table, 'client-');
      const fromRaw = await read(ch, table, 'raw-');
      expect(fromRaw.length, table).toBe(a[key].length);
      expect(fromRaw, table).toEqual(fromClient);
    }
    // The hostile text itself survived (not merely the same on both paths).
    const rs = await ch.client.query({ query: `SELECT live_body, judge_reason FROM pairs WHERE exchange_id = 'raw-003'`, format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ live_body: (HOSTILE[3] as string).repeat(3), judge_reason: HOSTILE[3] }]);
  });

  it('carries rows of differing shapes through JSONEachRow, leaving absent columns at their defaults', async () => {
    const ch = await open();
    const raw = rowsInserter(ch);
    const id = `shape-${randomUUID()}`;
    const full = unmatchedRow(`${id}-a`, 1);
    const { path: _path, ...short } = unmatchedRow(`${id}-b`, 2);
    await raw('unmatched', [full, short]);
    const rs = await ch.client.query({
      query: `SELECT exchange_id, path FROM unmatched WHERE startsWith(exchange_id, {id:String}) ORDER BY exchange_id`,
      query_params: { id },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([
      { exchange_id: `${id}-a`, path: full.path },
      { exchange_id: `${id}-b`, path: '' },
    ]);
  });

  it('rejects a row the engine refuses with a ClickHouseError and lands nothing of that insert', async () => {
    const ch = await open();
    const raw = rowsInserter(ch);
    const id = `bad-${randomUUID()}`;
    const bad = { ...unmatchedRow(`${id}-1`, 1), side_effects: 'not a number' } as unknown as UnmatchedRow;
    const error = await raw('unmatched', [unmatchedRow(`${id}-0`, 0), bad]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isClickHouseError(error)).toBe(true);
    const rs = await ch.client.query({
      query: `SELECT count() AS n FROM unmatched WHERE startsWith(exchange_id, {id:String})`,
      query_params: { id },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: '0' }]);
  });
});
