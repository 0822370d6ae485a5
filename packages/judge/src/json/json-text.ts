// JSON text of a judged value. The values come from @shadow/compare, whose lossless parser turns
// integers beyond 2^53 into bigint (JSON.stringify throws on those), so this writes them as the
// digits they were. `sorted` orders object keys: the cache key must not change when a side only
// reorders keys (the diff does not see key order either). Depth is bounded so a pathological
// document cannot overflow the stack; past it the value is refused (the caller reports too_large).

export class TooDeepError extends Error {
  override readonly name = 'TooDeepError';
}

export const MAX_JSON_DEPTH = 512;

export function jsonText(value: unknown, sorted = false): string {
  const out: string[] = [];
  write(value, sorted, 0, out);
  return out.join('');
}

function write(value: unknown, sorted: boolean, depth: number, out: string[]): void {
  if (depth > MAX_JSON_DEPTH) throw new TooDeepError(`deeper than ${MAX_JSON_DEPTH} levels`);
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return;
    case 'bigint':
      out.push(value.toString());
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((v: unknown, i) => {
          if (i > 0) out.push(',');
          write(v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v, sorted, depth + 1, out);
        });
        out.push(']');
        return;
      }
      const keys = Object.keys(value).filter((k) => {
        const v = (value as Record<string, unknown>)[k];
        return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
      });
      if (sorted) keys.sort();
      out.push('{');
      keys.forEach((k, i) => {
        if (i > 0) out.push(',');
        out.push(JSON.stringify(k), ':');
        write((value as Record<string, unknown>)[k], sorted, depth + 1, out);
      });
      out.push('}');
      return;
    }
    default:
      // undefined, functions, symbols: what JSON.stringify does at the top level of an array slot
      out.push('null');
  }
}
