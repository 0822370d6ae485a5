// Replay sampling is decided by the exchange id alone (@shadow/contracts' samplingPointOf, the same
// hash the tap uses for its key header), so the decision is deterministic: a restarted replayer,
// a second replayer instance and every challenger with the same rate pick the SAME exchanges. That
// matters for the secondary: its results are the noise baseline only for exchanges the candidate
// also saw. A lower rate selects a subset of what a higher rate selects.
import { samplingPointOf } from '@shadow/contracts';
import { ReplayError } from '../errors.js';
import type { ReplaySamplingOptions, ReplayRouteSamplingRule } from './types.js';

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
  readonly routes: readonly ReplayRouteSamplingRule[];
  readonly #trivial: boolean;

  constructor(options: ReplaySamplingOptions = {}, field = 'sampling') {
    this.rate = checkRate(`${field}.rate`, options.rate ?? 1);
    this.routes = Object.freeze(
      (options.routes ?? []).map((rule, i) => {
        if ((rule.route === undefined) === (rule.pathPrefix === undefined)) {
          throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.routes[${i}] must set exactly one of route, pathPrefix`);
        }
        return Object.freeze({ ...rule, method: rule.method?.toUpperCase(), rate: checkRate(`${field}.routes[${i}].rate`, rule.rate) });
      }),
    );
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

/** The control topic's sampling rate per service (@shadow/contracts' ControlWatcher has this shape). */
export interface SamplingControl {
  samplingRateOf(service: string): { rate: number } | null;
}

/**
 * Whether an exchange stays in under a control rate. The tap already sampled it at
 * `exchange.samplingRate` (its own rate, which is the control rate when the tap obeys the same
 * entry), so the replayer keeps the fraction `rate / samplingRate` of what arrives and the overall
 * fraction of live traffic is `rate`; an exchange the tap took at a rate at or below it is kept.
 * Decided by the exchange id's point, so a growing rate keeps what it kept.
 */
export function controlSampled(exchange: { exchangeId: string; samplingRate: number }, rate: number): boolean {
  const tapRate = exchange.samplingRate;
  if (!(tapRate > rate)) return true;
  return samplingPointOf(exchange.exchangeId) < rate / tapRate;
}
