/**
 * One canonical form of a request path, so that the rules judge exactly the path that is forwarded.
 * The sandbox used to match rules on the raw path and hand the URL to a client that normalised it
 * (`/x/../private` matched nothing, then went out as `/private`). Here the path is canonicalised
 * once, per RFC 3986 section 6.2.2, and the result is what the rules see, what the SideEffect
 * records and, byte for byte, what is sent upstream:
 *
 * - percent-encoded unreserved characters are decoded (`%61` -> `a`, `%2e` -> `.`), every other
 *   escape is kept with upper-case hex (`%2a` -> `%2A`);
 * - runs of `/` collapse into one;
 * - `.` and `..` segments are removed; a `..` that would climb above the floor (the dependency's
 *   base path, or the root) is refused rather than clamped.
 *
 * What upstream servers disagree on cannot be given one meaning, so it is refused with the reason:
 * an encoded `/`, `\` or `;` (`%2F`, `%5C`, `%3B`), an encoded `%` (`%25`, double encoding), raw
 * `\` or `;` (path parameters), a fragment, NUL and other control characters raw or encoded,
 * malformed escapes, malformed or overlong UTF-8 (`%C0%AE`), and encoded characters that Unicode
 * compatibility normalisation (NFKC) folds into ASCII (`%EF%BC%8E`, a fullwidth dot, becomes `.` on
 * a server that applies it).
 */

export type CanonicalPath =
  | { readonly ok: true; /** Canonical path without query. */ readonly pathname: string; /** `''` or `?...` as received. */ readonly query: string }
  | { readonly ok: false; readonly reason: string };

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const HEX = /^[0-9A-Fa-f]{2}$/;
/** Encoded bytes that change how a server splits the path: refused, not interpreted. */
const REFUSED_ESCAPES: Readonly<Record<number, string>> = {
  0x2f: 'an encoded slash (%2F)',
  0x5c: 'an encoded backslash (%5C)',
  0x3b: 'an encoded semicolon (%3B)',
  0x25: 'an encoded percent sign (%25: double encoding)',
};
const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(reason: string): CanonicalPath {
  return { ok: false, reason };
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

function describeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code > 0x20 && code < 0x7f ? `"${char}" (${name})` : name;
}

/** A raw character of a request target outside printable ASCII, or a fragment: refused anywhere. */
function badRawChar(text: string): string | null {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0) return 'a NUL character';
    if (code < 0x21 || code === 0x7f) return `a control or space character (${describeChar(char)})`;
    if (code > 0x7e) return `a raw non-ASCII character (${describeChar(char)}; percent-encode it)`;
    if (char === '#') return 'a fragment ("#")';
  }
  return null;
}

/**
 * Decodes the bytes of a run of encoded non-ASCII bytes as UTF-8 (fatal: overlong and malformed
 * sequences throw) and refuses a character that NFKC folds into ASCII.
 */
function checkEncodedText(bytes: number[]): string | null {
  let text: string;
  try {
    text = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return `invalid or overlong UTF-8 in percent-encoding (${bytes.map((b) => `%${hex(b)}`).join('')})`;
  }
  for (const char of text) {
    const folded = char.normalize('NFKC');
    if (/\p{Cc}/u.test(char)) return `an encoded control character (${describeChar(char)})`;
    if (folded !== char && [...folded].some((c) => c.charCodeAt(0) < 0x80)) {
      return `an encoded Unicode character that compatibility normalisation turns into ASCII (${describeChar(char)} -> "${folded}")`;
    }
  }
  return null;
}

/**
 * Normalises the escapes of a path (no query): unreserved decoded, others upper-case; refuses the
 * ambiguous ones. Returns the path text in canonical escapes, or a refusal.
 */
function normaliseEscapes(path: string): { ok: true; text: string } | { ok: false; reason: string } {
  let out = '';
  let pending: number[] = [];
  let pendingText = '';
  const flush = (): string | null => {
    if (pending.length === 0) return null;
    const problem = checkEncodedText(pending);
    if (problem !== null) return problem;
    out += pendingText;
    pending = [];
    pendingText = '';
    return null;
  };
  for (let i = 0; i < path.length; i++) {
    const char = path[i] as string;
    if (char === '%') {
      const digits = path.slice(i + 1, i + 3);
      if (!HEX.test(digits)) return { ok: false, reason: `invalid percent-encoding ("%${digits}")` };
      const byte = Number.parseInt(digits, 16);
      i += 2;
      if (byte >= 0x80) {
        pending.push(byte);
        pendingText += `%${hex(byte)}`;
        continue;
      }
      const problem = flush();
      if (problem !== null) return { ok: false, reason: problem };
      if (byte === 0) return { ok: false, reason: 'an encoded NUL (%00)' };
      if (byte < 0x20 || byte === 0x7f) return { ok: false, reason: `an encoded control character (%${hex(byte)})` };
      const refused = REFUSED_ESCAPES[byte];
      if (refused !== undefined) return { ok: false, reason: refused };
      const decoded = String.fromCharCode(byte);
      out += UNRESERVED.test(decoded) ? decoded : `%${hex(byte)}`;
      continue;
    }
    const problem = flush();
    if (problem !== null) return { ok: false, reason: problem };
    if (char === '\\') return { ok: false, reason: 'a backslash ("\\")' };
    if (char === ';') return { ok: false, reason: 'a path parameter (";")' };
    out += char;
  }
  const problem = flush();
  if (problem !== null) return { ok: false, reason: problem };
  return { ok: true, text: out };
}

