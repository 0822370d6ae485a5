// Pairs landed the way the joiner lands them: captured exchanges and challenger results built as
// the tap and the replayer record them, compared by the joiner's real comparer (@shadow/compare
// through sharedComparer, with the secondary as the noise baseline), turned into rows by rowsFor
// and inserted as the batch writer inserts them (JSONEachRow into pairs, pair_diffs, unmatched).
// Times are computed back from the clock.
//
// The scenario is the demo's pricing service: a candidate that adds `currency` and quotes 5% higher
// on GET /quote/:sku, a random `quoteId` in every answer (noise: the secondary differs there too),
// a candidate-only payment call on some POST /orders, a few candidate timeouts and live 503s, and
// exchanges no result arrived for (unmatched), and a GET /health that agrees exactly (no noise), so
// its pairs keep no bodies (sample rate 0; any difference, noise included, keeps them).
import { randomUUID } from 'node:crypto';
import type { ClickHouse } from '@shadow/clickhouse';
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import { rowsFor, sharedComparer } from '@shadow/join';
import type { JoinedExchange, RowSet } from '@shadow/join';

export const CANDIDATE = 'pricing-v2';
export const SECONDARY = 'pricing-v1b';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function exchange(
  id: string,
  atMs: number,
  method: string,
  path: string,
  template: string,
  status: number,
  body: unknown,
  requestId: string,
): CapturedExchange {
  const bytes = json(body);
  return {
    exchangeId: id,
    captureTimeMs: atMs,
    service: 'pricing',
    environment: 'test',
    method,
    scheme: 'http',
    host: 'pricing.local',
    path,
    query: '',
    routeTemplate: template,
    requestHeaders: {},
    requestBody: Buffer.alloc(0),
    requestBodyTruncated: false,
    requestBodySize: 0,
    requestContentType: null,
    responseStatus: status,
    responseHeaders: { 'content-type': ['application/json'], 'x-request-id': [requestId], 'x-version': ['1.4.0'] },
    responseBody: bytes,
    responseBodyTruncated: false,
    responseBodySize: bytes.length,
    responseContentType: 'application/json',
    liveLatencyUs: 0,
    aborted: false,
    samplingRate: 1,
    tapVersion: 'test',
    outboundCalls: [],
  } as CapturedExchange;
}

function result(
  id: string,
  challengerId: string,
  role: string,
  atMs: number,
  status: number,
  body: unknown,
  latencyUs: number,
  version: string | null,
  errorKind: string | null = null,
): ShadowResult {
  const bytes = errorKind === null ? json(body) : Buffer.alloc(0);
  const headers =
    version === null
      ? { 'content-type': ['application/json'] }
      : { 'content-type': ['application/json'], 'x-request-id': [randomUUID()], 'x-version': [version] };
  return {
    exchangeId: id,
    challengerId,
    challengerName: challengerId,
    attempt: 1,
    replayTimeMs: atMs + 5,
    responseStatus: errorKind === null ? status : 0,
    responseHeaders: errorKind === null ? headers : {},
    responseBody: bytes,
    responseBodyTruncated: false,
    responseBodySize: bytes.length,
    responseContentType: errorKind === null ? 'application/json' : null,
    latencyUs,
    errorKind,
    errorMessage: errorKind === null ? null : 'no answer in 2000 ms',
    replayerVersion: 'test',
    challengerRole: role,
    runId: null,
  };
}

function payment(id: string, atMs: number): SideEffect {
  return {
    exchangeId: id,
    origin: CANDIDATE,
    attempt: 1,
    sequence: 0,
    observedTimeMs: atMs + 6,
    dependencyKind: 'http',
    target: 'payments:443',
    operation: 'POST /v1/charges',
    requestSummary: json({ amount: 1 }),
    mocked: true,
    mockedResponse: null,
    method: 'POST',
    path: '/v1/charges',
    requestHeaders: {},
    responseStatus: 503,
    responseBody: Buffer.alloc(0),
    durationUs: 100,
    disposition: 'blocked',
    runId: null,
  } as SideEffect;
}

export interface SeededExchange {
  id: string;
  route: string;
  /** The candidate's answer differs for real (not only noise). */
  differs: boolean;
}

export interface Seeded {
  exchanges: SeededExchange[];
  /** First and last capture time. */
  fromMs: number;
  toMs: number;
  rows: LandedRows;
}

/** The rows this fixture lands (what rowsFor returns for pairs, pair_diffs and unmatched). */
export type LandedRows = Pick<RowSet, 'pairs' | 'diffs' | 'unmatched'>;

