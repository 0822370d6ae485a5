// Query parameters (`param_<name>` in the URL, `{name:Type}` in the query) reach the engine as bound
// parameters: chdb hands them to the engine's own parameter binding, where the value is parsed as the
// declared type and never becomes SQL text. What needs care is the text itself. A server reads the
// URL value in ClickHouse's escaped text format; chdb escapes what it is given once more (backslash,
// tab, newline...). So the endpoint gives chdb the value that, escaped by chdb, is exactly what a
// server would have read:
// - for scalar types (String, numbers, dates, enums...) the escaped text is decoded here, so
//   `it\'s` and `a\tb` mean what they mean to a server;
// - for composite types (Array, Map, Tuple...) the text is passed on byte for byte where chdb's
//   escaping can be undone exactly, and a quote escaped as `\'` inside a quoted element is written
//   `''` (the same string to the engine);
// - `\N` alone is NULL.
// A value that cannot reach the engine unchanged is refused (BAD_QUERY_PARAMETER) naming the parameter.
import { shown } from './settings-allow-list.js';

export type BoundValue = { readonly ok: true; readonly value: string | null } | { readonly ok: false; readonly message: string };

/** What chdb's tsvEscape writes for each character it escapes, reversed. */
const CHDB_ESCAPED: Readonly<Record<string, string>> = { '\\': '\\', '0': '\0', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const CHDB_ESCAPES_RAW = /[\0\b\f\n\r\t]/;
/** ClickHouse's escape sequences (parseComplexEscapeSequence); any other `\c` is `c`. */
const CLICKHOUSE_ESCAPES: Readonly<Record<string, string>> = { ...CHDB_ESCAPED, a: '\x07', v: '\v', e: '\x1b' };

const isComposite = (type: string): boolean => /^\s*(?:Nullable\(|LowCardinality\()*\s*(?:Array|Map|Tuple|Nested|JSON|Variant|Dynamic|Object)\b/i.test(type);

/** The value to give chdb for the raw URL text of a parameter declared as `type`. */
export function boundParameterValue(name: string, raw: string, type: string): BoundValue {
  if (raw === '\\N') return { ok: true, value: null };
  return isComposite(type) ? compositeValue(name, raw) : scalarValue(name, raw);
}

function scalarValue(name: string, raw: string): BoundValue {
  let out = '';
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[i + 1];
    if (e === undefined) return { ok: false, message: `Query parameter '${name}' ends with a lone backslash` };
    if (e === 'x') {
      const hex = raw.slice(i + 2, i + 4);
      const code = /^[0-9a-fA-F]{2}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
      if (!(code < 0x80))
        return {
          ok: false,
          message: `Query parameter '${name}' has \\x${shown(hex)}: only ASCII bytes (\\x00 to \\x7f) can be escaped this way on the endpoint`,
        };
      out += String.fromCharCode(code);
      i += 3;
      continue;
    }
    out += CLICKHOUSE_ESCAPES[e] ?? e;
    i += 1;
  }
  return { ok: true, value: out };
}

function compositeValue(name: string, raw: string): BoundValue {
  if (CHDB_ESCAPES_RAW.test(raw)) {
    return { ok: false, message: `Query parameter '${name}' has a raw control character (tab, newline...); escape it (\\t, \\n) inside the quoted element` };
  }
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i] as string;
    if (c === "'") {
      quoted = !quoted;
      out += c;
      continue;
    }
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[i + 1] as string | undefined;
    if (e === "'" && quoted) {
      out += "''";
      i += 1;
      continue;
    }
    const undone = e === undefined ? undefined : CHDB_ESCAPED[e];
    if (undone === undefined) {
      return {
        ok: false,
        message: `Query parameter '${name}' has the escape \\${shown(e ?? '')}, which the embedded engine cannot receive unchanged in a ${'composite'} value; use \\\\, \\t, \\n, \\r, \\b, \\f, \\0 or \\' in quoted elements`,
      };
    }
    out += undone;
    i += 1;
  }
  return { ok: true, value: out };
}
