import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClickHouse } from '@shadow/clickhouse';
import type { ClickHouseOptions } from '@shadow/clickhouse';
import { openTestClickHouse, rejectionOf, serverUnderTest, uniqueDatabase } from './clickhouse-fixture.js';
import { dateTimeRoundTrip, engineErrorsConvert, insertAndAggregate } from './scenarios.js';

// There is no ClickHouse server on the machines these tests were written on (no Docker engine for
// the harness's testcontainers, and Debian's clickhouse-server is 18.16 from 2018), so these run
// only where one is available: a Docker engine, or CLICKHOUSE_URL (+ CLICKHOUSE_USER/PASSWORD),
// e.g. `docker compose up -d --wait clickhouse` with the values in docker-compose.yml's x-host-env.
const serverOptions = serverUnderTest();
const noServer = serverOptions === undefined;
const server = (): ClickHouseOptions => serverOptions ?? {};

describe('server mode', () => {
  it.skipIf(noServer)('inserts 100k rows in 10 batches and aggregates them exactly', async () => {
    const ch = await openTestClickHouse(server());
    expect(ch.mode).toBe('server');
    await insertAndAggregate(ch);
  });

  it.skipIf(noServer)('reads ISO date-times and epoch numbers, and writes ISO', async () => {
    await dateTimeRoundTrip(await openTestClickHouse(server()));
  });

  it.skipIf(noServer)('reports engine errors that toClickHouseError turns into CH_ codes', async () => {
    await engineErrorsConvert(await openTestClickHouse(server()));
  });

  it.skipIf(noServer)('fails with CH_UNKNOWN_DATABASE when the database is missing and ensureDatabase is off', async () => {
    const err = await rejectionOf(createClickHouse({ ...server(), database: uniqueDatabase(), ensureDatabase: false }));
    expect(err).toMatchObject({ code: 'CH_UNKNOWN_DATABASE', serverType: 'UNKNOWN_DATABASE' });
  });

  it.skipIf(noServer)('fails with CH_AUTHENTICATION on a wrong password', async () => {
    const err = await rejectionOf(createClickHouse({ ...server(), password: `wrong-${uniqueDatabase()}` }));
    expect(err).toMatchObject({ code: 'CH_AUTHENTICATION', retriable: false });
  });

  // Needs no server: a port nobody listens on.
  it('fails with a retriable CH_CONNECTION when nothing listens at the URL', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));

    const errors: { obj: object; msg: string | undefined }[] = [];
    const ignore = () => undefined;
    const logger = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: (obj: object, msg?: string) => void errors.push({ obj, msg }) };
    const url = `http://127.0.0.1:${port}`;
    const err = await rejectionOf(createClickHouse({ mode: 'server', url, database: 'shadow', logger }));
    expect(err).toMatchObject({ code: 'CH_CONNECTION', retriable: true });
    // @clickhouse/client's own report went to our logger, pino-style, not to the console.
    expect(errors).toContainEqual({
      obj: expect.objectContaining({ module: 'Connection', err: expect.objectContaining({ code: 'ECONNREFUSED' }) }) as unknown,
      msg: expect.stringContaining('HTTP request error') as unknown,
    });
  });
});
