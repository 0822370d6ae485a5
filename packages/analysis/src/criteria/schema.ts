// The promotion criteria file, version 1, as a zod schema: the single source of the TypeScript
// types, the validation (errors name the field path) and the published JSON Schema
// (criteria.schema.json, generated from this file by scripts/generate-criteria-schema.ts).
//
// Every object is strict: a misspelt field (`agrement`) is an error, not a silently ignored line
// that turns a gate into a rubber stamp. Nested objects use `prefault` so their inner defaults
// apply when the whole object is omitted (zod 4's `default` would skip parsing the default).

import { z } from 'zod';

export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/;

const rate = z.number().min(0).max(1);

const judgeOnBound = z
  .enum(['bound', 'estimate'])
  .default('bound')
  .describe("'bound': judge on the confidence bound that is worst for the candidate (the default); 'estimate': on the point estimate");

export const agreementCriterionSchema = z
  .strictObject({
    min: rate.describe('Minimum share of pairs whose answers agree (after excluded and noise paths), 0..1'),
    judgeOn: judgeOnBound,
  })
  .describe('Agreement rate, judged on the lower Wilson bound by default');

export const agreementAfterJudgeCriterionSchema = z
  .strictObject({
    min: rate.describe(
      "Minimum share of pairs that agree after the routes' judges (docs/judge.md): a judge's equal counts as agreement; pairs the judge was needed on and skipped (sampled out, budget) are left out; its errors count as disagreements",
    ),
    judgeOn: judgeOnBound,
  })
  .describe(
    'Agreement after the judge, judged on the lower Wilson bound by default. `agreement` stays the number before the judge, so adding a judge never loosens it',
  );

export const judgeCriterionSchema = z
  .strictObject({
    maxErrorRate: rate
      .optional()
      .describe('Maximum share of judged pairs where the judge failed (timeout, bad answer, ...): error / (equal + different + error)'),
    maxFalseDifferenceRate: rate
      .optional()
      .describe(
        "Maximum share of the judge's audits on the secondary (live vs a second copy of live, truly equal) it called different: its own false-difference rate. Needs audit.secondaryRate on the judge",
      ),
    minJudged: z
      .int()
      .min(0)
      .optional()
      .describe("Fewer pairs with a verdict (equal, different or error) than this: the judge's criteria and agreementAfterJudge are not judged"),
    judgeOn: judgeOnBound,
  })
  .refine((v) => v.maxErrorRate !== undefined || v.maxFalseDifferenceRate !== undefined || v.minJudged !== undefined, {
    message: 'set maxErrorRate, maxFalseDifferenceRate or minJudged (or several)',
    path: ['maxErrorRate'],
  })
  .describe('The judge itself: its failures, its false differences on the secondary, how many pairs it judged (rates on the upper Wilson bound by default)');

export const latencyCriterionSchema = z
  .strictObject({
    quantile: z.number().gt(0).max(1).describe('Latency quantile, e.g. 0.99 for p99; 1 for the maximum'),
    maxMs: z.number().positive().optional().describe("Upper limit for the candidate's quantile in milliseconds"),
    maxFactorOfSecondary: z
      .number()
      .positive()
      .optional()
      .describe(
        "Upper limit for candidate quantile / the secondary's quantile on the same exchanges, e.g. 1.1: the secondary runs live's code under the same replay conditions (same run or window), so this is the fair latency comparison",
      ),
    maxFactorOfLive: z
      .number()
      .positive()
      .optional()
      .describe(
        "Upper limit for candidate quantile / live's quantile, e.g. 1.1. Live's latency was measured in production, the candidate's under the replay's speed and concurrency: prefer maxFactorOfSecondary",
      ),
    combine: z
      .enum(['all', 'any'])
      .default('all')
      .describe("With several limits: 'all' requires every one, 'any' one of them (\"p99 <= 200 ms or <= 1.1 x the secondary's\")"),
    judgeOn: judgeOnBound,
  })
  .refine((v) => v.maxMs !== undefined || v.maxFactorOfSecondary !== undefined || v.maxFactorOfLive !== undefined, {
    message: 'set maxMs, maxFactorOfSecondary or maxFactorOfLive (or several)',
    path: ['maxMs'],
  })
  .describe('A latency quantile limit, judged on the upper bootstrap bound by default');

