// The replayer service: config -> Kafka client, registry, kill switch, optional dependency sandbox,
// the live-shadowing consumer, and the admin server (/healthz, /readyz, /metrics). The replay logic
// lives in @shadow/replay; this file only wires it and owns the process lifecycle.
import type { AddressInfo } from 'node:net';
import { createSchemaRegistry, liveSideEffectsOf, topicNames } from '@shadow/contracts';
import type { SideEffect } from '@shadow/contracts';
import { ALWAYS_ACTIVE, ControlTopicSwitch, LiveShadow, parseOrdering } from '@shadow/replay';
import type { ChallengerOptions, KillSwitch, ReplayHooks, ReplayLogger } from '@shadow/replay';
import { Kafka, logLevel } from 'kafkajs';
import { createAdminServer, listen } from '@shadow/service-admin';
import type { ChallengerConfig, ReplayerConfig } from './config/config.js';
import type { ReplayerMetrics } from './metrics/metrics.js';
import { createMetrics } from './metrics/metrics.js';
import type { SandboxPort } from './sandbox/sandbox-hooks.js';
import { sandboxHooks } from './sandbox/sandbox-hooks.js';

/** A started sandbox as the service uses it (createSandbox from @shadow/sandbox satisfies it). */
export interface RunningSandbox extends SandboxPort {
  close(): Promise<void>;
  stats(): { writes: { recorded: number; stub: number; blocked: number; forwarded: number }; sideEffects: number };
  endpoints(challengerId: string): { httpProxyUrl: string; dependencyUrl(name: string): string; smtp: { host: string; port: number } };
}

/** Creates and starts the sandbox for these challengers, publishing its side effects through `onSideEffect`. */
export type SandboxFactory = (options: {
  challengers: readonly string[];
  onSideEffect: (effect: SideEffect) => void;
  config: Record<string, unknown>;
  logger: ReplayLogger;
}) => Promise<RunningSandbox>;

export interface Replayer {
  readonly shadow: LiveShadow;
  readonly metrics: ReplayerMetrics;
  readonly adminAddress: AddressInfo;
  readonly sandbox: RunningSandbox | null;
  /** Drains in-flight replays, produces and commits their results, stops. Idempotent. */
  close(): Promise<void>;
}

export function challengerOptions(list: readonly ChallengerConfig[]): ChallengerOptions[] {
  return list.map((c) => ({ ...c, name: c.name ?? c.id }));
}

export function kafkaFor(config: ReplayerConfig): Kafka {
  return new Kafka({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, logLevel: logLevel.WARN });
}

export async function startReplayer(config: ReplayerConfig, logger: ReplayLogger, sandboxFactory?: SandboxFactory): Promise<Replayer> {
  const kafka = kafkaFor(config);
  const registry = createSchemaRegistry({ url: config.schemaRegistry.url, clientId: config.kafka.clientId });
  const names = topicNames(config.topicPrefix);
  const ordering = parseOrdering(config.ordering) ?? { mode: 'none' as const };

  let killSwitch: KillSwitch = ALWAYS_ACTIVE;
  let control: ControlTopicSwitch | null = null;
  if (config.killSwitch.enabled) {
    control = new ControlTopicSwitch({ kafka, topic: names.control, keys: config.killSwitch.keys, startTimeoutMs: config.killSwitch.startTimeoutMs, logger });
    killSwitch = control;
  }

  // The sandbox starts first (its callbacks may fire before the consumer exists); effects wait in `early`.
  const ref: { shadow?: LiveShadow } = {};
  const early: SideEffect[] = [];
  let sandbox: RunningSandbox | null = null;
  let hooks: ReplayHooks | undefined;
  if (config.sandbox !== undefined && config.sandbox.enabled !== false) {
    if (sandboxFactory === undefined) throw new Error('sandbox is configured but this build of the replayer has no sandbox factory');
    const { enabled: _enabled, ...sandboxConfig } = config.sandbox;
    sandbox = await sandboxFactory({
      challengers: config.challengers.map((c) => c.id),
      onSideEffect: (effect) => {
        if (ref.shadow === undefined) early.push(effect);
        else ref.shadow.publishSideEffect(effect);
      },
      config: sandboxConfig,
      logger,
    });
    // The service's factory (create-sandbox.ts) logs each challenger's addresses.
    hooks = sandboxHooks(sandbox);
  }

  const metrics = createMetrics({
    dispatch: () => ref.shadow?.stats().dispatch ?? null,
    paused: () => killSwitch.state !== 'active',
    sampling: () => ({
      control: control === null ? null : new Map([...control.samplingEntries].map(([service, m]) => [service, m.sampling.rate])),
      configRate: config.sampling.rate,
    }),
    output: () => ref.shadow?.stats().output ?? null,
    sandbox: () => {
      if (sandbox === null) return null;
      const s = sandbox.stats();
      return { writesBlocked: s.writes.blocked, writesAnswered: s.writes.recorded + s.writes.stub + s.writes.blocked, sideEffects: s.sideEffects };
    },
  });
  const live = new LiveShadow({
    kafka,
    registry,
    topicPrefix: config.topicPrefix,
    groupId: config.groupId,
    challengers: challengerOptions(config.challengers),
    ordering,
    sampling: config.sampling,
    samplingControl: control ?? undefined,
    hooks,
    killSwitch,
    liveSideEffects: liveSideEffectsOf,
    startFrom: config.startFrom,
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    chunkSize: config.chunkSize,
    compression: config.compression,
    onResult: (r, c) => metrics.onResult(r, c),
    onDeadLetter: (d) => metrics.onDeadLetter(d.code),
    onLag: (t, p, n) => metrics.onLag(t, p, n),
    logger,
  });
  ref.shadow = live;
  for (const e of early.splice(0)) live.publishSideEffect(e);

  let ready = false;
  const admin = createAdminServer({
    registry: metrics.registry,
    ready: () => ready && live.running,
    details: () => ({
      groupId: config.groupId,
      topic: names.exchanges,
      killSwitch: killSwitch.state,
      sampling: {
        config: config.sampling.rate,
        control: Object.fromEntries([...(control?.samplingEntries ?? [])].map(([service, m]) => [service, m.sampling.rate])),
      },
      ...live.stats(),
    }),
  });
  const adminAddress = await listen(admin, { port: config.admin.port, host: config.admin.host, setting: 'admin.port / REPLAYER_ADMIN_PORT' });
  try {
    await control?.start();
    await live.start();
  } catch (error) {
    admin.close();
    await control?.close();
    await sandbox?.close();
    throw error;
  }
  ready = true;
  logger.info({ adminAddress, groupId: config.groupId, challengers: config.challengers.map((c) => `${c.id}=${c.baseUrl} (${c.role})`) }, 'replayer running');

  let closing: Promise<void> | undefined;
  return {
    shadow: live,
    metrics,
    adminAddress,
    sandbox,
    close() {
      closing ??= (async () => {
        ready = false;
        const timer = setTimeout(
          () => logger.warn({ budgetMs: config.shutdownTimeoutMs }, 'drain is taking longer than the shutdown budget'),
          config.shutdownTimeoutMs,
        );
        timer.unref();
        await live.close();
        clearTimeout(timer);
        await control?.close();
        await sandbox?.close();
        await new Promise<void>((r) => {
          admin.close(() => r());
          admin.closeAllConnections();
        });
        logger.info({ stats: live.stats().output }, 'replayer stopped');
      })();
      return closing;
    },
  };
}
