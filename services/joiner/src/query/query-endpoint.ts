// The joiner's read-only SQL endpoint. In embedded mode this process owns the chDB engine (one per
// process, one process per directory), so it is the only way analysts, Grafana, JDBC tools and
// `shadow report|gate|query` in other processes reach the pairs. It also carries the one write the
// system needs from outside while the joiner runs: the gate's audit row (POST /shadow/gate-runs).
// In server mode nothing is served: everyone uses the ClickHouse server itself.
import { createQueryEndpoint } from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpoint } from '@shadow/clickhouse';
import { explainListenError } from '@shadow/service-admin';
import type { Logger } from 'pino';
import type { JoinerConfig } from '../config/config.js';
import { GATE_RUNS_PATH, gateRunsRoute } from './gate-runs-route.js';

type QueryEndpointConfig = Pick<JoinerConfig, 'query'>;

/** Starts the endpoint when ClickHouse is embedded and JOINER_QUERY_PORT is not `off`; logs its URL. */
export async function startQueryEndpoint({ query }: QueryEndpointConfig, clickhouse: ClickHouse, logger: Logger): Promise<QueryEndpoint | undefined> {
  if (clickhouse.mode !== 'embedded') {
    logger.info({ clickhouse: clickhouse.location }, 'no query endpoint in server mode: analysts and `shadow report|gate|query` use the ClickHouse server');
    return undefined;
  }
  if (query.port === 'off') {
    logger.info('query endpoint off (JOINER_QUERY_PORT=off): no other process can read this embedded ClickHouse while the joiner runs');
    return undefined;
  }
  const port = query.port;
  const endpoint = await createQueryEndpoint({
    clickhouse,
    host: query.host,
    port,
    ...(query.user === undefined ? {} : { user: query.user }),
    ...(query.password === undefined ? {} : { password: query.password }),
    displayName: 'shadow-joiner',
    logger: logger.child({ component: 'query-endpoint' }),
    routes: [gateRunsRoute(clickhouse)],
  }).catch((err: unknown) => {
    throw explainListenError(err, { port, host: query.host, setting: 'JOINER_QUERY_PORT' });
  });
  logger.info(
    { url: endpoint.url, database: clickhouse.database, auth: query.password !== undefined, gateRuns: `${endpoint.url}${GATE_RUNS_PATH}` },
    `query endpoint (read-only, ClickHouse HTTP interface) at ${endpoint.url}: shadow query|report|gate --clickhouse-url ${endpoint.url}`,
  );
  return endpoint;
}
