// The one grammar of every time argument that selects captured exchanges by capture time: `shadow
// report|gate --since/--until`, `shadow replay --from/--to` and the replayer's own `replay` command.
// It lives here because both sides (the CLI and the replay engine) already depend on this package.
//
// Why a grammar of its own instead of Date.parse: Date.parse reads "72", "1" and "foo 2020" as
// calendar years, takes 2026-02-30 as 2 March, and reads a zone-less date-time as local time (a
// laptop and a CI runner then select different windows). So only three forms are accepted:
// - a duration back from now: numbers with a unit, ms s m h d w ("72h", "30m", "7d", "1h30m", "1.5h");
// - an ISO-8601 / RFC 3339 date-time WITH a zone: "2026-11-29T10:00:00Z", "...T10:00:00.250+01:00",
//   "...T10:00Z" (T or a space between date and time). A zone-less one is refused, naming the fix;
// - epoch seconds (exactly 10 digits) or epoch milliseconds (exactly 13 digits): both cover 2001..2286,
//   so the digit count decides the unit and no other count is a time.
// No library: zod's iso.datetime validates the same forms but this package does not depend on zod,
// and the conversion needs the components anyway (computed with Date.UTC, no Date.parse).

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** What every refusal lists: the accepted forms, with examples. */
export const TIME_ARG_FORMS =
  'a duration back from now (72h, 30m, 7d, 1h30m), an ISO-8601 time with a zone (2026-11-29T10:00:00Z, 2026-11-29T11:00:00+01:00), or epoch seconds (10 digits) or milliseconds (13 digits)';

export type TimeArg = { ok: true; ms: number; kind: 'duration' | 'iso' | 'epoch-seconds' | 'epoch-ms' } | { ok: false; message: string };

/** "48h" -> 172800000, "1h30m" -> 5400000; undefined when `text` is not a duration. */
export function durationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return total;
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

function isoMs(m: RegExpExecArray): number | string {
  const [, y, mo, d, h, mi, s = '0', frac = '', z, sign, oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12) return `month ${mo} does not exist`;
  if (day < 1 || day > daysIn(year, month)) return `${y}-${mo} has no day ${d}`;
  if (hour > 23 || minute > 59 || second > 59) return `${h}:${mi}:${s.padStart(2, '0')} is not a time of day`;
  if (z === undefined && sign === undefined) return 'it has no zone: add Z (UTC) or an offset such as +01:00';
  if (Number(oh) > 23 || Number(om) > 59) return `offset ${sign ?? ''}${oh}:${om} does not exist`;
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear keeps the year as written.
  const at = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3))));
  at.setUTCFullYear(year);
  return at.getTime() - offsetMs;
}

/**
 * Parses one time argument (see the module comment for the forms). A duration is taken back from
 * `nowMs`. Never throws: callers wrap the message in their own error (commander's, ReplayError).
 */
export function parseTimeArg(text: string, nowMs: number): TimeArg {
  const t = text.trim();
  const refuse = (why: string): TimeArg => ({ ok: false, message: `${JSON.stringify(text)} ${why}; expected ${TIME_ARG_FORMS}` });
  if (/^\d+$/.test(t)) {
    if (t.length === 10) return { ok: true, ms: Number(t) * 1000, kind: 'epoch-seconds' };
    if (t.length === 13) return { ok: true, ms: Number(t), kind: 'epoch-ms' };
    return refuse(`is a number without a unit (${t.length} digits is neither epoch seconds nor milliseconds): add a unit for a duration (${t}h)`);
  }
  const duration = durationMs(t);
  if (duration !== undefined) return { ok: true, ms: nowMs - duration, kind: 'duration' };
  if (DATE_ONLY.test(t)) return refuse(`is a date without a time and zone: write ${t}T00:00:00Z for midnight UTC`);
  const iso = ISO.exec(t);
  if (iso === null) return refuse('is not a time');
  const ms = isoMs(iso);
  if (typeof ms === 'string') return refuse(`is not a usable ISO-8601 time: ${ms}`);
  return { ok: true, ms, kind: 'iso' };
}
