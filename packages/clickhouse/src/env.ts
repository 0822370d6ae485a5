// Environment variables, named like the local stack (infra/local) and docker-compose.yml:
//   CLICKHOUSE_URL       set: server mode against this URL (e.g. http://localhost:8123)
//   CLICKHOUSE_USER      server mode user                      (default: default)
//   CLICKHOUSE_PASSWORD  server mode password                  (default: empty)
//   CLICKHOUSE_DATABASE  database, both modes                  (default: default)
//   CHDB_PATH            embedded mode data directory          (default: .stack/data/chdb)
// Empty values count as unset. Contradictory combinations fail instead of silently picking a mode.
import { ClickHouseError } from './errors.js';
import type { ClickHouseOptions } from './options.js';

export type ClickHouseEnv = Readonly<Record<string, string | undefined>>;

/** Options for {@link createClickHouse} from the environment; validation happens when the client is created. */
export function clickhouseOptionsFromEnv(env: ClickHouseEnv = process.env): ClickHouseOptions {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const url = get('CLICKHOUSE_URL');
  const username = get('CLICKHOUSE_USER');
  const password = get('CLICKHOUSE_PASSWORD');
  const database = get('CLICKHOUSE_DATABASE');
  const path = get('CHDB_PATH');

  const common: ClickHouseOptions = database === undefined ? {} : { database };
  if (url !== undefined) {
    if (path !== undefined) {
      throw new ClickHouseError('CH_INVALID_OPTIONS', 'CLICKHOUSE_URL (server mode) and CHDB_PATH (embedded mode) are both set; unset one of them.');
    }
    return {
      ...common,
      mode: 'server',
      url,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    };
  }
  const stray = username === undefined ? (password === undefined ? undefined : 'CLICKHOUSE_PASSWORD') : 'CLICKHOUSE_USER';
  if (stray !== undefined) {
    throw new ClickHouseError(
      'CH_INVALID_OPTIONS',
      `${stray} is set but CLICKHOUSE_URL is not; set CLICKHOUSE_URL to use a server, or unset ${stray} to use embedded chDB.`,
    );
  }
  return { ...common, mode: 'embedded', ...(path === undefined ? {} : { path }) };
}
