// Tap proxy configuration: environment variables, optionally layered over a JSON file named by
// TAP_PROXY_CONFIG (env wins). Validated once at start-up; any bad value stops the process with a
// message naming the variable (or file field) and what it accepts.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HOST_HEADER_MODES } from '../proxy/forward.js';

const port = z.coerce.number().int().min(0).max(65_535);
const rate = z.coerce.number().min(0).max(1);
const positiveInt = z.coerce.number().int().positive();
const csv = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p !== ''));
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), 'must be an http:// or https:// URL');

/** Each key is the env variable (and the JSON file field) that sets it. */
export const configSchema = z.object({
  TAP_PROXY_UPSTREAM: httpUrl,
  TAP_PROXY_HOST: z.string().min(1).default('127.0.0.1'),
  TAP_PROXY_PORT: port.default(8080),
  TAP_PROXY_ADMIN_PORT: port.default(9464),
  TAP_PROXY_UPSTREAM_TIMEOUT_MS: positiveInt.default(30_000),
  TAP_PROXY_MAX_SOCKETS: positiveInt.default(256),
  TAP_PROXY_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  /** Host the upstream receives: the client's (transparent) or the upstream URL's host:port. */
  TAP_PROXY_HOST_HEADER: z.enum(HOST_HEADER_MODES).default('client'),
  /** Append X-Forwarded-For/-Host/-Proto and Via to upstream requests. */
  TAP_PROXY_FORWARDED_HEADERS: bool.default(false),
  // An idle client connection is kept at least as long as common upstreams keep theirs (nginx 75 s):
  // closing it sooner makes a client that reuses it meet a reset it would not meet without the proxy.
  TAP_PROXY_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(75_000),
  SHADOW_SERVICE: z.string().min(1),
  SHADOW_ENVIRONMENT: z.string().min(1).default('prod'),
  KAFKA_BROKERS: csv.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1)),
  SCHEMA_REGISTRY_URL: httpUrl,
  SHADOW_TOPIC_PREFIX: z.string().default(''),
  SHADOW_TAP_ENABLED: bool.default(true),
  /** Create a missing exchanges topic at start. Unset: only when every broker is loopback (the local stack). */
  SHADOW_TAP_CREATE_TOPIC: bool.optional(),
  SHADOW_TAP_SAMPLE_RATE: rate.default(1),
  SHADOW_TAP_SAMPLE_KEY_HEADER: z.string().min(1).optional(),
  /** JSON object: route template or path prefix -> rate, e.g. {"/health": 0, "/checkout": 1} */
  SHADOW_TAP_ROUTE_RATES: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of route -> rate' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.number().min(0).max(1)))
    .optional(),
  // 256 KiB: both bodies travel in one Kafka record, capped at 1 MB by the transport by default.
  SHADOW_TAP_MAX_BODY_BYTES: z.coerce.number().int().min(0).default(262_144),
  SHADOW_TAP_REDACT_HEADERS: csv.optional(),
  SHADOW_TAP_REDACT_JSON_PATHS: csv.optional(),
  SHADOW_TAP_EXCHANGE_ID_HEADERS: csv.optional(),
  SHADOW_TAP_QUEUE_MAX_RECORDS: positiveInt.default(10_000),
  SHADOW_TAP_QUEUE_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type TapProxyConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'TAP_PROXY_INVALID_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid tap-proxy configuration:\n  ${problems.join('\n  ')}`);
  }
}

function fileValues(path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`TAP_PROXY_CONFIG: cannot read ${path} as JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`TAP_PROXY_CONFIG: ${path} must hold a JSON object`]);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    out[k] = typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Reads and validates the configuration; throws ConfigError listing every bad field. */
export function loadConfig(env: Record<string, string | undefined> = process.env): TapProxyConfig {
  const known = new Set(Object.keys(configSchema.shape));
  const fromFile = env.TAP_PROXY_CONFIG !== undefined && env.TAP_PROXY_CONFIG !== '' ? fileValues(env.TAP_PROXY_CONFIG) : {};
  const unknownInFile = Object.keys(fromFile).filter((k) => !known.has(k));
  const merged: Record<string, string> = { ...fromFile };
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const result = configSchema.safeParse(merged);
  const problems = unknownInFile.map((k) => `${k}: unknown field in ${env.TAP_PROXY_CONFIG} (accepted: ${[...known].join(', ')})`);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.length > 0 ? String(issue.path[0]) : '(config)';
      const got = merged[field];
      problems.push(`${field}: ${issue.message}${got === undefined ? ' (not set)' : `, got ${JSON.stringify(got)}`}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result.data as TapProxyConfig);
}
