// Replay sampling is decided by the exchange id alone (FNV-1a 32 + murmur3's fmix32, the same
// function the tap uses for its key header), so the decision is deterministic: a restarted replayer,
// a second replayer instance and every challenger with the same rate pick the SAME exchanges. That
// matters for the secondary: its results are the noise baseline only for exchanges the candidate
// also saw. A lower rate selects a subset of what a higher rate selects.
import { ReplayError } from '../errors.js';
import type { ReplaySamplingOptions, RouteSamplingRule } from './types.js';

export function fnv1a32(key: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(key, 'utf8');
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

function fmix32(input: number): number {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The exchange's point in [0, 1): replayed iff point < rate. */
export function samplingPointOf(exchangeId: string): number {
  return fmix32(fnv1a32(exchangeId)) / 0x1_0000_0000;
}

function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 0x2f);
}

function checkRate(field: string, rate: unknown): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field} must be a number in [0, 1], got ${JSON.stringify(rate)}`);
  }
  return rate;
}

export class ReplaySampler {
  readonly rate: number;
  readonly routes: readonly RouteSamplingRule[];
  readonly #trivial: boolean;

  constructor(options: ReplaySamplingOptions = {}, field = 'sampling') {
    this.rate = checkRate(`${field}.rate`, options.rate ?? 1);
    this.routes = Object.freeze((options.routes ?? []).map((rule, i) => {
      if ((rule.route === undefined) === (rule.pathPrefix === undefined)) {
        throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.routes[${i}] must set exactly one of route, pathPrefix`);
      }
      return Object.freeze({ ...rule, method: rule.method?.toUpperCase(), rate: checkRate(`${field}.routes[${i}].rate`, rule.rate) });
    }));
    this.#trivial = this.rate === 1 && this.routes.length === 0;
  }

  rateFor(method: string, path: string, routeTemplate: string | null): number {
    for (const rule of this.routes) {
      if (rule.method !== undefined && rule.method !== method.toUpperCase()) continue;
      if (rule.route !== undefined ? rule.route === routeTemplate : prefixMatches(rule.pathPrefix ?? '/', path)) return rule.rate;
    }
    return this.rate;
  }

  sampled(exchange: { exchangeId: string; method: string; path: string; routeTemplate: string | null }): boolean {
    if (this.#trivial) return true;
    return samplingPointOf(exchange.exchangeId) < this.rateFor(exchange.method, exchange.path, exchange.routeTemplate);
  }
}
