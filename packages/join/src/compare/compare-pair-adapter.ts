// The joiner's seam to the comparison. @shadow/compare (pure logic, built in parallel) is the real
// implementation; until its API is wired here this adapter does a faithful-but-small version of the
// same rules so the join, the tables and the exactly-once machinery can be built and tested against
// real comparisons: status, headers outside an ignore set, JSON structural diff (key order ignored,
// numbers by value, array indices collapsed to [*], type changes), text otherwise, side effects by
// method + target + path, and Diffy's noise rule per (route, path) fed by secondary results.
import type { CapturedExchange, ShadowResult, SideEffect } from '@shadow/contracts';
import type { ExchangeToCompare, PairComparer, PairComparison, PathDifference, SideEffectSummary } from './types.js';

export interface ComparePairAdapterOptions {
  /** Header names (lower-case) never compared. @default date, connection, keep-alive, content-length, etag, transfer-encoding */
  ignoreHeaders?: readonly string[];
  /** Diffy's relative threshold |raw-noise|/(raw+noise). @default 0.2 */
  relativeThreshold?: number;
  /** Diffy's absolute threshold |raw-noise|/total. @default 0.0003 */
  absoluteThreshold?: number;
  /** Longest example kept per differing path. @default 200 */
  maxExampleChars?: number;
}

const DEFAULT_IGNORED = ['date', 'connection', 'keep-alive', 'content-length', 'etag', 'transfer-encoding'];
const MAX_DIFFS = 200;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function parseJson(body: Buffer, contentType: string | null): { ok: true; value: Json } | { ok: false } {
  if (body.length === 0) return { ok: false };
  const looksJson = contentType?.includes('json') === true || body[0] === 0x7b || body[0] === 0x5b;
  if (!looksJson) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as Json };
  } catch {
    return { ok: false };
  }
}

const typeOf = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function example(v: unknown, max: number): string {
  const s = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function diffJson(a: Json, b: Json, path: string, out: PathDifference[], seen: Set<string>, max: number): void {
  if (out.length >= MAX_DIFFS) return;
  const ta = typeOf(a);
  const tb = typeOf(b);
  const push = (kind: string, l: unknown, r: unknown): void => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, kind, liveExample: example(l, max), shadowExample: example(r, max) });
  };
  if (ta !== tb) return push('type', a, b);
  if (ta === 'array') {
    const la = a as Json[];
    const lb = b as Json[];
    if (la.length !== lb.length) push('length', la.length, lb.length);
    const n = Math.min(la.length, lb.length);
    for (let i = 0; i < n; i++) diffJson(la[i] as Json, lb[i] as Json, `${path}[*]`, out, seen, max);
    return;
  }
  if (ta === 'object') {
    const oa = a as Record<string, Json>;
    const ob = b as Record<string, Json>;
    for (const k of Object.keys(oa)) {
      const child = `${path}.${k}`;
      if (!(k in ob)) {
        if (!seen.has(child)) {
          seen.add(child);
          out.push({ path: child, kind: 'missing', liveExample: example(oa[k], max), shadowExample: '' });
        }
      } else diffJson(oa[k] as Json, ob[k] as Json, child, out, seen, max);
    }
    for (const k of Object.keys(ob)) {
      const child = `${path}.${k}`;
      if (!(k in oa) && !seen.has(child)) {
        seen.add(child);
        out.push({ path: child, kind: 'extra', liveExample: '', shadowExample: example(ob[k], max) });
      }
    }
    return;
  }
  if (a !== b) push('changed', a, b);
}

const callKey = (e: SideEffect): string => `${e.method} ${e.target}${e.path === '' ? '' : ` ${e.path}`}`;

function compareSideEffects(live: readonly SideEffect[], shadow: readonly SideEffect[]): SideEffectSummary {
  const liveByKey = new Map<string, SideEffect[]>();
  for (const e of live) {
    const list = liveByKey.get(callKey(e)) ?? [];
    list.push(e);
    liveByKey.set(callKey(e), list);
  }
  let extra = 0;
  let different = 0;
  const detail: string[] = [];
  for (const e of shadow) {
    const list = liveByKey.get(callKey(e));
    const match = list?.shift();
    if (match === undefined) {
      extra++;
      detail.push(`extra ${callKey(e)}`);
    } else if (!match.requestSummary.equals(e.requestSummary)) {
      different++;
      detail.push(`different ${callKey(e)}`);
    }
  }
  let missing = 0;
  for (const [key, list] of liveByKey) {
    missing += list.length;
    for (let i = 0; i < list.length; i++) detail.push(`missing ${key}`);
  }
  return { live: live.length, shadow: shadow.length, missing, extra, different, detail: detail.slice(0, 20).join('; ') };
}