export const errorRateCriterionSchema = z
  .strictObject({
    max: rate.optional().describe('Maximum candidate error rate, 0..1 (0.001 = 0.1 %)'),
    maxIncreaseOverLive: rate.optional().describe("Maximum candidate error rate minus live's on the same pairs, 0..1"),
    judgeOn: judgeOnBound,
  })
  .refine((v) => v.max !== undefined || v.maxIncreaseOverLive !== undefined, { message: 'set max, maxIncreaseOverLive or both', path: ['max'] })
  .describe('Error rate (no answer, or status >= 500), judged on the upper bound by default');

export const expectedSideEffectSchema = z
  .strictObject({
    direction: z
      .enum(['candidate-only', 'live-only', 'payload-changed', 'either'])
      .default('either')
      .describe(
        "'candidate-only': a write the candidate makes and live does not; 'live-only': the reverse; 'payload-changed': both make it with different payloads; 'either': any",
      ),
    method: z.string().min(1).default('*').describe('HTTP method (or operation), case-insensitive; * for any'),
    target: z.string().min(1).default('*').describe('host:port (or dependency name) glob; * for any'),
    path: z.string().min(1).default('**').describe('Path glob: * within one segment, ** across segments'),
    reason: z.string().optional().describe('Why this difference is expected (shown in reports)'),
  })
  .describe('A side-effect difference that is expected and does not fail the gate');

export const sideEffectsCriterionSchema = z
  .strictObject({
    maxUnexpected: z.int().min(0).default(0).describe('Maximum number of pairs with an unexpected side-effect difference'),
    expected: z.array(expectedSideEffectSchema).default([]).describe('Differences that are expected'),
  })
  .describe('Side-effect differences (outbound calls one side made and the other did not)');

const businessQuantileSchema = z.strictObject({
  quantile: z.number().min(0).max(1),
  maxRelativeDiff: z.number().min(0).describe('|candidate - live| / |live| of this quantile'),
});

export const businessMetricCriterionSchema = z
  .strictObject({
    meanRelativeDiff: z.strictObject({ max: z.number().min(0).describe('|mean(candidate) - mean(live)| / |mean(live)|, e.g. 0.01') }).optional(),
    quantiles: z.array(businessQuantileSchema).min(1).optional(),
    flipRate: z.strictObject({ max: rate.describe('Share of pairs whose decision differs'), judgeOn: judgeOnBound }).optional(),
    jaccard: z.strictObject({ min: rate.describe('Mean Jaccard similarity of the two lists') }).optional(),
    topKOverlap: z.strictObject({ min: rate.describe('Mean share of the top k items both lists hold') }).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'set at least one of meanRelativeDiff, quantiles, flipRate, jaccard, topKOverlap' })
  .describe('Bounds on one business outcome extracted from the answers (numeric, decision or list)');

/** JSONPath forms ClickHouse's JSON_VALUE and @shadow/compare read alike (labelledAccuracyQuery). */
export const ACCURACY_OUTCOME_PATTERN = /^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;

export const accuracyCriterionSchema = z
  .strictObject({
    label: z.string().min(1).describe('Label name the answers are scored against (the `name` of the label records, e.g. "fraud")'),
    outcome: z
      .string()
      .regex(ACCURACY_OUTCOME_PATTERN, 'expected a JSONPath of names and indexes such as "$.decision" or "$.items[0].id"')
      .describe("JSONPath of the outcome in each side's answer body, compared with the label's value (a number as a number, anything else as text)"),
    minDelta: z
      .number()
      .min(-1)
      .max(1)
      .default(0)
      .describe("Candidate accuracy minus live's on labelled pairs, in absolute terms (0.05 = 5 percentage points)"),
    minCandidate: rate.optional().describe('Minimum candidate accuracy on labelled pairs'),
    minLabelled: z.int().min(1).default(100).describe('Fewer labelled pairs than this: not enough data'),
    judgeOn: judgeOnBound,
  })
  .describe('Accuracy against ground truth (labels joined by exchange id), judged on the Newcombe lower bound');

