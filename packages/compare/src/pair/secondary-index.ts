// The per-pair noise rule needs to ask "did live and the secondary disagree here, or above here?"
// for each candidate difference. The secondary's differences are few, so they are indexed by
// their concrete path string (with a namespace for headers and side effects) and each candidate
// difference checks its own path and its ancestors: O(depth) string lookups per difference.

import { appendStep, formatPath, type PathStep } from '../json/json-path.js';

/** Kinds that say "the value changed, the shape did not": they only cover the same kind. */
const VALUE_KINDS: ReadonlySet<string> = new Set(['value_changed', 'array_length', 'text_changed', 'bytes_changed', 'hash_changed']);

export class SecondaryIndex {
  private readonly byPath = new Map<string, Set<string>>();

  add(namespace: string, steps: readonly PathStep[], kind: string): void {
    const id = `${namespace}\u0001${formatPath(steps)}`;
    const kinds = this.byPath.get(id);
    if (kinds === undefined) this.byPath.set(id, new Set([kind]));
    else kinds.add(kind);
  }

  get size(): number {
    return this.byPath.size;
  }

  /**
   * True when the secondary's disagreement with live covers a candidate difference of `kind` at
   * `steps`: at the same path with the same kind, or with a structural kind (type change,
   * missing, extra, body kind) which makes any difference there noise; or at an ancestor with a
   * structural kind (the subtree itself is unstable). A value change or array length difference
   * of an ancestor covers nothing below it (elements are still compared by index).
   */
  covers(namespace: string, steps: readonly PathStep[], kind: string): boolean {
    if (this.byPath.size === 0) return false;
    let p = '$';
    for (let i = 0; ; i++) {
      const kinds = this.byPath.get(`${namespace}\u0001${p}`);
      if (kinds !== undefined) {
        if (i === steps.length) {
          if (kinds.has(kind)) return true;
          for (const k of kinds) if (!VALUE_KINDS.has(k)) return true;
          return false;
        }
        for (const k of kinds) if (!VALUE_KINDS.has(k)) return true;
      }
      if (i === steps.length) return false;
      p = appendStep(p, steps[i]!);
    }
  }
}
