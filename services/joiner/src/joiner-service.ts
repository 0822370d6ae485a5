// Wiring: Kafka, the schema registry, ClickHouse (schema applied), the joiner and the admin server.
import type { AddressInfo } from 'node:net';
import { clickhouseOptionsFromEnv, createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpoint, RetentionOptions } from '@shadow/clickhouse';
import { createSchemaRegistry } from '@shadow/contracts';
import { createJoiner, createLabelIngester, createLabelPublisher, sharedComparer } from '@shadow/join';
import type { InsertFn, Joiner, LabelIngester } from '@shadow/join';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { createAdminServer, listen } from '@shadow/service-admin';
import { retentionOf } from './config/config.js';
import type { JoinerConfig } from './config/config.js';
import { labelIngesterHooks } from './labels/labels-metrics.js';
import { handleLabelsPost } from './labels/labels-route.js';
import { createJoinerJudges, seedJudgeBudgets, withJudges } from './judges/judges.js';
import { createJoinerMetrics } from './metrics/metrics.js';
import { startQueryEndpoint } from './query/query-endpoint.js';

export interface JoinerService {
  readonly joiner: Joiner;
  readonly clickhouse: ClickHouse;
  readonly adminAddress: AddressInfo;
  /** Lands the labels topic; undefined with JOINER_LABELS=off. */
  readonly labels: LabelIngester | undefined;
  /** The read-only SQL endpoint (embedded mode, JOINER_QUERY_PORT not off); undefined otherwise. */
  readonly queryEndpoint: QueryEndpoint | undefined;
  /** Stops consuming, lands and commits, closes everything (bounded by JOINER_SHUTDOWN_TIMEOUT_MS). */
  close(): Promise<void>;
}

/**
 * Applies the system's tables through the versioned runner (idempotent; recorded in
 * schema_migrations) and the retention (JOINER_*RETENTION_DAYS; unset fields keep the tables' value).
 */
export async function applySchema(clickhouse: ClickHouse, logger?: Logger, retention: RetentionOptions = {}): Promise<void> {
  const report = await migrate(clickhouse, SCHEMA_MIGRATIONS, { retention, ...(logger === undefined ? {} : { logger }) });
  logger?.info(
    { applied: report.applied.map((m) => m.version), alreadyApplied: report.alreadyApplied, retentionDays: report.retention?.days, retentionChanged: report.retention?.changed },
    'migrations checked',
  );
}

export interface StartOptions {
  /** Replaces the ClickHouse insert (tests). */
  insert?: InsertFn;
  env?: Record<string, string | undefined>;
}