/** Segments of a canonical-escaped path; empty segments (from `//`) are dropped, the trailing slash kept. */
function segmentsOf(text: string): { segments: string[]; trailingSlash: boolean } {
  const parts = text.split('/').slice(1);
  return { segments: parts.filter((s) => s !== ''), trailingSlash: parts.length > 0 && parts.at(-1) === '' };
}

class ClimbError extends Error {}

/** RFC 3986 remove_dot_segments; a `..` that would pop one of the first `floor` segments throws ClimbError. */
function removeDots(segments: readonly string[], trailingSlash: boolean, floor: number, floorName: string): string {
  const out: string[] = [];
  let trailing = trailingSlash;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.') {
      if (last) trailing = true;
      return;
    }
    if (segment === '..') {
      if (out.length <= floor) throw new ClimbError(floorName);
      out.pop();
      if (last) trailing = true;
      return;
    }
    out.push(segment);
  });
  return out.length === 0 ? '/' : `/${out.join('/')}${trailing ? '/' : ''}`;
}

function splitQuery(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q) };
}

function checkQuery(query: string): string | null {
  for (let i = 0; i < query.length; i++) {
    if (query[i] !== '%') continue;
    const digits = query.slice(i + 1, i + 3);
    if (!HEX.test(digits)) return `invalid percent-encoding in the query ("%${digits}")`;
    if (digits === '00') return 'an encoded NUL (%00) in the query';
    i += 2;
  }
  return null;
}

function canonicalise(target: string, floorOf: (segments: readonly string[]) => { floor: number; name: string }): CanonicalPath {
  const raw = badRawChar(target);
  if (raw !== null) return refuse(raw);
  const { path, query } = splitQuery(target);
  const queryProblem = checkQuery(query);
  if (queryProblem !== null) return refuse(queryProblem);
  if (!path.startsWith('/')) return refuse('a path that does not start with "/"');
  const escaped = normaliseEscapes(path);
  if (!escaped.ok) return refuse(escaped.reason);
  const { segments, trailingSlash } = segmentsOf(escaped.text);
  const { floor, name } = floorOf(segments);
  try {
    return { ok: true, pathname: removeDots(segments, trailingSlash, floor, name), query };
  } catch (error) {
    if (error instanceof ClimbError) return refuse(`a ".." segment that climbs above ${error.message}`);
    throw error;
  }
}

/**
 * The canonical path of a call through `/__dep/<name>`: `tail` is what follows the name (`''`,
 * `/v1/x?q`, `?q`), `basePath` the dependency's canonical base path (`''` or `/api`). Dot segments
 * of the tail cannot leave the base path.
 */
export function canonicalDependencyPath(tail: string, basePath: string): CanonicalPath {
  const target = tail === '' ? '/' : tail.startsWith('?') ? `/${tail}` : tail;
  const result = canonicalise(target, () => ({ floor: 0, name: basePath === '' ? "the dependency's root" : `the dependency's base path ${basePath}` }));
  if (!result.ok || basePath === '') return result;
  return { ok: true, pathname: `${basePath}${result.pathname}`, query: result.query };
}

/**
 * The canonical path of an absolute-form (proxy) request. When the path starts inside a configured
 * dependency's base path, dot segments cannot leave it; otherwise they cannot climb above the root.
 */
export function canonicalOriginPath(path: string, basePath: string): CanonicalPath {
  const base = basePath === '' ? [] : basePath.split('/').slice(1);
  return canonicalise(path === '' || path.startsWith('?') ? `/${path}` : path, (segments) => {
    const inside = base.length > 0 && base.every((s, i) => segments[i] === s);
    return inside ? { floor: base.length, name: `the dependency's base path ${basePath}` } : { floor: 0, name: 'the root' };
  });
}
