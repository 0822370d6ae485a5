// Structural JSON diff. One pass over both trees, no allocation on equal subtrees except the path
// stack; a difference is handed to a callback with the live path stack, so the caller decides what
// to keep (ignore rules, comparators, judge scopes and noise are the caller's business). Paths are
// only turned into strings when a difference is kept, which is rare compared to equal nodes.

import { jsonTypeOf, numbersEqual } from './json-parse.js';
import { matchesExactly, type CompiledPath, type PathStep } from './json-path.js';

export const DIFF_KINDS = ['value_changed', 'type_changed', 'missing_in_candidate', 'extra_in_candidate', 'array_length'] as const;

/** How a value at one path differs between live (left) and candidate (right). */
export type JsonDiffKind = (typeof DIFF_KINDS)[number];

export interface ArrayKeyRule {
  /** Arrays at this path are matched element by element on `key`, not by index. */
  readonly path: CompiledPath;
  readonly key: string;
}

/** The walker's state at a difference. Buffers are reused: copy what you keep. */
export interface DiffSite {
  /** Path steps from the root to the differing node. */
  readonly steps: readonly PathStep[];
  /** Live value at each depth (0 = root) down to the differing node; undefined when missing. */
  readonly lives: readonly unknown[];
  /** Candidate value at each depth, likewise. */
  readonly candidates: readonly unknown[];
}

export interface JsonDiffOptions {
  /** Depth below which subtrees are compared whole (one `value_changed` at the cut). */
  readonly maxDepth: number;
  /** Stop after this many kept differences (the rest are not looked for; `truncated` is set). */
  readonly maxDiffs: number;
  readonly arrayKeys: readonly ArrayKeyRule[];
  /** Return true when the difference is kept (counts against maxDiffs). */
  readonly onDiff: (site: DiffSite, kind: JsonDiffKind, live: unknown, candidate: unknown) => boolean;
}

export interface JsonDiffSummary {
  /** Differences kept by onDiff. */
  readonly kept: number;
  /** maxDiffs was reached: there may be more differences. */
  readonly truncated: boolean;
  /** Some subtree was below maxDepth and compared whole. */
  readonly depthLimited: boolean;
}

/** Walks both documents; see docs/compare.md for the rules (key order ignored, arrays by index). */
export function diffJson(live: unknown, candidate: unknown, options: JsonDiffOptions): JsonDiffSummary {
  const walker = new Walker(options);
  walker.lives.push(live);
  walker.candidates.push(candidate);
  walker.walk(live, candidate);
  return { kept: walker.kept, truncated: walker.truncated, depthLimited: walker.depthLimited };
}

class Walker implements DiffSite {
  readonly steps: PathStep[] = [];
  readonly lives: unknown[] = [];
  readonly candidates: unknown[] = [];
  kept = 0;
  truncated = false;
  depthLimited = false;

  constructor(private readonly options: JsonDiffOptions) {}

  private emit(kind: JsonDiffKind, live: unknown, candidate: unknown): void {
    if (this.options.onDiff(this, kind, live, candidate)) {
      this.kept++;
      if (this.kept >= this.options.maxDiffs) this.truncated = true;
    }
  }

  private child(step: PathStep, live: unknown, candidate: unknown, compare: boolean, kind?: JsonDiffKind): void {
    this.steps.push(step);
    this.lives.push(live);
    this.candidates.push(candidate);
    if (compare) this.walk(live, candidate);
    else this.emit(kind!, live, candidate);
    this.steps.pop();
    this.lives.pop();
    this.candidates.pop();
  }

  walk(l: unknown, c: unknown): void {
    if (l === c || this.truncated) return;
    const tl = typeof l;
    const tc = typeof c;
    if (tl === 'string' && tc === 'string') return this.emit('value_changed', l, c);
    if ((tl === 'number' || tl === 'bigint') && (tc === 'number' || tc === 'bigint')) {
      if (!numbersEqual(l as number | bigint, c as number | bigint)) this.emit('value_changed', l, c);
      return;
    }
    const jl = jsonTypeOf(l);
    const jc = jsonTypeOf(c);
    if (jl !== jc) return this.emit('type_changed', l, c);
    if (jl === 'array') return this.walkArray(l as unknown[], c as unknown[]);
    if (jl === 'object') return this.walkObject(l as Record<string, unknown>, c as Record<string, unknown>);
    // booleans (null === null was caught above)
    this.emit('value_changed', l, c);
  }