/** Builds `n` exchanges over the last `spanMs` (ending a minute ago) and their rows. */
export function buildScenario(n = 120, spanMs = 20 * 60_000): Seeded {
  const comparer = sharedComparer({});
  const now = Date.now();
  const start = now - 60_000 - spanMs;
  const out: LandedRows = { pairs: [], diffs: [], unmatched: [] };
  const exchanges: SeededExchange[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const at = start + Math.floor((i * spanMs) / n);
    const live503 = i % 29 === 7;
    const timeout = i % 23 === 5;
    const quote = i % 3 !== 2;
    const latency = 8_000 + (i % 10) * 1_000;
    let ex: CapturedExchange;
    let cand: unknown;
    let sec: unknown;
    let differs: boolean;
    const effects: SideEffect[] = [];
    if (quote) {
      const sku = `sku-${i % 7}`;
      const total = 100 + (i % 5) * 10;
      // Every 4th quote is a cheap item whose price the candidate does not change.
      const same = i % 4 === 0;
      const liveBody = live503 ? { error: 'unavailable' } : { quoteId: randomUUID(), sku, total, items: [{ sku, qty: 1, price: total }] };
      ex = exchange(id, at, 'GET', `/quote/${sku}`, '/quote/:sku', live503 ? 503 : 200, liveBody, randomUUID());
      cand = live503
        ? liveBody
        : {
            quoteId: randomUUID(),
            sku,
            total: same ? total : Math.round(total * 105) / 100,
            items: [{ sku, qty: 1, price: total }],
            ...(same ? {} : { currency: 'EUR' }),
          };
      sec = live503 ? liveBody : { ...liveBody, quoteId: randomUUID() };
      differs = !live503 && !same;
    } else if (i % 2 === 0) {
      // A health check answers the same bytes everywhere: agreeing pairs without any noise, whose
      // bodies the joiner does not keep.
      const body = { status: 'ok' };
      ex = exchange(id, at, 'GET', '/health', '/health', 200, body, '');
      ex = { ...ex, responseHeaders: { 'content-type': ['application/json'] } };
      cand = body;
      sec = body;
      differs = false;
    } else {
      const orderId = `o-${i}`;
      const liveBody = { orderId, status: 'accepted', quoteId: randomUUID() };
      ex = exchange(id, at, 'POST', '/orders', '/orders', 201, liveBody, randomUUID());
      cand = { ...liveBody, quoteId: randomUUID() };
      sec = { ...liveBody, quoteId: randomUUID() };
      differs = i % 4 === 1;
      if (differs) effects.push(payment(id, at));
    }
    ex = { ...ex, liveLatencyUs: latency };
    const status = ex.responseStatus;
    const health = ex.path === '/health';
    const results = new Map<string, ShadowResult>();
    // The candidate names its version in a header only where its answer differs anyway.
    results.set(
      CANDIDATE,
      result(id, CANDIDATE, 'candidate', at, status, cand, Math.round(latency * 1.3), health ? null : differs ? '1.5.0' : '1.4.0', timeout ? 'timeout' : null),
    );
    // Some exchanges have no secondary result: they go unmatched for the secondary.
    const secondaryMissing = i % 31 === 3;
    if (!secondaryMissing) results.set(SECONDARY, result(id, SECONDARY, 'secondary', at, status, sec, latency + 500, health ? null : '1.4.0'));
    const joined = {
      exchangeId: id,
      partition: 0,
      cause: 'complete',
      firstSeenMs: at,
      exchange: ex,
      results,
      sideEffects: effects,
      slots: [],
    } as unknown as JoinedExchange;
    const rows = rowsFor(joined, comparer, { challengers: [CANDIDATE, SECONDARY], bodySampleRate: 0, maxBodyBytes: 65_536 }, now);
    out.pairs.push(...rows.pairs);
    out.diffs.push(...rows.diffs);
    out.unmatched.push(...rows.unmatched);
    exchanges.push({ id, route: `${ex.method} ${ex.routeTemplate ?? ''}`, differs: differs || timeout });
  }
  return { exchanges, fromMs: start, toMs: start + spanMs, rows: out };
}

/** Inserts the rows as the joiner's batch writer does. */
export async function landRows(ch: Pick<ClickHouse, 'client'>, rows: LandedRows): Promise<void> {
  if (rows.pairs.length > 0) await ch.client.insert({ table: 'pairs', values: rows.pairs, format: 'JSONEachRow' });
  if (rows.diffs.length > 0) await ch.client.insert({ table: 'pair_diffs', values: rows.diffs, format: 'JSONEachRow' });
  if (rows.unmatched.length > 0) await ch.client.insert({ table: 'unmatched', values: rows.unmatched, format: 'JSONEachRow' });
}
