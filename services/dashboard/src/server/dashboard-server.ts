// The dashboard's one HTTP port: the page and its bundle, a read-only JSON API, and the shared
// admin routes (/healthz, /readyz, /metrics). GET and HEAD only. Every API parameter is read
// through params.ts' allow list; what reaches ClickHouse does so as typed query parameters.
//
// The admin routes are @shadow/service-admin's admin server, handed this port's requests for its
// three paths instead of listening on a port of its own: a dashboard is one URL to open, and its
// probes and metrics stay the same code as every other service's.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ChallengerOverview, ChallengerSummary, ExploreStore, LoadedCriteria, PairStore, ResourcePanel } from '@shadow/analysis';
import { challengerOverview, isAnalysisError } from '@shadow/analysis';
import { toClickHouseError } from '@shadow/clickhouse';
import type { Logger } from 'pino';
import type { DashboardMetrics } from './metrics.js';
import type { ApiPath } from './params.js';
import { API_PARAMS, MAX_URL_LENGTH, ParamError, readExchangeId, readPairListParams, readParams, readTarget } from './params.js';
import type { Asset } from './static-assets.js';

/** The criteria file as last read: loaded, or why it could not be (the page says so). */
export type CriteriaState = { loaded: LoadedCriteria } | { error: string; source: string } | null;

export interface DashboardHandlerOptions {
  pairStore: PairStore;
  exploreStore: ExploreStore;
  /** The criteria to judge on now (re-read when the file changes). */
  criteria: () => CriteriaState;
  windowMs: number;
  refreshMs: number;
  /** "server http://… (from --clickhouse-url)", shown in the page footer. */
  clickhouseDescription: string;
  assets: ReadonlyMap<string, Asset>;
  admin: Server;
  metrics: DashboardMetrics;
  logger: Logger;
  /** Both sides' scraped CPU and RSS per service over a window (resource_samples); absent: no resource panel. */
  resources?: ((window: { fromMs: number; toMs: number }) => Promise<ResourcePanel[]>) | undefined;
  /** Refuse requests whose Host is not a loopback name (DNS rebinding), when bound to loopback. */
  loopbackOnly: boolean;
  now?: () => number;
}

const ADMIN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
/** A repeated identical API request within this time shares one answer (several tabs, a double click). */
const SHARE_MS = 1000;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // uPlot sizes its canvases through style attributes: inline styles are allowed, inline scripts are not.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'cache-control': 'no-store' });
}

const firstLine = (text: string): string => (text.split('\n')[0] ?? text).trim();

/** A store failure as the page shows it: what failed and what to do, never a stack. */
function failure(error: unknown): { status: number; message: string } {
  if (error instanceof ParamError) return { status: error.status, message: error.message };
  if (isAnalysisError(error) && error.code === 'ANALYSIS_INVALID_ARGUMENT') return { status: 400, message: firstLine(error.message) };
  if (isAnalysisError(error) && error.code === 'ANALYSIS_QUERY_FAILED') {
    const ch = toClickHouseError(error.cause ?? error);
    const hint =
      ch.code === 'CH_UNKNOWN_TABLE' || ch.code === 'CH_UNKNOWN_DATABASE'
        ? ': no pair tables here; point the dashboard at the database the joiner writes to (--database, --clickhouse-url) or run `shadow migrate`'
        : ch.code === 'CH_CONNECTION'
          ? ': start ClickHouse (or the joiner whose read-only endpoint this is) or correct --clickhouse-url'
          : '';
    return { status: 502, message: `ClickHouse: ${firstLine(ch.message)}${hint}` };
  }
  return { status: 500, message: 'internal error (see the dashboard log)' };
}

