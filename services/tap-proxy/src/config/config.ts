// Tap proxy configuration: one schema read by the service shell (@shadow/service-admin): a YAML or
// JSON file (TAP_PROXY_CONFIG), environment variables over it. Each line is a setting: its file
// key is its path (`tap.sampleRate`), its variable derived from it (`TAP_PROXY_PORT`, and
// `SHADOW_TAP_*` in the `tap` section) unless `.meta({ env })` keeps an established name. A bad
// value stops the process (exit 2) naming every bad field (docs/tap-proxy.md).
import {
  brokersSetting,
  defineConfig,
  httpUrlSchema,
  loadConfig as load,
  logLevelSetting,
  portSchema,
  registryUrlSetting,
  topicPrefixSetting,
} from '@shadow/service-admin';
import type { Env, LoadConfigOptions } from '@shadow/service-admin';
import { z } from 'zod';
import { HOST_HEADER_MODES } from '../proxy/forward.js';

const rate = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();

export const configSchema = z.strictObject({
  /** The live service the proxy fronts. */
  upstream: httpUrlSchema,
  host: z.string().min(1).default('127.0.0.1'),
  port: portSchema.default(8080),
  adminPort: portSchema.default(9464),
  upstreamTimeoutMs: positiveInt.default(30_000),
  maxSockets: positiveInt.default(256),
  shutdownTimeoutMs: positiveInt.default(10_000),
  /** Host the upstream receives: the client's (transparent) or the upstream URL's host:port. */
  hostHeader: z.enum(HOST_HEADER_MODES).default('client'),
  /** Append X-Forwarded-For/-Host/-Proto and Via to upstream requests. */
  forwardedHeaders: z.boolean().default(false),
  // An idle client connection is kept at least as long as common upstreams keep theirs (nginx 75 s):
  // closing it sooner makes a client that reuses it meet a reset it would not meet without the proxy.
  keepAliveTimeoutMs: positiveInt.default(75_000),
  kafka: z.strictObject({ brokers: brokersSetting }),
  schemaRegistry: z.strictObject({ url: registryUrlSetting }),
  topicPrefix: topicPrefixSetting,
  /** The embedded tap's options (@shadow/tap, docs/tap.md): SHADOW_TAP_* variables, as an in-process tap reads them. */
  tap: z
    .strictObject({
      service: z.string().min(1).meta({ env: 'SHADOW_SERVICE' }),
      environment: z.string().min(1).default('prod').meta({ env: 'SHADOW_ENVIRONMENT' }),
      enabled: z.boolean().default(true),
      /** Create a missing exchanges topic at start. Unset: only when every broker is loopback (the local stack). */
      createTopic: z.boolean().optional(),
      sampleRate: rate.default(1),
      sampleKeyHeader: z.string().min(1).optional(),
      /** Route template or path prefix -> rate, e.g. {"/health": 0, "/checkout": 1} */
      routeRates: z.record(z.string(), rate).optional(),
      // 256 KiB: both bodies travel in one Kafka record, capped at 1 MB by the transport by default.
      maxBodyBytes: z.number().int().min(0).default(262_144),
      redactHeaders: z.array(z.string().min(1)).optional(),
      redactJsonPaths: z.array(z.string().min(1)).optional(),
      exchangeIdHeaders: z.array(z.string().min(1)).optional(),
      queueMaxRecords: positiveInt.default(10_000),
      queueMaxBytes: positiveInt.default(64 * 1024 * 1024),
    })
    .meta({ envPrefix: 'SHADOW_TAP' }),
  logLevel: logLevelSetting,
});

export { ConfigError } from '@shadow/service-admin';

export const tapProxyConfig = defineConfig({ name: 'tap-proxy', envPrefix: 'TAP_PROXY', schema: configSchema });

export type TapProxyConfig = z.output<typeof configSchema>;

/** Reads TAP_PROXY_CONFIG (if set) and `env`, validates; throws ConfigError naming every bad field. */
export function loadConfig(env: Env = process.env, options: Omit<LoadConfigOptions, 'env'> = {}): TapProxyConfig {
  return load(tapProxyConfig, { ...options, env });
}
