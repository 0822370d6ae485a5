import { parseTimeArg } from '@shadow/contracts';
import { ReplayError } from '../errors.js';
import type { ReplaySpeed } from './options.js';

/**
 * Parses `--from` / `--to` with the one grammar of time arguments (@shadow/contracts
 * parseTimeArg, shared with `shadow report|gate|replay`): a duration back from `nowMs`, an ISO-8601
 * time with a zone, epoch seconds (10 digits) or milliseconds (13 digits).
 */
export function parseInstant(field: string, text: string, nowMs: number = Date.now()): number {
  const parsed = parseTimeArg(text, nowMs);
  if (!parsed.ok) throw new ReplayError('REPLAY_INVALID_OPTION', `${field} must be a time: ${parsed.message}`);
  return parsed.ms;
}

/** Parses `--speed`: `max`, `1x`, `2.5x`, or a bare positive number. */
export function parseSpeed(text: string): ReplaySpeed {
  const t = text.trim().toLowerCase();
  if (t === 'max') return 'max';
  const m = /^(\d+(?:\.\d+)?)x?$/.exec(t);
  const n = m === null ? NaN : Number(m[1]);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `speed must be "max" or a positive factor such as "1x" or "10x", got ${JSON.stringify(text)}`);
  }
  return n;
}
