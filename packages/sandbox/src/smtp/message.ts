/**
 * Just enough of RFC 5322 to correlate and summarise a captured e-mail: the header block (up to
 * the first empty line), unfolded, names lower-cased. The body is kept as bytes, never decoded.
 */

/** Header name -> values from the start of a raw message; stops at the first empty line or at the end of what was captured. */
export function parseMessageHeaders(raw: Buffer): Record<string, string[]> {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = end === -1 ? text : text.slice(0, end);
  const headers: Record<string, string[]> = {};
  let current: { name: string; value: string } | null = null;
  const flush = (): void => {
    if (current === null) return;
    (headers[current.name] ??= []).push(current.value.trim());
    current = null;
  };
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current !== null) {
      current.value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) };
  }
  flush();
  return headers;
}

/** Lower-case domains of the recipients, deduplicated and sorted (the SideEffect target). */
export function recipientDomains(addresses: readonly string[]): string[] {
  const domains = new Set<string>();
  for (const address of addresses) {
    const at = address.lastIndexOf('@');
    domains.add(at === -1 ? address.toLowerCase() : address.slice(at + 1).toLowerCase());
  }
  return [...domains].sort();
}
