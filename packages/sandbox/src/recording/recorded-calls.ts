/**
 * Live's calls of one exchange, matched to one challenger replay's calls. A challenger call takes
 * the first not-yet-taken recorded call with the same method, target and path+query; failing that,
 * the same method, target and path without query (queries often carry timestamps or nonces). So
 * the n-th `POST /v1/charges` of the challenger gets live's n-th answer. When the challenger makes
 * more matching calls than live did, the last match is answered again if `reuseExhausted` (a retry
 * sees what live's last call saw) or nothing otherwise (the ladder moves on to stub / 503).
 */
import { splitHostPort } from '../rules/rules.js';
import type { RecordedCall } from '../types.js';

interface Entry {
  readonly call: RecordedCall;
  readonly method: string;
  readonly host: string;
  readonly port: number | null;
  readonly path: string;
  readonly pathname: string;
  taken: boolean;
}

/** A target the call could be recorded under: the host and port it was addressed to, or an alias. */
export interface TargetCandidate {
  host: string;
  /** null = any port. */
  port: number | null;
}

function pathnameOf(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

function sameTarget(entry: Entry, candidates: readonly TargetCandidate[]): boolean {
  for (const c of candidates) {
    // A side without a port (live's recorder or an alias did not name one) matches any port.
    if (c.host === entry.host && (c.port === null || entry.port === null || c.port === entry.port)) return true;
  }
  return false;
}

export class RecordedCalls {
  readonly #entries: Entry[];
  readonly #reuseExhausted: boolean;

  constructor(calls: readonly RecordedCall[], reuseExhausted: boolean) {
    this.#reuseExhausted = reuseExhausted;
    this.#entries = calls.map((call) => {
      const { host, port } = splitHostPort(call.target);
      const path = call.path === '' ? '/' : call.path;
      return { call, method: call.method.toUpperCase(), host, port, path, pathname: pathnameOf(path), taken: false };
    });
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Takes live's answer for this call, or null when there is none to give. */
  take(method: string, candidates: readonly TargetCandidate[], path: string): RecordedCall | null {
    if (this.#entries.length === 0) return null;
    const upper = method.toUpperCase();
    const full = path === '' ? '/' : path;
    const pathname = pathnameOf(full);
    let lastExact: Entry | null = null;
    let lastLoose: Entry | null = null;
    let firstLoose: Entry | null = null;
    for (const entry of this.#entries) {
      if (entry.method !== upper || !sameTarget(entry, candidates)) continue;
      if (entry.path === full) {
        if (!entry.taken) {
          entry.taken = true;
          return entry.call;
        }
        lastExact = entry;
      } else if (entry.pathname === pathname) {
        if (!entry.taken && firstLoose === null) firstLoose = entry;
        if (entry.taken) lastLoose = entry;
      }
    }
    if (firstLoose !== null) {
      firstLoose.taken = true;
      return firstLoose.call;
    }
    if (!this.#reuseExhausted) return null;
    return (lastExact ?? lastLoose)?.call ?? null;
  }
}