export async function startJoinerService(config: JoinerConfig, logger: Logger, options: StartOptions = {}): Promise<JoinerService> {
  const clickhouse = await createClickHouse({ ...clickhouseOptionsFromEnv(options.env ?? process.env), logger: logger.child({ component: 'clickhouse' }) });
  await applySchema(clickhouse, logger.child({ component: 'migrate' }), retentionOf(config));
  const queryEndpoint = await startQueryEndpoint(config, clickhouse, logger).catch(async (err: unknown) => {
    await clickhouse.close();
    throw err;
  });
  const kafka = new Kafka({ clientId: 'shadow-joiner', brokers: config.KAFKA_BROKERS, logLevel: logLevel.WARN });
  const registry = createSchemaRegistry({ url: config.SCHEMA_REGISTRY_URL, clientId: 'shadow-joiner' });
  const metrics = createJoinerMetrics();
  // compare.judges (docs/judge.md): made once; today's spend seeded from what already landed.
  const judges = config.JOINER_JUDGES === undefined || Object.keys(config.JOINER_JUDGES.judges).length === 0
    ? undefined
    : createJoinerJudges(config.JOINER_JUDGES, metrics.judgeEvent);
  if (judges !== undefined) {
    metrics.bindJudges(judges.judges);
    await seedJudgeBudgets(clickhouse, judges.judges, logger.child({ component: 'judge' }));
    logger.info({ judges: judges.judges.ids, judgeTimeoutMs: config.JOINER_COMPARE?.judgeTimeoutMs }, 'judges configured');
  }
  const joiner = createJoiner({
    kafka,
    registry,
    clickhouse,
    groupId: config.JOINER_GROUP_ID,
    topicPrefix: config.SHADOW_TOPIC_PREFIX,
    challengers: config.JOINER_CHALLENGERS,
    windowMs: config.JOINER_WINDOW_MS,
    sideEffectGraceMs: config.JOINER_SIDE_EFFECT_GRACE_MS,
    maxOpenEntries: config.JOINER_MAX_OPEN_ENTRIES,
    batchMaxRows: config.JOINER_BATCH_MAX_ROWS,
    batchMaxBytes: config.JOINER_BATCH_MAX_BYTES,
    batchMaxDelayMs: config.JOINER_BATCH_MAX_DELAY_MS,
    sessionTimeoutMs: config.JOINER_SESSION_TIMEOUT_MS,
    retryInitialMs: config.JOINER_RETRY_INITIAL_MS,
    retryMaxMs: config.JOINER_RETRY_MAX_MS,
    bodySampleRate: config.JOINER_BODY_SAMPLE_RATE,
    maxBodyBytes: config.JOINER_MAX_BODY_BYTES,
    // JOINER_COMPARE (validated by loadConfig): route patterns, ignore rules, business outcomes, judges.
    comparer: sharedComparer(withJudges(config.JOINER_COMPARE ?? {}, judges), { judgeVersions: judges?.versions ?? {} }),
    maxJudgingEntries: config.JOINER_MAX_JUDGING_ENTRIES,
    logger: logger.child({ component: 'join' }),
    hooks: metrics.hooks,
    ...(options.insert === undefined ? {} : { insert: options.insert }),
  });
  metrics.bind(joiner);
  // Labels land through this process because it owns the (embedded) ClickHouse engine.
  const labelOptions = { topicPrefix: config.SHADOW_TOPIC_PREFIX };
  const labels = config.JOINER_LABELS
    ? createLabelIngester({ kafka, registry, clickhouse, groupId: config.JOINER_LABELS_GROUP_ID ?? `${config.JOINER_GROUP_ID}-labels`, ...labelOptions, logger: logger.child({ component: 'labels' }), hooks: labelIngesterHooks(metrics.registry) })
    : undefined;
  const labelPublisher = config.JOINER_LABELS ? createLabelPublisher(kafka, registry, { ...labelOptions, source: 'http' }) : undefined;
  const admin = createAdminServer({
    registry: metrics.registry,
    ready: () => joiner.ready,
    details: () => ({ ...joiner.stats(), ...(labels === undefined ? {} : { labels: labels.stats() }) }),
    posts: { '/labels': labelPublisher === undefined ? undefined : (req, res) => handleLabelsPost(req, res, (l) => labelPublisher.publish(l)) },
  });
  const adminAddress = await listen(admin, { port: config.JOINER_ADMIN_PORT, host: config.JOINER_ADMIN_HOST, setting: 'JOINER_ADMIN_PORT' }).catch(async (err: unknown) => {
    await Promise.all([labelPublisher?.close(), queryEndpoint?.close(), judges?.judges.close()]);
    await clickhouse.close();
    throw err;
  });
  try {
    await joiner.start();
  } catch (err) {
    admin.close();
    await judges?.judges.close();
    await queryEndpoint?.close();
    await clickhouse.close();
    throw err;
  }
  try {
    await labels?.start();
  } catch (err) {
    await Promise.all([labels?.close(), labelPublisher?.close(), joiner.close()]);
    await judges?.judges.close();
    admin.close();
    await queryEndpoint?.close();
    await clickhouse.close();
    throw err;
  }
  logger.info({ admin: `${adminAddress.address}:${adminAddress.port}`, clickhouse: clickhouse.mode }, 'joiner started');
  let closing: Promise<void> | undefined;
  return {
    joiner,
    clickhouse,
    adminAddress,
    labels,
    queryEndpoint,
    close() {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({ timeoutMs: config.JOINER_SHUTDOWN_TIMEOUT_MS }, 'drain timed out; rows not landed are re-read after restart');
            resolve();
          }, config.JOINER_SHUTDOWN_TIMEOUT_MS);
        });
        // The joiner lands what its judges judged before the judges close (a closed judge answers not_run).
        const drained = Promise.all([joiner.close(), labels?.close(), labelPublisher?.close()]).then(() => judges?.judges.close());
        await Promise.race([drained, timeout]);
        clearTimeout(timer);
        await new Promise<void>((resolve) => admin.close(() => resolve()));
        await queryEndpoint?.close();
        await clickhouse.close();
      })();
      return closing;
    },
  };
}
