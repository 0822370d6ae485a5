// The control topic's codec and key scheme: what a key addresses (kind and service) and what a
// value holds. Invalid values are reported, never thrown: a watcher logs and skips them.
import { ContractsError } from '../errors.js';
import type { ControlMessage, ControlRecordKind, MirroringState, SamplingMessage } from './types.js';
import { CONTROL_RECORD_KINDS, RESERVED_CONTROL_KINDS } from './types.js';

export const MIRRORING_STATES: readonly MirroringState[] = ['active', 'paused'];

/** What a key addresses: a known kind and its service, or a kind this version does not know. */
export type ControlKey = { known: true; kind: ControlRecordKind; service: string } | { known: false; kind: string; service: string };

/** Prefixes a key of another kind than mirroring starts with; no service name may start with one. */
const KIND_PREFIXES: readonly string[] = [...CONTROL_RECORD_KINDS.filter((k) => k !== 'mirroring'), ...RESERVED_CONTROL_KINDS];

/** The kind prefix of a key (`sampling` of `sampling:checkout`) when it is one of ours, else null. */
function kindPrefixOf(key: string): string | null {
  const colon = key.indexOf(':');
  if (colon < 0) return null;
  const prefix = key.slice(0, colon);
  return KIND_PREFIXES.includes(prefix) ? prefix : null;
}

export function parseControlKey(key: string): ControlKey {
  const kind = kindPrefixOf(key);
  if (kind === null) return { known: true, kind: 'mirroring', service: key };
  const service = key.slice(kind.length + 1);
  return (CONTROL_RECORD_KINDS as readonly string[]).includes(kind)
    ? { known: true, kind: kind as ControlRecordKind, service }
    : { known: false, kind, service };
}

/** The key of `kind`'s record for `service` (a service name or `*`); a mirroring key is the bare name. */
export function controlKeyOf(kind: ControlRecordKind, service: string): string {
  if (typeof service !== 'string' || service.trim() === '' || kindPrefixOf(service) !== null) {
    throw new ContractsError(
      'CONTRACTS_INVALID_ARGUMENT',
      `service must be a service name or "*" (not starting with ${KIND_PREFIXES.map((k) => `"${k}:"`).join(', ')}), got ${JSON.stringify(service)}`,
    );
  }
  return kind === 'mirroring' ? service : `${kind}:${service}`;
}

export type ParsedControlValue = { ok: true; message: ControlMessage | null } | { ok: false; error: string };

function jsonObject(value: Buffer): { ok: true; record: Record<string, unknown> } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'not a JSON object' };
  return { ok: true, record: parsed as Record<string, unknown> };
}

/** Parses a mirroring record's value; null is a tombstone. */
export function parseControlValue(value: Buffer | null): ParsedControlValue {
  if (value === null) return { ok: true, message: null };
  const object = jsonObject(value);
  if (!object.ok) return object;
  const record = object.record;
  if (!MIRRORING_STATES.includes(record.mirroring as MirroringState)) {
    return { ok: false, error: `mirroring must be one of ${MIRRORING_STATES.join(', ')}, got ${JSON.stringify(record.mirroring)}` };
  }
  const text = (field: string): string => (typeof record[field] === 'string' ? (record[field] as string) : '');
  return { ok: true, message: { mirroring: record.mirroring as MirroringState, reason: text('reason'), by: text('by'), at: text('at') } };
}

export function serializeControlMessage(message: ControlMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** A sampling rate: a finite number in [0, 1]. */
export function isSamplingRate(rate: unknown): rate is number {
  return typeof rate === 'number' && Number.isFinite(rate) && rate >= 0 && rate <= 1;
}

export type ParsedSamplingValue = { ok: true; message: SamplingMessage | null } | { ok: false; error: string };

/** Parses a sampling record's value (`{ sampling: { rate }, reason, by, at }`); null is a tombstone. */
export function parseSamplingValue(value: Buffer | null): ParsedSamplingValue {
  if (value === null) return { ok: true, message: null };
  const object = jsonObject(value);
  if (!object.ok) return object;
  const record = object.record;
  const sampling = record.sampling;
  if (typeof sampling !== 'object' || sampling === null || Array.isArray(sampling)) return { ok: false, error: 'sampling must be an object { rate }' };
  const rate = (sampling as Record<string, unknown>).rate;
  if (!isSamplingRate(rate)) return { ok: false, error: `sampling.rate must be a number in [0, 1], got ${JSON.stringify(rate)}` };
  const text = (field: string): string => (typeof record[field] === 'string' ? (record[field] as string) : '');
  return { ok: true, message: { sampling: { rate }, reason: text('reason'), by: text('by'), at: text('at') } };
}

export function serializeSamplingMessage(message: SamplingMessage): Buffer {
  return Buffer.from(JSON.stringify({ sampling: { rate: message.sampling.rate }, reason: message.reason, by: message.by, at: message.at }), 'utf8');
}
