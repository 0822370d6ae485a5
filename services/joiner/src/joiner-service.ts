// Wiring: Kafka, the schema registry, ClickHouse (schema applied), the joiner and the admin server.
import type { AddressInfo } from 'node:net';
import { clickhouseOptionsFromEnv, clusterFromEnv, createClickHouse, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpoint, RetentionOptions } from '@shadow/clickhouse';
import { createSchemaRegistry, topicNames } from '@shadow/contracts';
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
import { startJoinerWatch } from './watch/joiner-watch.js';
import type { JoinerWatch } from './watch/joiner-watch.js';

export interface JoinerService {
  readonly joiner: Joiner;
  readonly clickhouse: ClickHouse;
  readonly adminAddress: AddressInfo;
  /** Lands the labels topic; undefined with JOINER_LABELS=off. */
  readonly labels: LabelIngester | undefined;
  /** The read-only SQL endpoint (embedded mode, JOINER_QUERY_PORT not off); undefined otherwise. */
  readonly queryEndpoint: QueryEndpoint | undefined;
  /** Scraper, alerts and ramp of the `watch` section; undefined when it configures none. */
  readonly watch: JoinerWatch | undefined;
  /** Stops consuming, lands and commits, closes everything (bounded by JOINER_SHUTDOWN_TIMEOUT_MS). */
  close(): Promise<void>;
}

/**
 * Applies the system's tables through the versioned runner (idempotent; recorded in
 * schema_migrations) and the retention (JOINER_*RETENTION_DAYS; unset fields keep the tables' value);
 * on a cluster (CLICKHOUSE_CLUSTER) as cluster DDL (docs/clickhouse.md, Cluster).
 */
export async function applySchema(clickhouse: ClickHouse, logger?: Logger, retention: RetentionOptions = {}, cluster?: string): Promise<void> {
  const report = await migrate(clickhouse, SCHEMA_MIGRATIONS, {
    retention,
    ...(cluster === undefined ? {} : { cluster }),
    ...(logger === undefined ? {} : { logger }),
  });
  logger?.info(
    {
      applied: report.applied.map((m) => m.version),
      alreadyApplied: report.alreadyApplied,
      retentionDays: report.retention?.days,
      retentionChanged: report.retention?.changed,
    },
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
  await applySchema(clickhouse, logger.child({ component: 'migrate' }), retentionOf(config), clusterFromEnv(options.env ?? process.env));
  const queryEndpoint = await startQueryEndpoint(config, clickhouse, logger).catch(async (err: unknown) => {
    await clickhouse.close();
    throw err;
  });
  const kafka = new Kafka({ clientId: 'shadow-joiner', brokers: config.kafka.brokers, logLevel: logLevel.WARN });
  const registry = createSchemaRegistry({ url: config.schemaRegistry.url, clientId: 'shadow-joiner' });
  const metrics = createJoinerMetrics();
  // compare.judges (docs/judge.md): made once; today's spend seeded from what already landed.
  const judges =
    config.judges === undefined || Object.keys(config.judges.judges).length === 0 ? undefined : createJoinerJudges(config.judges, metrics.judgeEvent);
  if (judges !== undefined) {
    metrics.bindJudges(judges.judges);
    await seedJudgeBudgets(clickhouse, judges.judges, logger.child({ component: 'judge' }));
    logger.info({ judges: judges.judges.ids, judgeTimeoutMs: config.compare?.judgeTimeoutMs }, 'judges configured');
  }
  const joiner = createJoiner({
    kafka,
    registry,
    clickhouse,
    groupId: config.groupId,
    topicPrefix: config.topicPrefix,
    challengers: config.challengers,
    windowMs: config.windowMs,
    sideEffectGraceMs: config.sideEffectGraceMs,
    maxOpenEntries: config.maxOpenEntries,
    batchMaxRows: config.batch.maxRows,
    batchMaxBytes: config.batch.maxBytes,
    batchMaxDelayMs: config.batch.maxDelayMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    retryInitialMs: config.retry.initialMs,
    retryMaxMs: config.retry.maxMs,
    bodySampleRate: config.body.sampleRate,
    maxBodyBytes: config.body.maxBytes,
    // JOINER_COMPARE (validated by loadConfig): route patterns, ignore rules, business outcomes, judges.
    comparer: sharedComparer(withJudges(config.compare ?? {}, judges), { judgeVersions: judges?.versions ?? {} }),
    maxJudgingEntries: config.maxJudgingEntries,
    logger: logger.child({ component: 'join' }),
    hooks: metrics.hooks,
    ...(options.insert === undefined ? {} : { insert: options.insert }),
  });
  metrics.bind(joiner);
  // Labels land through this process because it owns the (embedded) ClickHouse engine.
  const labelOptions = { topicPrefix: config.topicPrefix };
  const labels = config.labels.enabled
    ? createLabelIngester({
        kafka,
        registry,
        clickhouse,
        groupId: config.labels.groupId ?? `${config.groupId}-labels`,
        ...labelOptions,
        logger: logger.child({ component: 'labels' }),
        hooks: labelIngesterHooks(metrics.registry),
      })
    : undefined;
  const labelPublisher = config.labels.enabled ? createLabelPublisher(kafka, registry, { ...labelOptions, source: 'http' }) : undefined;
  let watch: JoinerWatch | undefined;
  const admin = createAdminServer({
    registry: metrics.registry,
    ready: () => joiner.ready,
    details: () => ({ ...joiner.stats(), ...(labels === undefined ? {} : { labels: labels.stats() }) }),
    posts: { '/labels': labelPublisher === undefined ? undefined : (req, res) => handleLabelsPost(req, res, (l) => labelPublisher.publish(l)) },
    gets: { '/watch': () => watch?.status() ?? { version: 1, at: new Date().toISOString(), alerts: null, ramp: null, scrape: null } },
  });
  const adminAddress = await listen(admin, { port: config.admin.port, host: config.admin.host, setting: 'JOINER_ADMIN_PORT' }).catch(async (err: unknown) => {
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
  const { scrape, alerts, ramp } = config.watch;
  if (scrape !== undefined || alerts !== undefined || ramp !== undefined) {
    try {
      watch = await startJoinerWatch({
        config: config.watch,
        clickhouse,
        kafka,
        controlTopic: topicNames(config.topicPrefix).control,
        challengers: config.challengers,
        registry: metrics.registry,
        logger,
      });
    } catch (err) {
      await Promise.all([labels?.close(), labelPublisher?.close(), joiner.close()]);
      await judges?.judges.close();
      admin.close();
      await queryEndpoint?.close();
      await clickhouse.close();
      throw err;
    }
  }
  logger.info({ admin: `${adminAddress.address}:${adminAddress.port}`, clickhouse: clickhouse.mode }, 'joiner started');
  let closing: Promise<void> | undefined;
  return {
    joiner,
    clickhouse,
    adminAddress,
    labels,
    queryEndpoint,
    watch,
    close() {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'drain timed out; rows not landed are re-read after restart');
            resolve();
          }, config.shutdownTimeoutMs);
        });
        // The watch stops first: it reads the ClickHouse that closes last. The joiner lands what its
        // judges judged before the judges close (a closed judge answers not_run).
        const drained = (watch?.close() ?? Promise.resolve())
          .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'watch did not close cleanly'))
          .then(() => Promise.all([joiner.close(), labels?.close(), labelPublisher?.close()]))
          .then(() => judges?.judges.close());
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
