import { ReplayError } from '../errors.js';
import type { ReplaySpeed } from './options.js';

/** Parses `--from` / `--to`: ISO-8601, or epoch milliseconds. */
export function parseInstant(field: string, text: string): number {
  const t = text.trim();
  if (/^\d{10,16}$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}/.test(t)) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field} must be an ISO-8601 time (2026-11-29T10:00:00Z) or epoch milliseconds, got ${JSON.stringify(text)}`);
  }
  return ms;
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
