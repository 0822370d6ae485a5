// The tap proxy: a streaming reverse proxy in front of a live service, built on the embeddable tap.
// Every request is forwarded unchanged (the client's Host included) and the response reaches the
// client byte for byte (proxy/forward.ts); the exchange is offered to the tap, which publishes it off
// the request path. Health/readiness/metrics live on a separate admin port.
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createTap, createKafkaTransport } from '@shadow/tap';
import type { Tap, TapLogger, TapStats } from '@shadow/tap';
import { registerTapMetrics } from '@shadow/tap/prometheus';
import { createAdminServer, listen } from '@shadow/service-admin';
import type { TapProxyConfig } from './config/config.js';
import { createForwarder } from './proxy/forward.js';

export interface TapProxy {
  readonly tap: Tap;
  /** Proxy address once listening. */
  readonly address: AddressInfo;
  readonly adminAddress: AddressInfo;
  /** Stops accepting, lets in-flight exchanges finish, flushes the tap; bounded by the config. */
  close(): Promise<TapStats>;
}

function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    // Idle keep-alive sockets would hold close() open until they time out.
    server.closeIdleConnections();
  });
}

export async function startTapProxy(config: TapProxyConfig, logger: TapLogger): Promise<TapProxy> {
  const transport = createKafkaTransport({
    service: config.tap.service,
    brokers: config.kafka.brokers,
    schemaRegistryUrl: config.schemaRegistry.url,
    topicPrefix: config.topicPrefix,
    enabled: config.tap.enabled,
    ...(config.tap.createTopic === undefined ? {} : { createTopic: config.tap.createTopic }),
    queue: { maxRecords: config.tap.queueMaxRecords, maxBytes: config.tap.queueMaxBytes },
    clientId: `tap-proxy-${config.tap.service}`,
    logger,
  });
  const routeRates = Object.entries(config.tap.routeRates ?? {}).map(([pathPrefix, rate]) => ({ pathPrefix, rate }));
  const tap = createTap({
    service: config.tap.service,
    environment: config.tap.environment,
    transport,
    sampling: { rate: config.tap.sampleRate, keyHeader: config.tap.sampleKeyHeader ?? null, routes: routeRates },
    redaction: {
      ...(config.tap.redactHeaders === undefined ? {} : { headers: config.tap.redactHeaders }),
      ...(config.tap.redactJsonPaths === undefined ? {} : { jsonPaths: config.tap.redactJsonPaths }),
    },
    maxBodyBytes: config.tap.maxBodyBytes,
    ...(config.tap.exchangeIdHeaders === undefined ? {} : { exchangeIdHeaders: config.tap.exchangeIdHeaders }),
    logger,
  });
  const forwarder = createForwarder({
    upstream: new URL(config.upstream),
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    maxSockets: config.maxSockets,
    hostHeader: config.hostHeader,
    forwardedHeaders: config.forwardedHeaders,
    viaName: 'shadow-tap-proxy',
  });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerTapMetrics(tap, registry);

  let ready = false;
  const proxy = createServer((req, res) => {
    tap.capture(req, res);
    forwarder.handle(req, res);
  });
  // The upstream decides how long a request may take; the proxy only bounds idle upstreams.
  proxy.requestTimeout = 0;
  proxy.keepAliveTimeout = config.keepAliveTimeoutMs;
  // WebSocket and other upgrades: relayed raw, not captured. Without this listener Node would hand
  // them to the request handler as plain requests and the upgrade would fail.
  proxy.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => forwarder.upgrade(req, socket, head));
  const admin = createAdminServer({
    registry,
    ready: () => ready,
    details: () => ({ upstream: config.upstream, tap: tap.stats() }),
  });

  // /readyz means "mirroring": start() resolves once the topic is checked, the kill-switch state
  // read and the producer connected, so a request sent once ready is captured (unless an operator
  // paused mirroring: the proxy still serves then). Kafka being down must not stop the proxy from
  // serving: start() then resolves after kafka startTimeoutMs (15 s) and captures queue, bounded.
  await tap.start();
  let address: AddressInfo;
  let adminAddress: AddressInfo;
  try {
    address = await listen(proxy, { port: config.port, host: config.host, setting: 'TAP_PROXY_PORT' });
    adminAddress = await listen(admin, { port: config.adminPort, host: config.host, setting: 'TAP_PROXY_ADMIN_PORT' });
  } catch (error) {
    proxy.close();
    forwarder.close();
    await tap.close(1_000);
    throw error;
  }
  ready = true;
  logger.info({ address, adminAddress, upstream: config.upstream }, 'tap proxy listening');

  let closing: Promise<TapStats> | null = null;
  return {
    tap,
    address,
    adminAddress,
    close() {
      closing ??= (async () => {
        ready = false;
        const budget = config.shutdownTimeoutMs;
        const t0 = Date.now();
        await closeServer(proxy, Math.floor(budget / 2));
        forwarder.close();
        const stats = await tap.close(Math.max(1, budget - (Date.now() - t0)));
        await closeServer(admin, 1_000);
        logger.info({ stats }, 'tap proxy stopped');
        return stats;
      })();
      return closing;
    },
  };
}
