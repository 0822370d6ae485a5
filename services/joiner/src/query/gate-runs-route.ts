// POST /shadow/gate-runs on the query endpoint: the gate's audit row in embedded mode. The joiner
// owns the chDB engine, so `shadow gate` in another process cannot insert into gate_runs itself and
// the endpoint's SQL interface is read-only by design; this route is the one write it accepts. The
// body is one GateRunRecord (@shadow/analysis, as `toGateRunRecord` builds it), validated here field
// by field, and stored through the analysis store's own `gateRunRow` mapping. No SQL from the
// request ever runs: the body is data for one fixed table.
import { GATE_RUNS_TABLE, gateRunRow } from '@shadow/analysis';
import type { GateRunRecord } from '@shadow/analysis';
import { ClickHouseError } from '@shadow/clickhouse';
import type { ClickHouse, QueryEndpointRoute } from '@shadow/clickhouse';
import { z } from 'zod';

export const GATE_RUNS_PATH = '/shadow/gate-runs';
/** A verdict with every criterion per route fits easily; a bigger body is not a gate run. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const epochMs = z.number().int().nonnegative();

/** GateRunRecord of @shadow/analysis, checked field by field (`satisfies` keeps the two in step). */
export const gateRunRecordSchema = z.strictObject({
  runId: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'expected a printable id (a UUID), at most 128 characters'),
  atMs: epochMs,
  by: z.string().min(1).max(2048),
  challengerId: z.string().min(1).max(512),
  replayRunId: z.string().max(512).nullable(),
  window: z.strictObject({ fromMs: epochMs, toMs: epochMs }).nullable(),
  criteriaSha256: z.string().regex(/^([0-9a-f]{64})?$/, 'expected 64 lowercase hex digits'),
  criteriaSource: z.string().max(4096),
  verdict: z.enum(['pass', 'fail', 'insufficient']),
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  verdictJson: z.string().min(2),
}) satisfies z.ZodType<GateRunRecord>;

export type GateRunBody = z.infer<typeof gateRunRecordSchema>;

/** The gate_runs row of a validated body: the analysis store's mapping. */
export function gateRunRowOf(record: GateRunBody): Record<string, unknown> {
  return gateRunRow(record);
}

/** Validates a body; a bad one is CH_BAD_DATA naming each field (the endpoint answers 400). */
export function parseGateRunBody(body: unknown): GateRunBody {
  const result = gateRunRecordSchema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`);
  throw new ClickHouseError('CH_BAD_DATA', `invalid gate run record: ${problems.join('; ')}`);
}

/** The endpoint route that lands one gate run in gate_runs of `clickhouse`. */
export function gateRunsRoute(clickhouse: ClickHouse): QueryEndpointRoute {
  return {
    path: GATE_RUNS_PATH,
    maxBodyBytes: MAX_BODY_BYTES,
    async handle(body) {
      const record = parseGateRunBody(body);
      await clickhouse.client.insert({ table: GATE_RUNS_TABLE, values: [gateRunRowOf(record)], format: 'JSONEachRow' });
      return { recorded: record.runId, table: `${clickhouse.database}.${GATE_RUNS_TABLE}` };
    },
  };
}
