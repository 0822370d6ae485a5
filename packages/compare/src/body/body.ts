// A body is classified, decoded, parsed and hashed once per comparison: comparePair prepares
// live's body once for the candidate and the secondary, reuses it outright for a side whose bytes
// are identical (a memcmp instead of a parse), and compareExchange prepares live and the secondary
// once for all candidates. There is deliberately no cache keyed by body object: a WeakMap with a
// new key per record is expensive for V8's garbage collector (ephemeron tables) and measurably
// slowed the whole comparison down.

import { isUtf8 } from 'node:buffer';
import { parseJson, type JsonValue } from '../json/json-parse.js';
import { hashBytes } from './hash.js';

export const BODY_KINDS = ['empty', 'json', 'invalid_json', 'text', 'binary', 'too_large', 'truncated'] as const;

/**
 * What a body turned out to be:
 * - `empty`: zero bytes;
 * - `json`: parsed (JSON content type, or no content type and it looks like JSON);
 * - `invalid_json`: a JSON content type but not parseable JSON (or not UTF-8);
 * - `text`: valid UTF-8, not JSON;
 * - `binary`: not valid UTF-8;
 * - `too_large`: over `maxBodyBytes`, compared by hash only;
 * - `truncated`: the capture cut it (bodyTruncated), compared by hash of what was kept.
 */
export type BodyKind = (typeof BODY_KINDS)[number];

export interface PreparedBody {
  readonly kind: BodyKind;
  readonly size: number;
  readonly hash: string;
  /** Parsed value when kind is json. */
  readonly json: JsonValue | undefined;
  /** Decoded text when kind is text or invalid_json (when UTF-8). */
  readonly text: string | undefined;
  /** Parser message when kind is invalid_json. */
  readonly error: string | undefined;
}

export interface BodyOptions {
  readonly maxBodyBytes: number;
  readonly sniffJson: boolean;
}

/** `application/json`, `text/json`, `application/problem+json`, ... (parameters ignored). */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  if (contentType === null || contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const mime = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return mime === 'application/json' || mime === 'text/json' || mime.endsWith('+json');
}

/** UTF-8 text of the bytes (Buffer's decoder, faster than TextDecoder; no copy of the bytes). */
function decodeUtf8(bytes: Uint8Array): string {
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.toString('utf8');
}

/** True when the bytes contain 16 consecutive ASCII digits (the only way to write an integer beyond 2^53). */
export function hasLongDigitRun(bytes: Uint8Array): boolean {
  let run = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x30 && b <= 0x39) {
      if (++run >= 16) return true;
    } else {
      run = 0;
    }
  }
  return false;
}

function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

/** Classifies, decodes, parses and hashes a body. Never throws. */
export function prepareBody(bytes: Uint8Array, contentType: string | null, truncated: boolean, options: BodyOptions): PreparedBody {
  return classify(bytes, contentType, truncated, options);
}

/** Same bytes (a memcmp; the same object is the common case for a reused live body). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.length === b.length && Buffer.compare(a, b) === 0);
}

function make(kind: BodyKind, bytes: Uint8Array, json?: JsonValue, text?: string, error?: string): PreparedBody {
  return { kind, size: bytes.length, hash: hashBytes(bytes), json, text, error };
}

function classify(bytes: Uint8Array, contentType: string | null, truncated: boolean, options: BodyOptions): PreparedBody {
  if (bytes.length === 0) return make(truncated ? 'truncated' : 'empty', bytes);
  if (truncated) return make('truncated', bytes);
  if (bytes.length > options.maxBodyBytes) return make('too_large', bytes);
  const declaredJson = isJsonContentType(contentType);
  const first = firstNonSpace(bytes);
  const looksJson = options.sniffJson && (contentType === null || contentType === '') && (first === 0x7b || first === 0x5b);
  const utf8 = isUtf8(bytes);
  if (declaredJson || looksJson) {
    if (!utf8) return declaredJson ? make('invalid_json', bytes, undefined, undefined, 'body is not valid UTF-8') : make('binary', bytes);
    const text = decodeUtf8(bytes);
    try {
      return make('json', bytes, parseJson(text, hasLongDigitRun(bytes)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (declaredJson) return make('invalid_json', bytes, undefined, text, message);
      return make('text', bytes, undefined, text);
    }
  }
  if (!utf8) return make('binary', bytes);
  return make('text', bytes, undefined, decodeUtf8(bytes));
}
