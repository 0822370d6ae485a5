import { describe, expect, it } from 'vitest';
import { parseTimeArg } from './time-arg.js';

const NOW = Date.now();
const ms = (text: string): number => {
  const r = parseTimeArg(text, NOW);
  if (!r.ok) throw new Error(r.message);
  return r.ms;
};
const refusal = (text: string): string => {
  const r = parseTimeArg(text, NOW);
  if (r.ok) throw new Error(`${text} was accepted as ${new Date(r.ms).toISOString()}`);
  return r.message;
};

describe('parseTimeArg: the time arguments of report, gate and replay', () => {
  it('takes a duration back from now', () => {
    expect(ms('72h')).toBe(NOW - 72 * 3_600_000);
    expect(ms('30m')).toBe(NOW - 30 * 60_000);
    expect(ms('7d')).toBe(NOW - 7 * 86_400_000);
    expect(ms('1h30m')).toBe(NOW - 90 * 60_000);
    expect(ms('1.5h')).toBe(NOW - 90 * 60_000);
    expect(ms('0s')).toBe(NOW);
  });

  it('takes an ISO-8601 time with a zone, Z or an offset, at any precision down to ms', () => {
    const base = Date.UTC(2026, 10, 29, 10);
    expect(ms('2026-11-29T10:00:00Z')).toBe(base);
    expect(ms('2026-11-29T10:00Z')).toBe(base);
    expect(ms('2026-11-29 10:00:00z')).toBe(base);
    expect(ms('2026-11-29T11:00:00+01:00')).toBe(base);
    expect(ms('2026-11-29T05:30:00-0430')).toBe(base);
    expect(ms('2026-11-29T10:00:00.25Z')).toBe(base + 250);
    expect(ms('2026-11-29T10:00:00.123456789Z')).toBe(base + 123);
    expect(ms('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });

  it('reads 10 digits as epoch seconds and 13 as epoch milliseconds, nothing else', () => {
    expect(ms('1764410400')).toBe(1_764_410_400_000);
    expect(ms('1764410400123')).toBe(1_764_410_400_123);
    for (const digits of ['1', '72', '2020', '176441040', '17644104001', '176441040012', '17644104001234']) {
      expect(refusal(digits)).toMatch(/number without a unit/);
    }
  });

  it('refuses what Date.parse would guess at, naming the accepted forms', () => {
    for (const text of [
      'foo 2020',
      'yesterday',
      'last tuesday',
      '',
      ' ',
      '-1h',
      '1y',
      'h',
      '1 h',
      '2026-11-29T10:00:00Zjunk',
      'Sun, 29 Nov 2026 10:00:00 GMT',
      '+002026-11-29T10:00:00Z',
    ]) {
      expect(refusal(text), text).toMatch(/expected a duration back from now \(72h, 30m, 7d, 1h30m\), an ISO-8601 time with a zone/);
    }
  });

  it('refuses a zone-less time or a bare date, saying how to add the zone', () => {
    expect(refusal('2026-11-29T10:00:00')).toMatch(/no zone: add Z \(UTC\) or an offset/);
    expect(refusal('2026-11-29')).toMatch(/write 2026-11-29T00:00:00Z/);
  });

  it('refuses dates and times that do not exist (Date.parse takes 2026-02-30 as 2 March)', () => {
    expect(refusal('2026-02-30T00:00:00Z')).toMatch(/2026-02 has no day 30/);
    expect(refusal('2027-02-29T00:00:00Z')).toMatch(/has no day 29/);
    expect(refusal('2026-13-01T00:00:00Z')).toMatch(/month 13/);
    expect(refusal('2026-11-29T24:00:00Z')).toMatch(/not a time of day/);
    expect(refusal('2026-11-29T10:00:00+25:00')).toMatch(/offset/);
  });
});