export function createDashboardHandler(o: DashboardHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const now = o.now ?? Date.now;
  const shared = new Map<string, { at: number; answer: Promise<unknown> }>();

  /** Runs `compute` once for identical requests arriving within SHARE_MS. */
  function once(key: string, compute: () => Promise<unknown>): Promise<unknown> {
    const t = now();
    for (const [k, v] of shared) if (t - v.at > SHARE_MS) shared.delete(k);
    const hit = shared.get(key);
    if (hit !== undefined) return hit.answer;
    const answer = compute();
    shared.set(key, { at: t, answer });
    answer.catch(() => shared.delete(key));
    return answer;
  }

  function criteriaInfo(state: CriteriaState): unknown {
    if (state === null) return null;
    if ('error' in state) return { source: state.source, error: state.error };
    return { source: state.loaded.source, name: state.loaded.criteria.name ?? null, sha256: state.loaded.sha256 };
  }

  // The last overview per challenger, with what it was computed from. A refresh while nothing has
  // landed or left the window (same pairs, same first and last capture, same latest landing, same
  // unmatched rows, same criteria) reuses it: the numbers cannot have changed, and measuring plus judging takes seconds
  // at 10k pairs, far more than the one query that tells.
  const lastViews = new Map<string, { key: string; view: ChallengerOverview }>();

  async function overview(params: Map<string, string>): Promise<unknown> {
    const target = readTarget(params, now(), o.windowMs);
    const state = o.criteria();
    const criteria = state !== null && 'loaded' in state ? state.loaded : undefined;
    const list: ChallengerSummary[] = await o.exploreStore.challengers(target);
    const challengers = [];
    for (const summary of list) {
      const key = JSON.stringify([
        target.runId ?? null,
        criteria?.sha256 ?? null,
        summary.pairs,
        summary.firstCaptureMs,
        summary.lastCaptureMs,
        summary.lastJoinedMs,
        summary.unmatchedRows,
        summary.lastUnmatchedJoinedMs,
      ]);
      const last = lastViews.get(summary.challengerId);
      let view: ChallengerOverview;
      if (last !== undefined && last.key === key) {
        const { report, verdict } = last.view;
        view = {
          ...last.view,
          report: report === null ? null : { ...report, window: target.window },
          verdict: verdict === null ? null : { ...verdict, window: target.window },
        };
      } else {
        view = await challengerOverview(o.pairStore, o.exploreStore, { challengerId: summary.challengerId, ...target, criteria });
      }
      lastViews.set(summary.challengerId, { key, view });
      challengers.push({ ...summary, ...view });
    }
    const resources = o.resources === undefined ? [] : await o.resources(target.window);
    return {
      generatedAtMs: now(),
      window: target.window,
      runId: target.runId ?? null,
      refreshMs: o.refreshMs,
      criteria: criteriaInfo(state),
      clickhouse: o.clickhouseDescription,
      challengers,
      resources,
      // Alert states and the ramp step: the joiner's watch (docs/watch.md) does not serve them yet.
      watch: null,
    };
  }

  async function api(path: ApiPath, search: URLSearchParams): Promise<unknown> {
    const params = readParams(path, search);
    switch (path) {
      case '/api/config':
        return { windowMs: o.windowMs, refreshMs: o.refreshMs, criteria: criteriaInfo(o.criteria()), clickhouse: o.clickhouseDescription };
      case '/api/overview':
        return overview(params);
      case '/api/pairs': {
        const q = readPairListParams(params, now(), o.windowMs);
        return o.exploreStore.pairs({ ...q, pageSize: 50 });
      }
      case '/api/pair': {
        const detail = await o.exploreStore.pairDetail(readExchangeId(params));
        if (detail === null) throw new ParamError('no pair and no unmatched row with this exchange id (bodies and pairs expire: docs/tables.md)', 404);
        return detail;
      }
    }
  }

  return (req, res) => {
    const started = process.hrtime.bigint();
    let route = 'other';
    res.on('finish', () => o.metrics.requests.inc({ route, status: String(res.statusCode) }));
    const target = req.url ?? '/';
    if (target.length > MAX_URL_LENGTH) {
      sendJson(res, 414, { error: `request target longer than ${MAX_URL_LENGTH} characters` });
      return;
    }
    if (o.loopbackOnly) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_HOSTS.has(host)) {
        sendJson(res, 421, { error: `this dashboard listens on loopback and answers only to 127.0.0.1, localhost or [::1], not "${host.slice(0, 64)}"` });
        return;
      }
    }
    let url: URL;
    try {
      url = new URL(target, 'http://dashboard.invalid');
    } catch {
      sendJson(res, 400, { error: 'malformed request target' });
      return;
    }
    const path = url.pathname;
    if (ADMIN_PATHS.has(path)) {
      route = path;
      o.admin.emit('request', req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'only GET and HEAD\n', 'text/plain; charset=utf-8', { allow: 'GET, HEAD' });
      return;
    }
    if (Object.hasOwn(API_PARAMS, path)) {
      route = path;
      const key = `${path}?${url.searchParams.toString()}`;
      const work = path === '/api/overview' ? once(key, () => api(path as ApiPath, url.searchParams)) : api(path as ApiPath, url.searchParams);
      work.then(
        (value) => {
          o.metrics.apiSeconds.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
          sendJson(res, 200, value);
        },
        (error: unknown) => {
          const { status, message } = failure(error);
          if (status >= 500) o.logger.warn({ err: error, path }, 'dashboard API request failed');
          sendJson(res, status, { error: message });
        },
      );
      return;
    }
    const asset = o.assets.get(path === '/index.html' ? '/' : path);
    if (asset === undefined) {
      send(res, 404, 'not found\n', 'text/plain; charset=utf-8');
      return;
    }
    route = 'asset';
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { ...SECURITY_HEADERS, etag: asset.etag }).end();
      return;
    }
    send(res, 200, asset.body, asset.type, { etag: asset.etag, 'cache-control': 'no-cache' });
  };
}
