/**
 * A small JSON path dialect for naming fields to redact: `$.user.email`, `card.number`,
 * `items[*].ssn`, `orders[0].card`, `$['odd.key']`, `*.password`. The leading `$` is optional.
 *
 * Matching is deliberately lenient, because a path that silently misses leaks data: a field
 * segment applied to an array applies to each element (`items.ssn` behaves like `items[*].ssn`).
 */
export type PathSegment = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'wildcard' };

export type JsonPath = readonly PathSegment[];

/** Parses a path; returns the reason as a string when it is not valid. */
export function parseJsonPath(text: string): JsonPath | string {
  const segments: PathSegment[] = [];
  let i = 0;
  if (text.startsWith('$')) {
    i = 1;
  } else if (text !== '' && text[0] !== '.' && text[0] !== '[') {
    i = readKey(text, 0, segments);
  }
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (i + 1 >= text.length) return 'ends with "."';
      const next = readKey(text, i + 1, segments);
      if (next === i + 1) return `empty field name at ${i + 1}`;
      i = next;
    } else if (c === '[') {
      const close = readBracket(text, i, segments);
      if (typeof close === 'string') return close;
      i = close;
    } else {
      return `unexpected "${c}" at ${i}`;
    }
  }
  if (segments.length === 0) return 'names no field';
  return Object.freeze(segments);
}

function readKey(text: string, start: number, out: PathSegment[]): number {
  let end = start;
  while (end < text.length && text[end] !== '.' && text[end] !== '[') end++;
  if (end === start) return start;
  const key = text.slice(start, end);
  out.push(key === '*' ? { kind: 'wildcard' } : { kind: 'key', key });
  return end;
}

function readBracket(text: string, open: number, out: PathSegment[]): number | string {
  const inner = open + 1;
  const quote = text[inner];
  if (quote === "'" || quote === '"') {
    let key = '';
    let j = inner + 1;
    for (; j < text.length && text[j] !== quote; j++) {
      if (text[j] === '\\' && j + 1 < text.length) j++;
      key += text[j];
    }
    if (j >= text.length || text[j + 1] !== ']') return `unterminated quoted name at ${open}`;
    out.push({ kind: 'key', key });
    return j + 2;
  }
  const close = text.indexOf(']', inner);
  if (close === -1) return `unterminated "[" at ${open}`;
  const body = text.slice(inner, close);
  if (body === '*') out.push({ kind: 'wildcard' });
  else if (/^\d+$/.test(body)) out.push({ kind: 'index', index: Number(body) });
  else return `"[${body}]" is not [*], [<index>] or ['<name>']`;
  return close + 1;
}

/**
 * Replaces every value the paths reach with `replacement`, in place. Null values are left alone
 * (nothing to hide). Returns how many values were replaced.
 */
export function redactJsonPaths(document: unknown, paths: readonly JsonPath[], replacement: string): number {
  let replaced = 0;
  for (const path of paths) replaced += visit(document, path, 0, replacement);
  return replaced;
}

function visit(node: unknown, path: JsonPath, i: number, replacement: string): number {
  const segment = path[i];
  if (segment === undefined || node === null || typeof node !== 'object') return 0;
  const last = i === path.length - 1;
  let replaced = 0;
  if (Array.isArray(node)) {
    if (segment.kind === 'key') {
      for (const element of node) replaced += visit(element, path, i, replacement);
      return replaced;
    }
    const indices = segment.kind === 'wildcard' ? node.keys() : segment.index < node.length ? [segment.index] : [];
    for (const index of indices) {
      if (last) {
        if (node[index] !== null) {
          node[index] = replacement;
          replaced++;
        }
      } else {
        replaced += visit(node[index], path, i + 1, replacement);
      }
    }
    return replaced;
  }
  const record = node as Record<string, unknown>;
  const keys =
    segment.kind === 'wildcard'
      ? Object.keys(record)
      : [segment.kind === 'key' ? segment.key : String(segment.index)].filter((key) => Object.hasOwn(record, key));
  for (const key of keys) {
    if (last) {
      if (record[key] !== null) {
        // defineProperty, not assignment: JSON.parse creates an own "__proto__" key and assigning to
        // it would change the prototype instead of replacing the value.
        Object.defineProperty(record, key, { value: replacement, writable: true, enumerable: true, configurable: true });
        replaced++;
      }
    } else {
      replaced += visit(record[key], path, i + 1, replacement);
    }
  }
  return replaced;
}
