// JSON.parse turns 12345678901234567890 into 12345678901234567000, so two services that answer
// different big ids (tweet ids, snowflakes, int64 keys) would compare equal. The fast path is the
// native parser; only a body containing a run of 16+ digits (the only way to write an integer
// beyond 2^53) takes the slower hand-written parser below, which keeps such integers as bigint.
// Non-integer numbers are IEEE doubles in both paths (documented in docs/compare.md).

/** A JSON value as this package sees it: numbers beyond 2^53 are bigint, everything else as JSON.parse. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

const LONG_DIGIT_RUN = /\d{16}/;

/**
 * Parses JSON text; integers beyond Number.MAX_SAFE_INTEGER come back as bigint. Throws SyntaxError.
 * `mayHaveBigIntegers` skips the scan when the caller already knows (e.g. from a byte scan).
 */
export function parseJson(text: string, mayHaveBigIntegers = LONG_DIGIT_RUN.test(text)): JsonValue {
  if (!mayHaveBigIntegers) return JSON.parse(text) as JsonValue;
  return new LosslessParser(text).parseDocument();
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class LosslessParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipWs();
    const value = this.parseValue(0);
    this.skipWs();
    if (this.pos !== this.text.length) this.fail('unexpected trailing characters');
    return value;
  }

  private fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.pos}`);
  }

  private skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private parseValue(depth: number): JsonValue {
    // Same order of magnitude as V8's own limit, without risking the JS stack.
    if (depth > 5000) this.fail('nesting too deep');
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth);
      case '"':
        return this.parseString();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber();
        return this.fail(c === undefined ? 'unexpected end of JSON' : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private parseObject(depth: number): JsonValue {
    const out: Record<string, JsonValue> = {};
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.parseString();
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      this.skipWs();
      const value = this.parseValue(depth + 1);
      // A plain assignment of "__proto__" would change the prototype instead of adding a key.
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.skipWs();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') this.fail('expected "," or "}"');
    }
  }

  private parseArray(depth: number): JsonValue {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.parseValue(depth + 1));
      this.skipWs();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }

  private parseString(): string {
    const t = this.text;
    const start = ++this.pos;
    // Fast scan; fall back to JSON.parse of the literal for escapes (exact JSON semantics).
    let escaped = false;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        const raw = t.slice(start, this.pos);
        this.pos++;
        return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
      }
      if (c === 0x5c) {
        escaped = true;
        this.pos += 2;
        continue;
      }
      if (c < 0x20) this.fail('control character in string');
      this.pos++;
    }
    return this.fail('unterminated string');
  }

  private parseNumber(): number | bigint {
    const t = this.text;
    const start = this.pos;
    if (t[this.pos] === '-') this.pos++;
    let integer = true;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c >= '0' && c <= '9') this.pos++;
      else if (c === '.' || c === 'e' || c === 'E' || c === '+' || c === '-') {
        integer = false;
        this.pos++;
      } else break;
    }
    const literal = t.slice(start, this.pos);
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(literal)) this.fail(`invalid number ${literal}`);
    if (integer && literal.length > 15) {
      const big = BigInt(literal);
      if (big > MAX_SAFE || big < -MAX_SAFE) return big;
      return Number(literal);
    }
    return Number(literal);
  }
}

/** The JSON type of a value: bigint counts as number. */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    default:
      return Array.isArray(value) ? 'array' : 'object';
  }
}

/**
 * Numbers equal by value: 1 and 1.0 and 1e0 are one double; -0 equals 0 (JSON has no distinct -0
 * for most producers); a bigint equals a double only when the double is that exact integer.
 */
export function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  const n = (typeof a === 'number' ? a : b) as number;
  const big = (typeof a === 'bigint' ? a : b) as bigint;
  return Number.isInteger(n) && BigInt(n) === big;
}

/**
 * JSON text of a value (bigint as its digits), cut to maxChars with an ellipsis. Stops walking once
 * the budget is spent, so rendering a huge missing subtree costs O(maxChars), not O(subtree).
 */
export function renderValue(value: unknown, maxChars: number): string {
  const out: string[] = [];
  let budget = maxChars + 1;
  const push = (s: string): boolean => {
    out.push(s);
    budget -= s.length;
    return budget > 0;
  };
  const walk = (v: unknown, depth: number): boolean => {
    if (depth > 64) return push('…');
    if (v === null || v === undefined) return push('null');
    switch (typeof v) {
      case 'string':
        return push(JSON.stringify(v.length > maxChars ? v.slice(0, maxChars) : v));
      case 'number':
        return push(Number.isFinite(v) ? String(v) : 'null');
      case 'bigint':
        return push(v.toString());
      case 'boolean':
        return push(v ? 'true' : 'false');
      default:
        break;
    }
    if (Array.isArray(v)) {
      if (!push('[')) return false;
      for (let i = 0; i < v.length; i++) {
        if (i > 0 && !push(',')) return false;
        if (!walk(v[i], depth + 1)) return false;
      }
      return push(']');
    }
    if (!push('{')) return false;
    let first = true;
    for (const key of Object.keys(v as object)) {
      if (!first && !push(',')) return false;
      first = false;
      if (!push(`${JSON.stringify(key)}:`)) return false;
      if (!walk((v as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return push('}');
  };
  walk(value, 0);
  const text = out.join('');
  return text.length > maxChars ? `${text.slice(0, Math.max(0, maxChars - 1))}…` : text;
}
