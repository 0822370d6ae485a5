/**
 * Redaction runs after the response has gone out, on the finished capture, before the exchange is
 * handed to the transport: nothing unredacted leaves the process.
 *
 * Semantics (docs/tap.md "Redaction"):
 * - A redacted header keeps its name and every value becomes `[REDACTED]`, so the replayer still
 *   knows the live request was authenticated and can substitute its own credentials.
 * - A redacted JSON field keeps its key and its value becomes the string `"[REDACTED]"`. A body in
 *   which a path matched is re-serialised with JSON.stringify (whitespace may change); a body in
 *   which nothing matched keeps its exact bytes.
 * - With JSON paths configured, a JSON body that cannot be parsed (truncated, content-encoded,
 *   malformed) is withheld: empty bytes, `...BodyTruncated: true`, size kept. Leaking PII because
 *   a body was cut at the size limit would be the worse failure.
 */
import { REDACTED } from '../options.js';
import { parseJsonPath, redactJsonPaths, type JsonPath } from './json-path.js';

export interface RedactedBody {
  body: Buffer;
  truncated: boolean;
  /** True when the body was dropped because it could not be redacted safely. */
  withheld: boolean;
  /** Number of JSON values replaced. */
  replaced: number;
}

type JsonShape = 'document' | 'lines' | null;

const EMPTY = Buffer.alloc(0);

/** `application/json`, `*\/*+json`, `text/json` -> one document; NDJSON / JSON Lines -> one per line. */
export function jsonShape(contentType: string | null): JsonShape {
  if (contentType === null) return null;
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  const slash = media.indexOf('/');
  if (slash === -1) return null;
  const subtype = media.slice(slash + 1);
  if (subtype === 'json' || subtype.endsWith('+json')) return 'document';
  if (subtype === 'x-ndjson' || subtype === 'ndjson' || subtype === 'jsonl' || subtype === 'x-jsonlines' || subtype === 'json-seq') {
    return 'lines';
  }
  return null;
}

export class Redactor {
  private readonly headerNames: readonly string[];
  private readonly paths: readonly JsonPath[];

  constructor(options: { readonly headers: readonly string[]; readonly jsonPaths: readonly string[] }) {
    this.headerNames = options.headers;
    // Options validation already rejected unparseable paths.
    this.paths = options.jsonPaths.map((text) => parseJsonPath(text)).filter((p): p is JsonPath => typeof p !== 'string');
  }

  /** Replaces the values of redacted headers in place. Names must already be lower-case. */
  headers(headers: Record<string, string[]>): Record<string, string[]> {
    for (const name of this.headerNames) {
      const values = headers[name];
      if (values !== undefined) headers[name] = values.map(() => REDACTED);
    }
    return headers;
  }

  body(body: Buffer, truncated: boolean, contentType: string | null, contentEncoding: string | null): RedactedBody {
    const shape = this.paths.length === 0 ? null : jsonShape(contentType);
    if (shape === null || body.length === 0) return { body, truncated, withheld: false, replaced: 0 };
    const encoded = contentEncoding !== null && contentEncoding.trim().toLowerCase() !== 'identity';
    if (truncated || encoded) return withhold();
    try {
      const text = body.toString('utf8');
      if (shape === 'document') {
        const document: unknown = JSON.parse(text);
        const replaced = redactJsonPaths(document, this.paths, REDACTED);
        if (replaced === 0) return { body, truncated: false, withheld: false, replaced: 0 };
        return { body: Buffer.from(JSON.stringify(document), 'utf8'), truncated: false, withheld: false, replaced };
      }
      let replaced = 0;
      const lines = text.split('\n').map((line) => {
        if (line.trim() === '') return line;
        const document: unknown = JSON.parse(line);
        const n = redactJsonPaths(document, this.paths, REDACTED);
        replaced += n;
        return n === 0 ? line : JSON.stringify(document);
      });
      if (replaced === 0) return { body, truncated: false, withheld: false, replaced: 0 };
      return { body: Buffer.from(lines.join('\n'), 'utf8'), truncated: false, withheld: false, replaced };
    } catch {
      return withhold();
    }
  }
}

function withhold(): RedactedBody {
  return { body: EMPTY, truncated: true, withheld: true, replaced: 0 };
}
