// Replayer configuration: a YAML or JSON file (REPLAYER_CONFIG=path), with environment variables
// overriding single fields. Validated once at start-up with zod; every bad field is reported at once,
// by its path (`challengers.1.baseUrl: ...`), and the process exits with status 2.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { validateSandboxOptions } from '@shadow/sandbox';
import type { SandboxOptions } from '@shadow/sandbox';

const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), 'must be an http:// or https:// URL');
const rate = z.number().min(0).max(1);
const routeRule = z
  .object({ route: z.string().min(1).optional(), pathPrefix: z.string().startsWith('/').optional(), method: z.string().min(1).optional(), rate })
  .strict()
  .refine((r) => (r.route === undefined) !== (r.pathPrefix === undefined), 'set exactly one of route, pathPrefix');
const sampling = z.object({ rate: rate.default(1), routes: z.array(routeRule).default([]) }).strict();
const ordering = z.string().regex(/^(none|all|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/, 'must be none, all or header:<name>');

export const challengerSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", "-" or "@"'),
    name: z.string().min(1).optional(),
    baseUrl: httpUrl,
    role: z.enum(['candidate', 'secondary']).default('candidate'),
    maxConcurrency: z.number().int().min(1).max(10_000).default(32),
    maxRatePerSecond: z.number().positive().nullable().default(null),
    burst: z.number().int().min(1).optional(),
    timeoutMs: z.number().int().min(1).max(3_600_000).default(10_000),
    maxResponseBytes: z.number().int().min(0).max(64 * 1024 * 1024).default(1024 * 1024),
    sampling: sampling.optional(),
    headers: z.record(z.string(), z.string()).default({}),
    services: z.array(z.string().min(1)).min(1).optional(),
    /** `Host` sent: the challenger's address, or the captured one (docs/replayer.md). */
    host: z.enum(['challenger', 'original']).default('challenger'),
  })
  .strict()
  .refine((c) => c.host !== 'original' || !URL.canParse(c.baseUrl) || new URL(c.baseUrl).protocol !== 'https:' || isIP(new URL(c.baseUrl).hostname.replace(/^\[|\]$/g, '')) === 0, {
    path: ['host'],
    message: '"original" needs a DNS name in an https baseUrl (TLS is verified against it)',
  });

