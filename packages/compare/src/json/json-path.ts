// The JSONPath subset this package speaks, for configuration (ignore rules, comparators, array
// keys, judge scopes, business outcomes) and for reporting differing paths:
//   $            the root
//   .name        a key made of letters, digits, `_`, `$`, `-` (`$.content-type` works)
//   ['any key']  a key in quotes (single or double, with backslash escapes)
//   [3] [-1]     an array index (negative counts from the end; extraction only)
//   [*] .*       any array element or object member
//   ..name ..*   descendants at any depth (0 or more levels), then the next step
// Filters and scripts (`[?(...)]`) are refused: a comparison rule must be cheap and obvious.

import { CompareError } from '../errors.js';

/** One step of a concrete path: an object key or an array index. */
export type PathStep = string | number;

export type PathSegment =
  | { readonly t: 'key'; readonly key: string }
  | { readonly t: 'index'; readonly index: number }
  | { readonly t: 'any' }
  | { readonly t: 'descend' };

/** A parsed JSONPath: `source` is the text it came from, `segments` what it matches. */
export interface CompiledPath {
  readonly source: string;
  readonly segments: readonly PathSegment[];
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const DOT_KEY = /[A-Za-z0-9_$-]/;

function formatKey(key: string): string {
  return IDENT.test(key) ? `.${key}` : `['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** Appends one step to a formatted concrete path. */
export function appendStep(path: string, step: PathStep): string {
  return path + (typeof step === 'number' ? `[${step}]` : formatKey(step));
}

/** `$.items[3].price` */
export function formatPath(steps: readonly PathStep[], length = steps.length): string {
  let out = '$';
  for (let i = 0; i < length; i++) {
    const s = steps[i]!;
    out += typeof s === 'number' ? `[${s}]` : formatKey(s);
  }
  return out;
}

/** `$.items[*].price`: array indices collapsed, so one field of every element is one path. */
export function formatCollapsedPath(steps: readonly PathStep[], length = steps.length): string {
  let out = '$';
  for (let i = 0; i < length; i++) {
    const s = steps[i]!;
    out += typeof s === 'number' ? '[*]' : formatKey(s);
  }
  return out;
}

/** Parses a JSONPath of the subset above. `field` names the option in the error. */
export function compilePath(source: string, field = 'path'): CompiledPath {
  if (typeof source !== 'string') {
    throw new CompareError('COMPARE_INVALID_JSONPATH', `${field}: expected a JSONPath string like "$.items[*].price", got ${typeof source}`, { field });
  }
  const bad = (pos: number, what: string): never => {
    throw new CompareError(
      'COMPARE_INVALID_JSONPATH',
      `${field}: invalid JSONPath ${JSON.stringify(source)} at offset ${pos}: ${what} (supported: $, .key, ['key'], [n], [*], .*, ..key)`,
      { field },
    );
  };
  const s = source.trim();
  if (s[0] !== '$') bad(0, 'must start with "$"');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      if (s[i + 1] === '.') {
        segments.push({ t: 'descend' });
        i += 2;
        if (s[i] === '[') continue;
      } else {
        i += 1;
      }
      if (s[i] === '*') {
        segments.push({ t: 'any' });
        i++;
        continue;
      }
      const start = i;
      while (i < s.length && DOT_KEY.test(s[i]!)) i++;
      if (i === start) bad(i, 'expected a key name after "."');
      segments.push({ t: 'key', key: s.slice(start, i) });
    } else if (c === '[') {
      const q = s[i + 1];
      if (q === '*') {
        if (s[i + 2] !== ']') bad(i + 2, 'expected "]"');
        segments.push({ t: 'any' });
        i += 3;
      } else if (q === "'" || q === '"') {
        let j = i + 2;
        let key = '';
        while (j < s.length && s[j] !== q) {
          if (s[j] === '\\') {
            j++;
            if (j >= s.length) break;
          }
          key += s[j];
          j++;
        }
        if (j >= s.length) bad(i, 'unterminated quoted key');
        if (s[j + 1] !== ']') bad(j + 1, 'expected "]" after the quoted key');
        segments.push({ t: 'key', key });
        i = j + 2;
      } else {
        const m = /^\[(-?\d+)\]/.exec(s.slice(i));
        if (m === null) bad(i, s[i + 1] === '?' ? 'filter expressions are not supported' : "expected [n], [*] or ['key']");
        segments.push({ t: 'index', index: Number(m![1]) });
        i += m![0].length;
      }
    } else {
      bad(i, `unexpected ${JSON.stringify(c)}`);
    }
  }
  if (segments.length > 0 && segments[segments.length - 1]!.t === 'descend') bad(s.length, 'a path cannot end with ".."');
  return { source: s, segments };
}

function stepMatches(seg: PathSegment, step: PathStep): boolean {
  switch (seg.t) {
    case 'any':
      return true;
    case 'key':
      return step === seg.key;
    case 'index':
      return step === seg.index;
    default:
      return false;
  }
}

/** True when segments si.. match steps pi..limit exactly. */
function matchFrom(segs: readonly PathSegment[], si: number, steps: readonly PathStep[], pi: number, limit: number): boolean {
  if (si === segs.length) return pi === limit;
  const seg = segs[si]!;
  if (seg.t === 'descend') {
    for (let p = pi; p < limit; p++) if (matchFrom(segs, si + 1, steps, p, limit)) return true;
    return false;
  }
  if (pi >= limit || !stepMatches(seg, steps[pi]!)) return false;
  return matchFrom(segs, si + 1, steps, pi + 1, limit);
}

/**
 * The length of the shortest prefix of `steps` (first `limit` steps) that the path matches exactly,
 * or -1. A rule at `$.meta` therefore covers `$.meta.requestId` (prefix length 1).
 */
export function matchPrefix(path: CompiledPath, steps: readonly PathStep[], limit = steps.length): number {
  const segs = path.segments;
  let min = 0;
  for (const s of segs) if (s.t !== 'descend') min++;
  for (let len = min; len <= limit; len++) if (matchFrom(segs, 0, steps, 0, len)) return len;
  return -1;
}

/** True when the path matches exactly the first `limit` steps. */
export function matchesExactly(path: CompiledPath, steps: readonly PathStep[], limit = steps.length): boolean {
  return matchFrom(path.segments, 0, steps, 0, limit);
}

/** Values selected by the path in a parsed document, in document order. */
export function selectValues(path: CompiledPath, root: unknown): unknown[] {
  const out: unknown[] = [];
  const visit = (value: unknown, si: number): void => {
    if (si === path.segments.length) {
      out.push(value);
      return;
    }
    const seg = path.segments[si]!;
    if (seg.t === 'descend') {
      // 0 levels, then every level below.
      visit(value, si + 1);
      forEachChild(value, (child) => visit(child, si));
      return;
    }
    if (Array.isArray(value)) {
      if (seg.t === 'index') {
        const idx = seg.index < 0 ? value.length + seg.index : seg.index;
        if (idx >= 0 && idx < value.length) visit(value[idx], si + 1);
      } else if (seg.t === 'any') {
        for (const child of value) visit(child, si + 1);
      }
      return;
    }
    if (value !== null && typeof value === 'object') {
      if (seg.t === 'key') {
        if (Object.hasOwn(value, seg.key)) visit((value as Record<string, unknown>)[seg.key], si + 1);
      } else if (seg.t === 'any') {
        forEachChild(value, (child) => visit(child, si + 1));
      }
    }
  };
  visit(root, 0);
  return out;
}

function forEachChild(value: unknown, fn: (child: unknown) => void): void {
  if (Array.isArray(value)) for (const child of value) fn(child);
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) fn((value as Record<string, unknown>)[key]);
}
