// The control topic's codec and key scheme: what a key addresses (kind and service) and what a
// value holds. Invalid values are reported, never thrown: a watcher logs and skips them.
import { ContractsError } from '../errors.js';
import type { ControlMessage, ControlRecordKind, MirroringState } from './types.js';
import { CONTROL_RECORD_KINDS, RESERVED_CONTROL_KINDS } from './types.js';

export const MIRRORING_STATES: readonly MirroringState[] = ['active', 'paused'];

/** What a key addresses: a known kind and its service, or a kind this version does not know. */
export type ControlKey = { known: true; kind: ControlRecordKind; service: string } | { known: false; kind: string; service: string };

/** The kind prefix of a key (`sampling` of `sampling:checkout`) when it is one of ours, else null. */
function kindPrefixOf(key: string): string | null {
  const colon = key.indexOf(':');
  if (colon < 0) return null;
  const prefix = key.slice(0, colon);
  return prefix !== 'mirroring' &&
    ((CONTROL_RECORD_KINDS as readonly string[]).includes(prefix) || (RESERVED_CONTROL_KINDS as readonly string[]).includes(prefix))
    ? prefix
    : null;
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
      `service must be a service name or "*" (not starting with ${[...RESERVED_CONTROL_KINDS].map((k) => `"${k}:"`).join(', ')}), got ${JSON.stringify(service)}`,
    );
  }
  return kind === 'mirroring' ? service : `${kind}:${service}`;
}

export type ParsedControlValue = { ok: true; message: ControlMessage | null } | { ok: false; error: string };

/** Parses a mirroring record's value; null is a tombstone. */
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
