// The settings several services share, written once: where Kafka and the registry are, the topic
// prefix (contracts' one rule), ports, the log level. A service's schema uses them as its lines.
import { topicPrefixProblem } from '@shadow/contracts';
import { z } from 'zod';
import { httpUrlSchema } from './challengers.js';

/** `host:port` brokers; KAFKA_BROKERS (comma-separated) in every service. */
export const brokersSetting = z
  .array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port'))
  .min(1)
  .meta({ env: 'KAFKA_BROKERS' });

/** The Confluent-compatible registry API; SCHEMA_REGISTRY_URL in every service. */
export const registryUrlSetting = httpUrlSchema.meta({ env: 'SCHEMA_REGISTRY_URL' });

/** Prefix of every topic name (the taps', the replayers' and the joiners' must match); SHADOW_TOPIC_PREFIX. */
export const topicPrefixSetting = z
  .string()
  .superRefine((prefix, ctx) => {
    const problem = topicPrefixProblem(prefix);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem.replace(/, got .*$/, '') });
  })
  .default('')
  .meta({ env: 'SHADOW_TOPIC_PREFIX' });

/** A TCP port; 0 picks a free one. */
export const portSchema = z.number({ error: 'must be a port number from 0 to 65535 (0: any free port)' }).int().min(0).max(65_535);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** pino's level; LOG_LEVEL in every service. */
export const logLevelSetting = z.enum(LOG_LEVELS).default('info').meta({ env: 'LOG_LEVEL' });
