// How an option error shows the value it refused: short, never the whole of a large value, never a
// function's source. Two forms: by kind (`"abc"`, `an object`, `an array`) for hand-written option
// checks, and as JSON (cut at 80 characters) for schema-validated config where the value's content
// is the useful part.

const STRING_SHOWN = 60;
const JSON_SHOWN = 80;

/** `"text"` (cut at 60 characters), `an object`, `an array`, `a function`, a RegExp as written, else String(value). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > STRING_SHOWN ? `${value.slice(0, STRING_SHOWN)}...` : value);
  return String(value);
}

/** The value as JSON, cut at 80 characters (`...`); String(value) when it has no JSON form. */
export function describeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > JSON_SHOWN ? `${text.slice(0, JSON_SHOWN - 3)}...` : text;
  } catch {
    return String(value);
  }
}

/** `<field> must be <expected>, got <value>`: the one sentence of a refused option. */
export function mustBe(field: string, expected: string, got: unknown): string {
  return `${field} must be ${expected}, got ${describeValue(got)}`;
}
