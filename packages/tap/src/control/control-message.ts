import type { ControlMessage, MirroringState } from './types.js';

export const MIRRORING_STATES: readonly MirroringState[] = ['active', 'paused'];

export type ParsedControlValue =
  | { ok: true; message: ControlMessage | null }
  | { ok: false; error: string };

/** Parses a control-topic value; null is a tombstone. Invalid values are reported, not thrown. */
export function parseControlValue(value: Buffer | null): ParsedControlValue {
  if (value === null) return { ok: true, message: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'not a JSON object' };
  const record = parsed as Record<string, unknown>;
  if (!MIRRORING_STATES.includes(record.mirroring as MirroringState)) {
    return { ok: false, error: `mirroring must be one of ${MIRRORING_STATES.join(', ')}, got ${JSON.stringify(record.mirroring)}` };
  }
  const text = (field: string): string => (typeof record[field] === 'string' ? (record[field] as string) : '');
  return { ok: true, message: { mirroring: record.mirroring as MirroringState, reason: text('reason'), by: text('by'), at: text('at') } };
}

export function serializeControlMessage(message: ControlMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}
