// A body is classified once and the classification is cached on the body object itself (a
// WeakMap keyed by the Uint8Array), so live's body, compared with a candidate and with the
// secondary, and with several challengers, is decoded, parsed and hashed once. The cache entry
// holds the options it was made with; different options recompute.

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

interface CacheEntry {
  readonly contentType: string | null;
  readonly truncated: boolean;
  readonly options: BodyOptions;
  readonly body: PreparedBody;
}

const cache = new WeakMap<Uint8Array, CacheEntry>();

/** `application/json`, `text/json`, `application/problem+json`, ... (parameters ignored). */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  if (contentType === null || contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const mime = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return mime === 'application/json' || mime === 'text/json' || mime.endsWith('+json');
}

const decoder = new TextDecoder('utf-8');

function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

/** Classifies, decodes, parses and hashes a body (cached per body object). Never throws. */
export function prepareBody(bytes: Uint8Array, contentType: string | null, truncated: boolean, options: BodyOptions): PreparedBody {
  const hit = cache.get(bytes);
  if (hit !== undefined && hit.options === options && hit.contentType === contentType && hit.truncated === truncated) return hit.body;
  const body = classify(bytes, contentType, truncated, options);
  cache.set(bytes, { contentType, truncated, options, body });
  return body;
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
    const text = decoder.decode(bytes);
    try {
      return make('json', bytes, parseJson(text));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (declaredJson) return make('invalid_json', bytes, undefined, text, message);
      return make('text', bytes, undefined, text);
    }
  }
  if (!utf8) return make('binary', bytes);
  return make('text', bytes, undefined, decoder.decode(bytes));
}
