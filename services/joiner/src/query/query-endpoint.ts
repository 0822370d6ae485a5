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

type QueryEndpointConfig = Pick<JoinerConfig, 'JOINER_QUERY_PORT' | 'JOINER_QUERY_HOST' | 'JOINER_QUERY_USER' | 'JOINER_QUERY_PASSWORD'>;

/** Starts the endpoint when ClickHouse is embedded and JOINER_QUERY_PORT is not `off`; logs its URL. */
export async function startQueryEndpoint(config: QueryEndpointConfig, clickhouse: ClickHouse, logger: Logger): Promise<QueryEndpoint | undefined> {
  if (clickhouse.mode !== 'embedded') {
    logger.info({ clickhouse: clickhouse.location }, 'no query endpoint in server mode: analysts and `shadow report|gate|query` use the ClickHouse server');
    return undefined;
  }
  if (config.JOINER_QUERY_PORT === 'off') {
    logger.info('query endpoint off (JOINER_QUERY_PORT=off): no other process can read this embedded ClickHouse while the joiner runs');
    return undefined;
  }
  const port = config.JOINER_QUERY_PORT;
  const endpoint = await createQueryEndpoint({
    clickhouse,
    host: config.JOINER_QUERY_HOST,
    port,
    ...(config.JOINER_QUERY_USER === undefined ? {} : { user: config.JOINER_QUERY_USER }),
    ...(config.JOINER_QUERY_PASSWORD === undefined ? {} : { password: config.JOINER_QUERY_PASSWORD }),
    displayName: 'shadow-joiner',
    logger: logger.child({ component: 'query-endpoint' }),
    routes: [gateRunsRoute(clickhouse)],
  }).catch((err: unknown) => {
    throw explainListenError(err, { port, host: config.JOINER_QUERY_HOST, setting: 'JOINER_QUERY_PORT' });
  });
  logger.info(
    { url: endpoint.url, database: clickhouse.database, auth: config.JOINER_QUERY_PASSWORD !== undefined, gateRuns: `${endpoint.url}${GATE_RUNS_PATH}` },
    `query endpoint (read-only, ClickHouse HTTP interface) at ${endpoint.url}: shadow query|report|gate --clickhouse-url ${endpoint.url}`,
  );
  return endpoint;
}
