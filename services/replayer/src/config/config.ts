// Replayer configuration: one schema read by the service shell (@shadow/service-admin): a YAML or
// JSON file (REPLAYER_CONFIG, or `--config`), environment variables over it, a command's flags
// over both. Each line is a setting: its file key is its path, its variable derived from it
// (`REPLAYER_GROUP_ID`) unless `.meta({ env })` keeps an established name (`REPLAYER_SAMPLE_RATE`).
// Every bad field is reported at once by its full path (`sandbox.rules[0].action`, or
// `KAFKA_BROKERS (kafka.brokers[0])` when a variable set it) and the process exits 2. The
// challengers are the block the joiner reads too (inline, or `challengersFile`).
import { validateSandboxOptions } from '@shadow/sandbox';
import type { SandboxOptions } from '@shadow/sandbox';
import {
  brokersSetting,
  challengersSchema,
  defineConfig,
  loadConfig as load,
  logLevelSetting,
  portSchema,
  registryUrlSetting,
  samplingSchema,
  topicPrefixSetting,
} from '@shadow/service-admin';
import type { ChallengerConfig, ConfigContext, Env, LoadConfigOptions } from '@shadow/service-admin';
import { z } from 'zod';

export { ConfigError } from '@shadow/service-admin';
export type { ChallengerConfig };

const ordering = z.string().regex(/^(none|all|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/, 'must be none, all or header:<name>');

export const configSchema = z.strictObject({
  kafka: z.strictObject({
    brokers: brokersSetting,
    clientId: z.string().min(1).default('shadow-replayer'),
  }),
  schemaRegistry: z.strictObject({ url: registryUrlSetting }),
  topicPrefix: topicPrefixSetting,
  groupId: z.string().min(1).default('shadow-replayer'),
  startFrom: z.enum(['latest', 'earliest']).default('latest'),
  /** A file holding `challengers:` (the one the joiner reads too); instead of `challengers`. */
  challengersFile: z.string().optional(),
  challengers: challengersSchema,
  ordering: ordering.default('none'),
  sampling: samplingSchema.extend({ rate: samplingSchema.shape.rate.meta({ env: 'REPLAYER_SAMPLE_RATE' }) }),
  chunkSize: z.number().int().min(1).max(10_000).default(256),
  partitionsConsumedConcurrently: z.number().int().min(1).max(1_000).default(4),
  compression: z.enum(['none', 'gzip']).default('none'),
  killSwitch: z.strictObject({
    enabled: z.boolean().default(true).meta({ env: 'REPLAYER_KILL_SWITCH' }),
    keys: z.array(z.string().min(1)).default(['shadow-replayer']),
    startTimeoutMs: z.number().int().min(0).max(600_000).default(15_000),
  }),
  /**
   * Passed to createSandbox from @shadow/sandbox; validated here by its own validation (sandboxProblems), so
   * its bad fields are reported with the others. Absent or enabled: false = no sandbox.
   */
  sandbox: z.looseObject({ enabled: z.boolean().default(true) }).optional(),
  admin: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: portSchema.default(9465),
  }),
  shutdownTimeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  logLevel: logLevelSetting,
});

export type ReplayerConfig = z.output<typeof configSchema>;

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
function sandboxProblems(context: ConfigContext): string[] {
  const raw = context.input;
  const section = raw['sandbox'];
  // Not an object: the schema reports it.
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return [];
  const { enabled: _enabled, challengers, ...options } = section as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of SUPPLIED_SANDBOX_OPTIONS) {
    if (key in options) problems.push(`sandbox.${key}: set by the replayer, not by the configuration`);
    delete options[key];
  }
  const given = raw['challengers'];
  const ids = Array.isArray(given) ? given.map(idOf).filter((id): id is string => typeof id === 'string') : [];
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

export const replayerConfig = defineConfig({
  name: 'replayer',
  envPrefix: 'REPLAYER',
  schema: configSchema,
  includes: { challengersFile: 'challengers' },
  check: (_config, context) => sandboxProblems(context),
});

/**
 * Reads REPLAYER_CONFIG (if set) and `env`, with `values` (a command's own, by path) over both;
 * throws ConfigError naming every bad field.
 */
export function loadConfig(
  env: Env = process.env,
  values: Readonly<Record<string, unknown>> = {},
  options: Omit<LoadConfigOptions, 'env' | 'values'> = {},
): ReplayerConfig {
  return load(replayerConfig, { ...options, env, values });
}