  private tooDeep(l: unknown, c: unknown): boolean {
    if (this.steps.length < this.options.maxDepth) return false;
    this.depthLimited = true;
    if (!deepEqual(l, c)) this.emit('value_changed', l, c);
    return true;
  }

  private walkObject(l: Record<string, unknown>, c: Record<string, unknown>): void {
    if (this.tooDeep(l, c)) return;
    for (const key of Object.keys(l)) {
      if (this.truncated) return;
      if (Object.hasOwn(c, key)) {
        const lv = l[key];
        const cv = c[key];
        if (lv !== cv) this.child(key, lv, cv, true);
      } else {
        this.child(key, l[key], undefined, false, 'missing_in_candidate');
      }
    }
    for (const key of Object.keys(c)) {
      if (this.truncated) return;
      if (!Object.hasOwn(l, key)) this.child(key, undefined, c[key], false, 'extra_in_candidate');
    }
  }

  private walkArray(l: unknown[], c: unknown[]): void {
    if (this.tooDeep(l, c)) return;
    const keyRules = this.options.arrayKeys;
    if (keyRules.length > 0) {
      for (const rule of keyRules) {
        if (matchesExactly(rule.path, this.steps) && this.walkKeyed(l, c, rule.key)) return;
      }
    }
    if (l.length !== c.length) this.emit('array_length', l.length, c.length);
    const n = Math.min(l.length, c.length);
    for (let i = 0; i < n && !this.truncated; i++) {
      const lv = l[i];
      const cv = c[i];
      if (lv !== cv) this.child(i, lv, cv, true);
    }
  }

  /** Matches elements by `key`; false (index comparison instead) when the array does not fit. */
  private walkKeyed(l: unknown[], c: unknown[], key: string): boolean {
    const lKeys = keysOf(l, key);
    const cKeys = keysOf(c, key);
    if (lKeys === null || cKeys === null) return false;
    const cIndex = new Map<string, number>();
    for (let j = 0; j < cKeys.length; j++) cIndex.set(cKeys[j]!, j);
    const matched = new Uint8Array(c.length);
    for (let i = 0; i < l.length && !this.truncated; i++) {
      const j = cIndex.get(lKeys[i]!);
      if (j === undefined) this.child(i, l[i], undefined, false, 'missing_in_candidate');
      else {
        matched[j] = 1;
        if (l[i] !== c[j]) this.child(i, l[i], c[j], true);
      }
    }
    for (let j = 0; j < c.length && !this.truncated; j++) {
      if (matched[j] === 0) this.child(j, undefined, c[j], false, 'extra_in_candidate');
    }
    return true;
  }
}

/** Key values of an array of objects, or null when an element lacks a scalar key or keys repeat. */
function keysOf(array: unknown[], key: string): string[] | null {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const element of array) {
    if (element === null || typeof element !== 'object' || Array.isArray(element) || !Object.hasOwn(element, key)) return null;
    const v = (element as Record<string, unknown>)[key];
    const t = typeof v;
    if (t !== 'string' && t !== 'number' && t !== 'bigint' && t !== 'boolean') return null;
    // Type-tagged so the string "1" and the number 1 stay different keys.
    const k = `${t === 'bigint' ? 'number' : t}:${String(v)}`;
    if (seen.has(k)) return null;
    seen.add(k);
    out.push(k);
  }
  return out;
}

/** Iterative deep equality (no recursion, so arbitrarily deep documents cannot overflow the stack). */
export function deepEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const [l, c] = stack.pop()!;
    if (l === c) continue;
    const tl = typeof l;
    const tc = typeof c;
    if ((tl === 'number' || tl === 'bigint') && (tc === 'number' || tc === 'bigint')) {
      if (!numbersEqual(l as number | bigint, c as number | bigint)) return false;
      continue;
    }
    const jl = jsonTypeOf(l);
    if (jl !== jsonTypeOf(c)) return false;
    if (jl === 'array') {
      const la = l as unknown[];
      const ca = c as unknown[];
      if (la.length !== ca.length) return false;
      for (let i = 0; i < la.length; i++) stack.push([la[i], ca[i]]);
    } else if (jl === 'object') {
      const lo = l as Record<string, unknown>;
      const co = c as Record<string, unknown>;
      const lk = Object.keys(lo);
      if (lk.length !== Object.keys(co).length) return false;
      for (const k of lk) {
        if (!Object.hasOwn(co, k)) return false;
        stack.push([lo[k], co[k]]);
      }
    } else {
      return false;
    }
  }
  return true;
}