export const configSchema = z
  .object({
    kafka: z.object({
      brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1),
      clientId: z.string().min(1).default('shadow-replayer'),
    }).strict(),
    schemaRegistry: z.object({ url: httpUrl }).strict(),
    topicPrefix: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'may only contain ASCII letters, digits, ".", "_" and "-"').default(''),
    groupId: z.string().min(1).default('shadow-replayer'),
    startFrom: z.enum(['latest', 'earliest']).default('latest'),
    challengers: z.array(challengerSchema).min(1, 'list at least one challenger').refine((list) => new Set(list.map((c) => c.id)).size === list.length, 'challenger ids must be unique'),
    ordering: ordering.default('none'),
    sampling: sampling.default({ rate: 1, routes: [] }),
    chunkSize: z.number().int().min(1).max(10_000).default(256),
    partitionsConsumedConcurrently: z.number().int().min(1).max(1_000).default(4),
    compression: z.enum(['none', 'gzip']).default('none'),
    killSwitch: z.object({
      enabled: z.boolean().default(true),
      keys: z.array(z.string().min(1)).default(['shadow-replayer']),
      startTimeoutMs: z.number().int().min(0).max(600_000).default(15_000),
    }).strict().default({ enabled: true, keys: ['shadow-replayer'], startTimeoutMs: 15_000 }),
    /**
     * Passed to createSandbox from @shadow/sandbox; validated here by its own validation (sandboxProblems), so
     * its bad fields are reported with the others. Absent or enabled: false = no sandbox.
     */
    sandbox: z.object({ enabled: z.boolean().default(true) }).passthrough().optional(),
    admin: z.object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(9465),
    }).strict().default({ host: '127.0.0.1', port: 9465 }),
    shutdownTimeoutMs: z.number().int().min(1).max(600_000).default(30_000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type ReplayerConfig = z.infer<typeof configSchema>;
export type ChallengerConfig = z.infer<typeof challengerSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'REPLAYER_INVALID_CONFIG';
  readonly retriable = false;
  constructor(readonly problems: string[]) {
    super(`invalid replayer configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Environment variable -> config path it overrides, and how its text becomes a value. */
export const ENV_OVERRIDES: readonly { env: string; path: string[]; parse: (text: string) => unknown }[] = [
  { env: 'KAFKA_BROKERS', path: ['kafka', 'brokers'], parse: (t) => t.split(',').map((s) => s.trim()).filter((s) => s !== '') },
  { env: 'SCHEMA_REGISTRY_URL', path: ['schemaRegistry', 'url'], parse: (t) => t },
  { env: 'SHADOW_TOPIC_PREFIX', path: ['topicPrefix'], parse: (t) => t },
  { env: 'REPLAYER_GROUP_ID', path: ['groupId'], parse: (t) => t },
  { env: 'REPLAYER_START_FROM', path: ['startFrom'], parse: (t) => t },
  { env: 'REPLAYER_CHALLENGERS', path: ['challengers'], parse: (t) => JSON.parse(t) as unknown },
  { env: 'REPLAYER_ORDERING', path: ['ordering'], parse: (t) => t },
  { env: 'REPLAYER_SAMPLE_RATE', path: ['sampling', 'rate'], parse: (t) => (t.trim() === '' ? t : Number(t)) },
  { env: 'REPLAYER_ADMIN_HOST', path: ['admin', 'host'], parse: (t) => t },
  { env: 'REPLAYER_ADMIN_PORT', path: ['admin', 'port'], parse: (t) => (/^\d+$/.test(t) ? Number(t) : t) },
  { env: 'REPLAYER_KILL_SWITCH', path: ['killSwitch', 'enabled'], parse: (t) => (t === 'true' ? true : t === 'false' ? false : t) },
  { env: 'REPLAYER_SHUTDOWN_TIMEOUT_MS', path: ['shutdownTimeoutMs'], parse: (t) => (/^\d+$/.test(t) ? Number(t) : t) },
  { env: 'LOG_LEVEL', path: ['logLevel'], parse: (t) => t },
];

/** Sandbox options the replayer supplies itself; a config file cannot set them. */
const SUPPLIED_SANDBOX_OPTIONS = ['onSideEffect', 'logger'];

function idOf(entry: unknown): unknown {
  return typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).id : undefined;
}

/**
 * Every bad field of the `sandbox` section, by its full path (`sandbox.rules[0].action`), found by
 * @shadow/sandbox's own validation. `sandbox.challengers` only sets ports (`{ id, httpPort?, smtpPort? }`)
 * of challengers listed in `challengers`; the sandbox serves every challenger either way.
 */
function sandboxProblems(raw: Record<string, unknown>): string[] {
  const section = raw.sandbox;
  // Not an object: the schema reports it.
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return [];
  const { enabled: _enabled, challengers, ...options } = section as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of SUPPLIED_SANDBOX_OPTIONS) {
    if (key in options) problems.push(`sandbox.${key}: set by the replayer, not by the configuration`);
    delete options[key];
  }
  const ids = Array.isArray(raw.challengers) ? raw.challengers.map(idOf).filter((id): id is string => typeof id === 'string') : [];
  const listed = Array.isArray(challengers) && challengers.length > 0;
  const forSandbox = listed || (challengers !== undefined && !Array.isArray(challengers)) ? challengers : ids.length > 0 ? ids : ['challenger'];
  for (const p of validateSandboxOptions({ ...options, challengers: forSandbox, onSideEffect: () => undefined } as unknown as SandboxOptions)) {
    problems.push(`sandbox.${p.field}: ${p.message}`);
  }
  if (listed && ids.length > 0) {
    (challengers as unknown[]).forEach((entry, i) => {
      const id = idOf(entry);
      if (typeof id === 'string' && !ids.includes(id)) problems.push(`sandbox.challengers[${i}].id: "${id}" is not one of the challengers (${ids.join(', ')})`);
    });
  }
  return problems;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`REPLAYER_CONFIG: cannot read ${path} (${(err as Error).message})`]);
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`REPLAYER_CONFIG: ${path} is neither valid YAML nor JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`REPLAYER_CONFIG: ${path} must hold an object at the top level`]);
  }
  return parsed as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

function describe(value: unknown): string {
  if (value === undefined) return ' (not set)';
  const text = JSON.stringify(value);
  return `, got ${text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/**
 * Reads the file named by REPLAYER_CONFIG (optional), applies env overrides and validates.
 * `base` is merged first (the replay command's flags use it); throws ConfigError naming every bad field.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, base: Record<string, unknown> = {}): ReplayerConfig {
  const raw: Record<string, unknown> = structuredClone(base);
  const file = env.REPLAYER_CONFIG;
  if (file !== undefined && file !== '') Object.assign(raw, readFile(file));
  const problems: string[] = [];
  for (const o of ENV_OVERRIDES) {
    const text = env[o.env];
    if (text === undefined || text === '') continue;
    try {
      setPath(raw, o.path, o.parse(text));
    } catch (err) {
      problems.push(`${o.env}: ${(err as Error).message}`);
    }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.map(String).join('.');
      const envName = ENV_OVERRIDES.find((o) => path === o.path.join('.') || path.startsWith(`${o.path.join('.')}.`))?.env;
      problems.push(`${path === '' ? '(config)' : path}${envName === undefined ? '' : ` (${envName})`}: ${issue.message}${describe(at(raw, issue.path))}`);
    }
  }
  problems.push(...sandboxProblems(raw));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return Object.freeze(result.data);
}
