// The challengers block: the one schema of "who is being compared", read by the replayer (where to
// send each replayed request, how fast) and the joiner (which answers a pair waits for). Both
// services accept it inline (`challengers:`) or from one shared file (`challengersFile:
// challengers.yaml`, holding `challengers: [...]`), so a deployment lists its challengers once and
// the joiner never waits for a challenger the replayer does not call, nor drops one it does.
import { isIP } from 'node:net';
import { z } from 'zod';

const rate = z.number().min(0).max(1);

export const httpUrlSchema = z
  .string()
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), 'must be an http:// or https:// URL');

const routeRule = z
  .strictObject({ route: z.string().min(1).optional(), pathPrefix: z.string().startsWith('/').optional(), method: z.string().min(1).optional(), rate })
  .refine((r) => (r.route === undefined) !== (r.pathPrefix === undefined), 'set exactly one of route, pathPrefix');

/** Replay sampling: a rate, and per-route rates over it (docs/replayer.md "Sampling"). */
export const samplingSchema = z.strictObject({ rate: rate.default(1), routes: z.array(routeRule).default([]) });

export const challengerIdSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", "-" or "@"');

/** One challenger (docs/replayer.md "Challengers"; the replay engine's ChallengerOptions). */
export const challengerSchema = z
  .strictObject({
    id: challengerIdSchema,
    name: z.string().min(1).optional(),
    baseUrl: httpUrlSchema,
    role: z.enum(['candidate', 'secondary']).default('candidate'),
    maxConcurrency: z.number().int().min(1).max(10_000).default(32),
    maxRatePerSecond: z.number().positive().nullable().default(null),
    burst: z.number().int().min(1).optional(),
    timeoutMs: z.number().int().min(1).max(3_600_000).default(10_000),
    maxResponseBytes: z
      .number()
      .int()
      .min(0)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    sampling: samplingSchema.optional(),
    headers: z.record(z.string(), z.string()).default({}),
    services: z.array(z.string().min(1)).min(1).optional(),
    /** `Host` sent: the challenger's address, or the captured one (docs/replayer.md). */
    host: z.enum(['challenger', 'original']).default('challenger'),
  })
  .refine(
    (c) =>
      c.host !== 'original' ||
      !URL.canParse(c.baseUrl) ||
      new URL(c.baseUrl).protocol !== 'https:' ||
      isIP(new URL(c.baseUrl).hostname.replace(/^\[|\]$/g, '')) === 0,
    {
      path: ['host'],
      message: '"original" needs a DNS name in an https baseUrl (TLS is verified against it)',
    },
  );

export type ChallengerConfig = z.output<typeof challengerSchema>;

const uniqueIds = (list: readonly (string | { id: string })[]): boolean => new Set(list.map((c) => (typeof c === 'string' ? c : c.id))).size === list.length;

/** The block: at least one challenger, ids unique. */
export const challengersSchema = z.array(challengerSchema).min(1, 'list at least one challenger').refine(uniqueIds, 'challenger ids must be unique');

/**
 * The block where a service needs only the ids (the joiner): whole entries, or ids alone
 * (`JOINER_CHALLENGERS=cand,sec`, the shorthand). Either way the ids.
 */
export const challengerIdsSchema = z
  .array(z.union([challengerIdSchema, challengerSchema]))
  .min(1, 'list at least one challenger')
  .refine(uniqueIds, 'challenger ids must be unique')
  .transform((list) => list.map((c) => (typeof c === 'string' ? c : c.id)));