const durationSchema = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as "48h", "30m", "1h30m", "90s"')
  .describe('Duration: digits with a unit ms, s, m, h, d or w, concatenated ("1h30m")');

export const sampleSchema = z
  .strictObject({
    minPairs: z.int().min(0).default(100).describe('Fewer pairs overall: not enough data'),
    minDuration: durationSchema.default('0s').describe('A shorter span between the first and last pair: not enough data'),
    routeMinPairs: z.int().min(0).default(30).describe('Fewer pairs on a route: its criteria are not judged'),
  })
  .describe('Minimum evidence before any statistical criterion is judged');

export const statisticsSchema = z
  .strictObject({
    confidence: z.number().gt(0).lt(1).default(0.95).describe('Two-sided confidence level of every interval'),
    quantileMethod: z.enum(['exact', 'linear']).default('exact').describe("'exact' = ClickHouse quantileExact, 'linear' = quantileExactInclusive"),
    bootstrap: z
      .strictObject({
        resamples: z.int().min(100).max(100_000).default(2000),
        maxSamples: z.int().min(100).max(1_000_000).default(10_000).describe('Larger samples are subsampled uniformly first'),
        seed: z.int().default(1).describe('Seed of the bootstrap PRNG: same data and seed, same verdict'),
      })
      .prefault({}),
  })
  .describe('How intervals are computed');

export const excludeSchema = z
  .strictObject({
    routes: z.array(z.string().min(1)).default([]).describe('Route patterns left out of every scope: "GET /health", "/internal/**"'),
    paths: z.array(z.string().min(1)).default([]).describe('JSON paths whose differences do not count against agreement'),
    countNoise: z.boolean().default(false).describe('Count noise paths (those live and the secondary disagree on) as differences'),
    sandboxInduced: z
      .boolean()
      .default(true)
      .describe(
        "Leave out sandbox-induced answer differences (the candidate answered differently after the sandbox answered a call as live's never was): out of the error rate, and out of agreement unless another difference counts. false counts them",
      ),
  })
  .describe('What the gate leaves out');

const bytesPerHour = z.number().min(0);

export const resourcesCriteriaSchema = z
  .strictObject({
    service: z
      .string()
      .min(1)
      .optional()
      .describe("The service whose resource samples are read (the scraper's targets[].service); default: the service of the challenger's pairs"),
    cpuRatio: z
      .strictObject({
        max: z.number().gt(0).describe("Challenger CPU / the baseline's, e.g. 1.2 (judged on the upper bound by default)"),
        against: z
          .enum(['secondary', 'live'])
          .optional()
          .describe(
            "Baseline: the secondary (live's code replayed with the challenger: the default when there is one) or live (then the ratio also counts the share of traffic the challenger gets, and a warning says so)",
          ),
        judgeOn: judgeOnBound,
        bucket: durationSchema.default('60s').describe('Width of the paired time buckets both sides are averaged in'),
        minBuckets: z.int().min(2).default(5).describe('Fewer paired buckets: not enough data'),
      })
      .optional(),
    memoryGrowth: z
      .strictObject({
        maxBytesPerHour: bytesPerHour.describe('Resident memory slope bound (Theil-Sen, bytes per hour): every process of the side must stay at or below it'),
        side: z.enum(['challenger', 'both']).default('challenger').describe("Whose processes are judged: the challenger's, or live's too"),
        judgeOn: judgeOnBound,
        minPoints: z.int().min(3).default(10).describe('Fewer points (after reduction to 240 time-bucket medians): not enough data'),
        minDuration: durationSchema.default('10m').describe('A shorter span of samples: not enough data'),
      })
      .optional(),
  })
  .refine((v) => v.cpuRatio !== undefined || v.memoryGrowth !== undefined, { message: 'set cpuRatio, memoryGrowth or both' })
  .describe("Both sides' scraped CPU and memory (docs/watch.md): a CPU ratio bound and no memory growth");

