// A body pretty-printed as JSON, one line per value, each line tagged with its collapsed JSON path
// (compare's spelling: `$.items[*].price`, `['odd key']`), so the differing paths of the pair can be
// highlighted where they are: real differences marked, noise greyed. A line inherits the mark of
// its nearest marked ancestor, so a whole missing or changed object stands out.
import { h } from './dom.js';

export type Mark = 'real' | 'noise';
export type Marks = ReadonlyMap<string, Mark>;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$` + `.key`, or `['key']` when the key is not an identifier (as @shadow/compare formats paths). */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[*]`;
  return IDENT.test(key) ? `${path}.${key}` : `${path}['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

function line(path: string, mark: Mark | undefined, depth: number, parts: (Node | string)[]): HTMLElement {
  return h('div', { class: `jl${mark === undefined ? '' : ` diff-${mark}`}`, 'data-path': path, style: `padding-left:${depth * 1.25}em` }, ...parts);
}

function scalar(v: unknown): HTMLElement {
  const type = v === null ? 'null' : typeof v;
  return h('span', { class: `j-${type}` }, JSON.stringify(v));
}

function walk(
  value: unknown,
  path: string,
  depth: number,
  key: string | null,
  comma: boolean,
  marks: Marks,
  inherited: Mark | undefined,
  out: HTMLElement[],
): void {
  const mark = marks.get(path) ?? inherited;
  const label = key === null ? [] : [h('span', { class: 'j-key' }, JSON.stringify(key)), ': '];
  const tail = comma ? ',' : '';
  if (Array.isArray(value) || (value !== null && typeof value === 'object')) {
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as Record<string, unknown>);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) {
      out.push(line(path, mark, depth, [...label, `${open}${close}${tail}`]));
      return;
    }
    out.push(line(path, mark, depth, [...label, open]));
    entries.forEach(([k, v], i) => walk(v, childPath(path, k), depth + 1, typeof k === 'number' ? null : k, i < entries.length - 1, marks, mark, out));
    out.push(line(path, mark, depth, [`${close}${tail}`]));
    return;
  }
  out.push(line(path, mark, depth, [...label, scalar(value), tail]));
}

/** The body as highlighted JSON, or as plain text (with a note) when it is not JSON. */
export function renderBody(text: string, marks: Marks): HTMLElement {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return h('div', {}, h('p', { class: 'note' }, text === '' ? 'empty body' : 'not JSON: shown as text'), h('pre', { class: 'raw' }, text));
  }
  const lines: HTMLElement[] = [];
  walk(parsed, '$', 0, null, false, marks, undefined, lines);
  return h('pre', { class: 'json' }, ...lines);
}
