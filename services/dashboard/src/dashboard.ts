// The dashboard service: opens ClickHouse through the one factory, builds the pair and explore
// stores over it, loads the page's bundle and listens. Its numbers come from @shadow/analysis
// (challengerOverview: the report's and the gate's own functions), so the page and `shadow report`
// agree by construction.
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClickHousePairStore, createClickHouseExploreStore, isAnalysisError, parseCriteria, resourcePanels } from '@shadow/analysis';
import type { ClickHouse } from '@shadow/clickhouse';
import { createClickHouse, toClickHouseError } from '@shadow/clickhouse';
import { createAdminServer } from '@shadow/service-admin';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { DashboardConfig } from './config/config.js';
import { FLAGS } from './config/config.js';
import type { CriteriaState } from './server/dashboard-server.js';
import { createDashboardHandler } from './server/dashboard-server.js';
import { createDashboardMetrics } from './server/metrics.js';
import { loadAssets } from './server/static-assets.js';

export interface StartDashboardOptions {
  /** Directory of the built page (index.html, app.js, app.css). @default the package's dist/public */
  publicDir?: string;
  /** An already open ClickHouse to read (tests; a CLI that opened one); the dashboard then does not close it. */
  clickhouse?: ClickHouse;
  now?: () => number;
}

export interface Dashboard {
  /** `http://host:port/`, what to open in a browser. */
  readonly url: string;
  readonly address: AddressInfo;
  /** Stops listening, ends open connections and closes ClickHouse. Idempotent. */
  close(): Promise<void>;
}

export class DashboardStartError extends Error {
  override readonly name = 'DashboardStartError';
  readonly code = 'DASHBOARD_START_FAILED';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const firstLine = (text: string): string => (text.split('\n')[0] ?? text).trim();

/** Re-reads the criteria file when it changes on disk, so an edited gate shows without a restart. */
function criteriaWatcher(initial: DashboardConfig['criteria']): () => CriteriaState {
  if (initial === null) return () => null;
  const { path } = initial;
  let state: CriteriaState = { loaded: initial.loaded };
  let mtime = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return () => {
    const now = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (now === undefined) return { error: `criteria file ${path} is gone`, source: path };
    if (now !== mtime) {
      mtime = now;
      try {
        state = { loaded: parseCriteria(readFileSync(path, 'utf8'), path) };
      } catch (error) {
        state = { error: isAnalysisError(error) ? error.message : String(error), source: path };
      }
    }
    return state;
  };
}

async function openClickHouse(config: DashboardConfig): Promise<ClickHouse> {
  try {
    return await createClickHouse({ ...config.clickhouse, ensureDatabase: false });
  } catch (error) {
    const ch = toClickHouseError(error);
    const owned = ch.code === 'CH_EMBEDDED_PATH_CONFLICT' || ch.code === 'CH_EMBEDDED_UNAVAILABLE';
    const hint =
      owned && config.clickhouse.mode === 'embedded'
        ? `; while a joiner owns this chDB, read through its read-only endpoint: ${FLAGS.CLICKHOUSE_URL} http://127.0.0.1:8123 (its JOINER_QUERY_PORT)`
        : '';
    throw new DashboardStartError(`cannot open ClickHouse, ${config.clickhouseDescription}: ${firstLine(ch.message)}${hint}`, { cause: error });
  }
}

function listen(server: ReturnType<typeof createServer>, config: DashboardConfig): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const setting = `${FLAGS.DASHBOARD_PORT} / DASHBOARD_PORT`;
      if (error.code === 'EADDRINUSE')
        reject(
          new DashboardStartError(`port ${config.port} on ${config.host} is already in use (${setting}): stop what holds it or choose another port`, {
            cause: error,
          }),
        );
      else if (error.code === 'EACCES')
        reject(
          new DashboardStartError(
            `not allowed to listen on ${config.host}:${config.port} (${setting}, ${FLAGS.DASHBOARD_HOST} / DASHBOARD_HOST): choose a port above 1023`,
            { cause: error },
          ),
        );
      else
        reject(
          new DashboardStartError(`cannot listen on ${config.host}:${config.port} (${FLAGS.DASHBOARD_HOST} / DASHBOARD_HOST, ${setting}): ${error.message}`, {
            cause: error,
          }),
        );
    };
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the dashboard; resolves once it listens. */
export async function startDashboard(
  config: DashboardConfig,
  logger: Logger = pino({ name: 'dashboard', level: config.logLevel }),
  options: StartDashboardOptions = {},
): Promise<Dashboard> {
  const assets = loadAssets(options.publicDir ?? fileURLToPath(new URL('./public/', import.meta.url)));
  const clickhouse = options.clickhouse ?? (await openClickHouse(config));
  const ownsClickHouse = options.clickhouse === undefined;
  const metrics = createDashboardMetrics();
  let ready = false;
  const admin = createAdminServer({
    registry: metrics.registry,
    ready: () => ready,
    details: () => ({ clickhouse: config.clickhouseDescription, criteria: config.criteria?.path ?? null }),
  });
  const server = createServer(
    { requestTimeout: 60_000, headersTimeout: 10_000 },
    createDashboardHandler({
      pairStore: createClickHousePairStore(clickhouse),
      exploreStore: createClickHouseExploreStore(clickhouse),
      resources: (window) => resourcePanels(clickhouse, window),
      criteria: criteriaWatcher(config.criteria),
      windowMs: config.windowMs,
      refreshMs: config.refreshMs,
      clickhouseDescription: config.clickhouseDescription,
      assets,
      admin,
      metrics,
      logger,
      loopbackOnly: LOOPBACK.has(config.host),
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
  );
  let address: AddressInfo;
  try {
    address = await listen(server, config);
  } catch (error) {
    if (ownsClickHouse) await clickhouse.close();
    throw error;
  }
  ready = true;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}/`;
  logger.info({ url, clickhouse: config.clickhouseDescription, criteria: config.criteria?.path ?? null }, 'dashboard listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    address,
    close() {
      closing ??= (async () => {
        ready = false;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // A browser keeps its connection open between refreshes; nothing is in flight to wait for.
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        if (ownsClickHouse) await clickhouse.close();
      })();
      return closing;
    },
  };
}