const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** Route template: the tap's when known, else ids, uuids and hashes in the path become `:id`. */
export function routeTemplateOf(exchange: CapturedExchange): string {
  if (exchange.routeTemplate !== null && exchange.routeTemplate !== '') return exchange.routeTemplate;
  return exchange.path.split('/').map((s) => (ID_SEGMENT.test(s) ? ':id' : s)).join('/');
}

/** Local stand-in for @shadow/compare (see the module comment). Holds the noise counters. */
export function comparePairAdapter(options: ComparePairAdapterOptions = {}): PairComparer {
  const ignored = new Set(options.ignoreHeaders ?? DEFAULT_IGNORED);
  const rel = options.relativeThreshold ?? 0.2;
  const abs = options.absoluteThreshold ?? 0.0003;
  const maxExample = options.maxExampleChars ?? 200;
  // (route) -> compared count and per-path difference counts, candidate (raw) and secondary (noise).
  const raw = new Map<string, { total: number; paths: Map<string, number> }>();
  const noise = new Map<string, { total: number; paths: Map<string, number> }>();
  const bump = (model: typeof raw, route: string, paths: Iterable<string>): void => {
    let r = model.get(route);
    if (r === undefined) {
      r = { total: 0, paths: new Map() };
      model.set(route, r);
    }
    r.total++;
    for (const p of paths) r.paths.set(p, (r.paths.get(p) ?? 0) + 1);
  };
  const isNoise = (route: string, path: string): boolean => {
    const n = noise.get(route)?.paths.get(path) ?? 0;
    if (n === 0) return false;
    const r = raw.get(route)?.paths.get(path) ?? 0;
    const total = Math.max(raw.get(route)?.total ?? 0, 1);
    const real = r > n && Math.abs(r - n) / (r + n) > rel && Math.abs(r - n) / total > abs;
    return !real;
  };

  function compareOne(exchange: CapturedExchange, result: ShadowResult, live: readonly SideEffect[], shadow: readonly SideEffect[]): Omit<PairComparison, 'noisyPaths' | 'route'> {
    const differences: PathDifference[] = [];
    const statusMatch = exchange.responseStatus === result.responseStatus;
    if (!statusMatch) differences.push({ path: 'status', kind: 'changed', liveExample: String(exchange.responseStatus), shadowExample: String(result.responseStatus) });
    let headersMatch = true;
    const names = new Set([...Object.keys(exchange.responseHeaders), ...Object.keys(result.responseHeaders)]);
    for (const name of names) {
      if (ignored.has(name)) continue;
      const l = (exchange.responseHeaders[name] ?? []).join(', ');
      const r = (result.responseHeaders[name] ?? []).join(', ');
      if (l !== r) {
        headersMatch = false;
        differences.push({ path: `header:${name}`, kind: 'changed', liveExample: example(l, maxExample), shadowExample: example(r, maxExample) });
      }
    }
    let comparator = 'bytes';
    let bodyMatch = exchange.responseBody.equals(result.responseBody);
    if (!bodyMatch) {
      const l = parseJson(exchange.responseBody, exchange.responseContentType);
      const r = parseJson(result.responseBody, result.responseContentType);
      if (l.ok && r.ok) {
        comparator = 'json';
        const before = differences.length;
        diffJson(l.value, r.value, '$', differences, new Set(), maxExample);
        bodyMatch = differences.length === before;
      } else {
        comparator = 'text';
        differences.push({ path: '$', kind: 'text', liveExample: example(exchange.responseBody.toString('utf8'), maxExample), shadowExample: example(result.responseBody.toString('utf8'), maxExample) });
      }
    }
    const sideEffects = compareSideEffects(live, shadow);
    const sideEffectsMatch = sideEffects.missing + sideEffects.extra + sideEffects.different === 0;
    const agree = statusMatch && headersMatch && bodyMatch && sideEffectsMatch && result.errorKind === null;
    return { statusMatch, headersMatch, bodyMatch, sideEffectsMatch, differences, sideEffects, comparator, verdict: agree ? 'agree' : 'disagree', score: null };
  }

  return {
    routeOf: routeTemplateOf,
    compareExchange(input: ExchangeToCompare): Map<string, PairComparison> {
      const route = routeTemplateOf(input.exchange);
      const out = new Map<string, PairComparison>();
      const ordered = [...input.results].sort((a, b) => Number(b.challengerRole === 'secondary') - Number(a.challengerRole === 'secondary'));
      for (const result of ordered) {
        const c = compareOne(input.exchange, result, input.liveSideEffects, input.challengerSideEffects.get(result.challengerId) ?? []);
        const paths = c.differences.map((d) => d.path);
        bump(result.challengerRole === 'secondary' ? noise : raw, route, paths);
        const noisyPaths = new Set(result.challengerRole === 'secondary' ? paths : paths.filter((p) => isNoise(route, p)));
        out.set(result.challengerId, { ...c, route, noisyPaths });
      }
      return out;
    },
  };
}
