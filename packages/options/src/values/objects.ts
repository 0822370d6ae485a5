/**
 * An object whose own keys are the options: not null, an array, a RegExp, a Date, a Map or a Set.
 * Its prototype is not checked: config libraries (node-config) hand out objects with their own
 * prototype, and a tap or a sandbox given one must take it as its options.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof RegExp) &&
    !(value instanceof Date) &&
    !(value instanceof Map) &&
    !(value instanceof Set)
  );
}

/** A field's full path as errors name it: `prefix.a[2].b`; `(root)`-like `empty` when there is none. */
export function fieldPath(prefix: string, path: readonly PropertyKey[], empty = '(root)'): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? empty : out;
}

/** The value at `path` inside `root`, or undefined when the path leaves the objects. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
