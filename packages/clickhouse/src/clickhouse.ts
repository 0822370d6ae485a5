// The one way project code gets a ClickHouse client. Both modes hand out the real @clickhouse/client,
// so call sites are identical; the differences are handled once here: chDB needs the process-wide
// engine bookkeeping in embedded-engine.ts, and chDB ignores the client's `database` option (an HTTP
// parameter), so embedded clients switch database with USE, which the connection keeps.
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseClientConfigOptions } from '@clickhouse/client';
import { openEmbeddedConnection } from './embedded-engine.js';
import type { EmbeddedConnection } from './embedded-engine.js';
import { toClickHouseError } from './errors.js';
import { clientLogLevel, clientLoggerClass } from './logger.js';
import { resolveClickHouseOptions } from './options.js';
import type { ClickHouseOptions, ResolvedClickHouseOptions, ResolvedEmbeddedOptions, ResolvedServerOptions } from './options.js';
import type { ClickHouse, RawInsertFormat } from './types.js';

/**
 * Creates a ClickHouse client: chDB in this process (`mode: 'embedded'`, the default) or a server over
 * HTTP (`mode: 'server'`). Options are validated first (CH_INVALID_OPTIONS); with `ensureDatabase`
 * the database is created, and a server is asked once, before this resolves, so an unreachable
 * server, bad credentials or a missing database fail here. Failures are ClickHouseErrors.
 */
export async function createClickHouse(options: ClickHouseOptions = {}): Promise<ClickHouse> {
  const resolved = resolveClickHouseOptions(options);
  return resolved.mode === 'embedded' ? createEmbedded(resolved) : createServer(resolved);
}

function commonConfig(options: ResolvedClickHouseOptions): ClickHouseClientConfigOptions {
  const { logger } = options;
  return {
    database: options.database,
    clickhouse_settings: { ...options.clickhouseSettings },
    ...(logger ? { log: { LoggerClass: clientLoggerClass(logger), level: clientLogLevel(logger) } } : {}),
  };
}

type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

// Names are validated as identifiers in options.ts; the backticks keep reserved words usable.
const createDatabaseSql = (database: string) => `CREATE DATABASE IF NOT EXISTS \`${database}\``;

async function createServer(options: ResolvedServerOptions): Promise<ClickHouse> {
  const config: ClickHouseClientConfigOptions = {
    ...commonConfig(options),
    url: options.url,
    username: options.username,
    password: options.password,
    request_timeout: options.requestTimeoutMs,
  };
  if (options.ensureDatabase && options.database !== 'default') {
    // The HTTP interface refuses any request that names a missing database, CREATE DATABASE included,
    // so this one-off client names none.
    const bootstrap = createClient({ ...config, database: 'default' });
    try {
      await bootstrap.command({ query: createDatabaseSql(options.database) });
    } catch (err) {
      throw toClickHouseError(err);
    } finally {
      await bootstrap.close();
    }
  }
  // One round trip now, so a wrong URL, password or missing database fails here (as it does in
  // embedded mode) rather than at the first query.
  const client = createClient(config);
  try {
    await client.command({ query: 'SELECT 1' });
  } catch (err) {
    await client.close();
    throw toClickHouseError(err);
  }
  return handle(options, client, options.url);
}

async function createEmbedded(options: ResolvedEmbeddedOptions): Promise<ClickHouse> {
  // chdb implements the Connection contract of @clickhouse/client-common 1.23.0, which
  // @clickhouse/client 1.23.1 bundles as its own copy; the two are the same shape but TypeScript
  // treats their SettingsMap classes (private field) as unrelated, hence the cast.
  const embedded = await openEmbeddedConnection(options.path);
  const connection = embedded as unknown as ClientConnection;
  const client = createClient({ ...commonConfig(options), connection });
  try {
    if (options.database !== 'default') {
      if (options.ensureDatabase) await client.command({ query: createDatabaseSql(options.database) });
      await client.command({ query: `USE \`${options.database}\`` });
    }
  } catch (err) {
    await client.close();
    throw toClickHouseError(err);
  }
  return handle(options, client, options.path, rawInserter(embedded, options));
}

// Settings that only the HTTP layer knows; chDB refuses them in an INSERT's SETTINGS (its connection
// drops the same ones from the client's queries).
const HTTP_ONLY_SETTINGS = /^(wait_end_of_query|send_progress_in_http_headers|enable_http_compression|http_\w+)$/;

function rawInserter(connection: EmbeddedConnection, options: ResolvedEmbeddedOptions): NonNullable<ClickHouse['insertRaw']> {
  const settings: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(options.clickhouseSettings)) {
    if (!HTTP_ONLY_SETTINGS.test(name) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) settings[name] = value;
  }
  // Unqualified names go to the client's database: chDB's raw path ignores the connection's USE.
  const qualify = (table: string): string => (table.includes('.') ? table : `${options.database}.${table}`);
  return async (table: string, body: Buffer, format: RawInsertFormat, columns?: readonly string[]): Promise<void> => {
    try {
      await connection.chdb.rawInsert({ table: qualify(table), values: body, format, settings, ...(columns ? { columns } : {}) });
    } catch (err) {
      throw toClickHouseError(err);
    }
  };
}

function handle(options: ResolvedClickHouseOptions, client: ClickHouseClient, location: string, insertRaw?: ClickHouse['insertRaw']): ClickHouse {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= client.close().catch((err: unknown) => {
      throw toClickHouseError(err);
    });
    return closing;
  };
  options.logger?.debug({ mode: options.mode, database: options.database, location }, 'clickhouse client created');
  return Object.freeze({
    mode: options.mode,
    client,
    database: options.database,
    location,
    ...(insertRaw ? { insertRaw } : {}),
    close,
    [Symbol.asyncDispose]: close,
  });
}
