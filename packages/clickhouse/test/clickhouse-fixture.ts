// Shared by the embedded and server integration tests. Each test gets its own database and drops it
// when it finishes. Embedded tests in one process share one chDB directory (one engine per process)
// and every process has its own, so parallel vitest workers never meet.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, onTestFinished } from 'vitest';
import { ClickHouseError, clickhouseOptionsFromEnv, createClickHouse } from '@shadow/clickhouse';
import type { ClickHouse, ClickHouseOptions } from '@shadow/clickhouse';

// test/setup/global-setup.ts provides the resolved stack (@shadow/stack-harness's StackEndpoints);
// only the ClickHouse part is read here, typed locally so this package need not depend on the harness.
type HarnessClickHouse = { mode: 'embedded'; path: string } | { mode: 'server'; url: string; username: string; password: string; database: string };
declare module 'vitest' {
  export interface ProvidedContext {
    stack: { clickhouse: HarnessClickHouse };
  }
}

export const CHDB_TEST_PATH = join(tmpdir(), `shadow-chdb-${process.pid}`);

/**
 * A ClickHouse server to test against, if there is one: the harness's (CLICKHOUSE_URL with
 * KAFKA_BROKERS/SCHEMA_REGISTRY_URL, or testcontainers when a Docker engine runs), else
 * CLICKHOUSE_URL on its own.
 */
export function serverUnderTest(): ClickHouseOptions | undefined {
  const fromHarness = (inject('stack') as { clickhouse: HarnessClickHouse } | undefined)?.clickhouse;
  if (fromHarness?.mode === 'server') {
    const { url, username, password } = fromHarness;
    return { mode: 'server', url, username, password };
  }
  const { CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD } = process.env;
  if (!CLICKHOUSE_URL) return undefined;
  return clickhouseOptionsFromEnv({ CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD });
}

export const uniqueDatabase = (): string => `t_${randomUUID().replaceAll('-', '')}`;

/** A client on a fresh database, dropped (and the client closed) when the current test ends. */
export async function openTestClickHouse(options: ClickHouseOptions): Promise<ClickHouse> {
  const database = uniqueDatabase();
  const ch = await createClickHouse({ ...options, database });
  onTestFinished(async () => {
    // A separate client, because the test may have closed its own.
    const admin = await createClickHouse({ ...options, database: 'default' });
    try {
      // SYNC: an Atomic database otherwise keeps its data on disk for minutes after DROP.
      await admin.client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` });
    } finally {
      await admin.close();
      await ch.close();
    }
  });
  return ch;
}

/** The ClickHouseError a call rejects with; fails the test when it resolves or throws something else. */
export async function rejectionOf(call: Promise<unknown>): Promise<ClickHouseError> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(ClickHouseError);
    return err as ClickHouseError;
  }
  throw new Error('expected a rejection');
}
