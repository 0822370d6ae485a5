// Everything the browser sends, read through an allow list: each API path names the parameters it
// takes, each parameter has a format, and anything else is refused (400) with a message naming it.
// Values reach ClickHouse only as typed query parameters, never as SQL text; the formats exist so a
// mistake or an attack is told apart early and plainly, not to make SQL safe.
import type { PairFilter } from '@shadow/analysis';
import { EXCHANGE_ID_PATTERN, PAIR_FILTERS, parseDuration } from '@shadow/analysis';
import { MAX_WINDOW_MS } from '../config/config.js';

/** Longest value of any parameter, characters. */
export const MAX_PARAM_LENGTH = 512;
/** Longest request target (path and query) the server reads; longer is 414. */
export const MAX_URL_LENGTH = 4096;

export class ParamError extends Error {
  override readonly name = 'ParamError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const CHALLENGER_ID = /^[A-Za-z0-9._@-]{1,128}$/;
const RUN_ID = /^[A-Za-z0-9._-]{1,200}$/;
const METHOD = /^[A-Z]{1,16}$/;
/** Route templates and diff paths: any printable text (no control characters). */
// eslint-disable-next-line no-control-regex -- the class refuses control characters, which is its point
const PRINTABLE = /^[^\u0000-\u001f\u007f]{1,512}$/;
const PAGE = /^\d{1,6}$/;

/** The parameters each API path accepts. */
export const API_PARAMS = Object.freeze({
  '/api/overview': ['since', 'until', 'run'],
  '/api/pairs': ['challenger', 'since', 'until', 'run', 'method', 'route', 'path', 'filter', 'page'],
  '/api/pair': ['id'],
  '/api/config': [],
} as const);
export type ApiPath = keyof typeof API_PARAMS;

/** The query string as a map, refusing parameters the path does not take, repeats and oversize values. */
export function readParams(path: ApiPath, search: URLSearchParams): Map<string, string> {
  const allowed: readonly string[] = API_PARAMS[path];
  const out = new Map<string, string>();
  for (const [name, value] of search) {
    const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
    if (!allowed.includes(name)) {
      throw new ParamError(`unknown parameter "${shown}" for ${path} (accepted: ${allowed.length === 0 ? 'none' : allowed.join(', ')})`);
    }
    if (out.has(name)) throw new ParamError(`parameter "${name}" given more than once`);
    if (value.length > MAX_PARAM_LENGTH) throw new ParamError(`parameter "${name}" is longer than ${MAX_PARAM_LENGTH} characters`);
    out.set(name, value);
  }
  return out;
}

function matching(params: Map<string, string>, name: string, pattern: RegExp, what: string): string | undefined {
  const value = params.get(name);
  if (value === undefined || value === '') return undefined;
  if (!pattern.test(value)) throw new ParamError(`parameter "${name}" must be ${what}`);
  return value;
}

/** A time: a duration back from now (15m, 1h, 7d) or an ISO-8601 time with a zone. */
function time(params: Map<string, string>, name: string, now: number): number | undefined {
  const value = params.get(name);
  if (value === undefined || value === '') return undefined;
  if (ISO_TIME.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  } else {
    try {
      return now - parseDuration(value);
    } catch {
      // refused below
    }
  }
  throw new ParamError(`parameter "${name}" must be a duration back from now (15m, 1h, 7d) or an ISO-8601 time with a zone (2026-11-29T10:00:00Z)`);
}

export interface Target {
  window: { fromMs: number; toMs: number };
  runId?: string;
}

/** since (default: the configured window back from now), until (default: now), run. */
export function readTarget(params: Map<string, string>, now: number, defaultWindowMs: number): Target {
  const toMs = time(params, 'until', now) ?? now;
  const fromMs = time(params, 'since', now) ?? toMs - defaultWindowMs;
  if (fromMs >= toMs) throw new ParamError('"since" must be before "until"');
  if (toMs - fromMs > MAX_WINDOW_MS) throw new ParamError('the window ("since" to "until") is at most 90 days');
  const runId = matching(params, 'run', RUN_ID, 'a run id (1-200 letters, digits, ".", "_" or "-")');
  return runId === undefined ? { window: { fromMs, toMs } } : { window: { fromMs, toMs }, runId };
}

export interface PairListParams extends Target {
  challengerId: string;
  route?: { method: string; route: string };
  path?: string;
  filter: PairFilter;
  page: number;
}

export function readPairListParams(params: Map<string, string>, now: number, defaultWindowMs: number): PairListParams {
  const target = readTarget(params, now, defaultWindowMs);
  const challengerId = matching(params, 'challenger', CHALLENGER_ID, 'a challenger id (1-128 letters, digits, ".", "_", "-" or "@")');
  if (challengerId === undefined) throw new ParamError('parameter "challenger" is required');
  const method = matching(params, 'method', METHOD, 'an HTTP method in capitals');
  const route = matching(params, 'route', PRINTABLE, 'a route template without control characters');
  if ((method === undefined) !== (route === undefined)) throw new ParamError('parameters "method" and "route" go together');
  const path = matching(params, 'path', PRINTABLE, 'a differing path without control characters ($.a.b, header:<name>, effect:<key>, status)');
  const filter = params.get('filter') ?? 'differing';
  if (!(PAIR_FILTERS as readonly string[]).includes(filter)) throw new ParamError(`parameter "filter" must be one of ${PAIR_FILTERS.join(', ')}`);
  const pageText = matching(params, 'page', PAGE, 'a page number (0-100000)');
  const page = pageText === undefined ? 0 : Number(pageText);
  if (page > 100_000) throw new ParamError('parameter "page" must be a page number (0-100000)');
  return {
    ...target,
    challengerId,
    ...(method === undefined || route === undefined ? {} : { route: { method, route } }),
    ...(path === undefined ? {} : { path }),
    filter: filter as PairFilter,
    page,
  };
}

export function readExchangeId(params: Map<string, string>): string {
  const id = matching(params, 'id', EXCHANGE_ID_PATTERN, 'an exchange id (1-128 visible ASCII characters: a UUIDv7 or a request-id header value)');
  if (id === undefined) throw new ParamError('parameter "id" is required');
  return id;
}