/** The criteria that can be set at the top level and overridden per route. */
const scopeShape = {
  agreement: agreementCriterionSchema.optional(),
  agreementAfterJudge: agreementAfterJudgeCriterionSchema.optional(),
  judge: judgeCriterionSchema.optional(),
  latency: z.array(latencyCriterionSchema).min(1).optional(),
  errorRate: errorRateCriterionSchema.optional(),
  sideEffects: sideEffectsCriterionSchema.optional(),
  business: z.record(z.string().min(1), businessMetricCriterionSchema).optional().describe('By business metric name'),
  accuracy: accuracyCriterionSchema.optional(),
};

export const routeOverrideSchema = z
  .strictObject({
    required: z.boolean().default(true).describe('Not enough data on this route makes the whole gate "insufficient" (false: reported only)'),
    minPairs: z.int().min(0).optional().describe('Overrides sample.routeMinPairs for this route'),
    agreement: agreementCriterionSchema.nullable().optional(),
    agreementAfterJudge: agreementAfterJudgeCriterionSchema.nullable().optional(),
    judge: judgeCriterionSchema.nullable().optional(),
    latency: z.array(latencyCriterionSchema).min(1).nullable().optional(),
    errorRate: errorRateCriterionSchema.nullable().optional(),
    sideEffects: sideEffectsCriterionSchema.nullable().optional(),
    business: z.record(z.string().min(1), businessMetricCriterionSchema.nullable()).nullable().optional(),
    accuracy: accuracyCriterionSchema.nullable().optional(),
  })
  .describe('Criteria for one route: each field replaces the top-level one; null switches it off for the route');

export const criteriaSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of criteria.schema.json, for editors'),
    version: z.literal(1).describe('Criteria file format version'),
    name: z.string().optional(),
    description: z.string().optional(),
    sample: sampleSchema.prefault({}),
    statistics: statisticsSchema.prefault({}),
    exclude: excludeSchema.prefault({}),
    everyRoute: z.boolean().default(false).describe('Apply the top-level criteria to every route too (routes with too few pairs are reported, not blocking)'),
    ...scopeShape,
    sideEffects: sideEffectsCriterionSchema.prefault({}),
    resources: resourcesCriteriaSchema.optional(),
    routes: z
      .record(z.string().min(1), routeOverrideSchema)
      .default({})
      .describe('Per-route criteria, keyed by route template ("/users/:id") or method and template ("GET /users/:id")'),
  })
  .describe('Promotion criteria for `shadow gate`');

export type Criteria = z.output<typeof criteriaSchema>;
export type CriteriaInput = z.input<typeof criteriaSchema>;
export type AgreementCriterion = z.output<typeof agreementCriterionSchema>;
export type AgreementAfterJudgeCriterion = z.output<typeof agreementAfterJudgeCriterionSchema>;
export type JudgeCriterion = z.output<typeof judgeCriterionSchema>;
export type LatencyCriterion = z.output<typeof latencyCriterionSchema>;
export type ErrorRateCriterion = z.output<typeof errorRateCriterionSchema>;
export type SideEffectsCriterion = z.output<typeof sideEffectsCriterionSchema>;
export type ExpectedSideEffect = z.output<typeof expectedSideEffectSchema>;
export type BusinessMetricCriterion = z.output<typeof businessMetricCriterionSchema>;
export type AccuracyCriterion = z.output<typeof accuracyCriterionSchema>;
export type RouteOverride = z.output<typeof routeOverrideSchema>;
export type ResourcesCriteria = z.output<typeof resourcesCriteriaSchema>;
export type JudgeOn = AgreementCriterion['judgeOn'];

/** The criteria one scope (overall or a route) is judged by, after per-route overrides. */
export interface ScopeCriteria {
  agreement?: AgreementCriterion | undefined;
  agreementAfterJudge?: AgreementAfterJudgeCriterion | undefined;
  judge?: JudgeCriterion | undefined;
  latency?: LatencyCriterion[] | undefined;
  errorRate?: ErrorRateCriterion | undefined;
  sideEffects?: SideEffectsCriterion | undefined;
  business?: Record<string, BusinessMetricCriterion> | undefined;
  accuracy?: AccuracyCriterion | undefined;
}

/** The JSON Schema of the criteria file (draft 2020-12), as shipped in criteria.schema.json. */
export function criteriaJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(criteriaSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://shadow.dev/schemas/criteria-v1.json', title: 'shadow gate criteria, version 1' };
}
