// When to retry a judge call and how long to wait. Retried: 408, 429, 500, 502, 503, 504 and
// network errors (the request may not have reached the judge, or the judge says "later"). Not
// retried: a timeout (the judge may still be working, and may bill it), other statuses (the request
// itself is wrong: a retry gets the same answer) and garbage (same input, same answer at
// temperature 0). The wait is full jitter (AWS's "exponential backoff and jitter"): random in
// [0, min(max, initial * 2^n)], so a burst of 429s does not come back in lockstep; Retry-After,
// when the server sends it, wins.

export const RETRIED_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function backoffDelay(retry: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * cap);
}

/** Retry-After as a wait in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names a day of the week and GMT; Date.parse reads far more than that.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
