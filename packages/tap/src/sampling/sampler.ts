/**
 * Sampling is decided when the request arrives, before any body byte is copied, so a sampled-out
 * request costs a header lookup and a hash.
 *
 * Each request gets a point u in [0, 1): the hash of its key header when present (consistent
 * across instances), else Math.random(). It is captured iff u < rate, with rate the first matching
 * per-route rule or the global rate.
 *
 * Express only knows the route template after routing, which happens after the tap's middleware.
 * When template rules exist and the template is not known yet, the decision is split: the request
 * is certainly out when u is at or above the highest rate any rule could give it (nothing is
 * copied); otherwise it is captured provisionally and settled with the real template when the
 * response ends. Because u is fixed per request, the split decision equals the one-step decision.
 *
 * A sampling rate set on the control topic (`setControlRate`) replaces the global rate while it is
 * present and caps every route rule above it (rules below it, e.g. a health check at 0, stay): a
 * ramp at 1% mirrors at most 1% of any route. The point u does not change, so as the rate grows
 * the exchanges already in stay in.
 */
import { samplingPoint } from '@shadow/contracts';
import type { ResolvedRouteRule } from '../options.js';

export interface SamplingConfig {
  readonly rate: number;
  readonly keyHeader: string | null;
  readonly routes: readonly ResolvedRouteRule[];
}

export interface SamplingDecision {
  /** False: the request is out and nothing needs to be captured. */
  readonly candidate: boolean;
  /** True when `candidate` is the final answer; false when `settle` must confirm it later. */
  readonly final: boolean;
  /** Rate in force when final; an upper bound otherwise. */
  readonly rate: number;
  readonly point: number;
}

const ALWAYS: SamplingDecision = Object.freeze({ candidate: true, final: true, rate: 1, point: 0 });

function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 0x2f);
}

export class Sampler {
  readonly keyHeader: string | null;
  private readonly config: SamplingConfig;
  private readonly hasRouteRules: boolean;
  private trivial: boolean;
  /** The control topic's rate, or null: the configuration decides. */
  private control: number | null = null;

  constructor(config: SamplingConfig) {
    this.config = config;
    this.keyHeader = config.keyHeader;
    this.hasRouteRules = config.routes.some((rule) => rule.kind === 'route');
    this.trivial = config.rate === 1 && config.routes.length === 0;
  }

  /** The global rate in force: the control topic's while set, else the configured one. */
  get rate(): number {
    return this.control ?? this.config.rate;
  }

  /** The control topic's rate, or null to return to the configuration. */
  setControlRate(rate: number | null): void {
    this.control = rate;
    this.trivial = this.rate === 1 && this.config.routes.length === 0;
  }

  private ruleRate(rate: number): number {
    return this.control === null ? rate : Math.min(rate, this.control);
  }

  /** The point for a request: hashed key when present, random otherwise. */
  point(key: string | undefined): number {
    return key === undefined || key === '' ? Math.random() : samplingPoint(key);
  }

  /**
   * @param template the route template; `undefined` when it is not known yet (it will be known
   *   at `settle`), `null` when the framework has none.
   */
  decide(path: string, template: string | null | undefined, key: string | undefined): SamplingDecision {
    if (this.trivial) return ALWAYS;
    const point = this.point(key);
    if (template === undefined && this.hasRouteRules) {
      const bound = this.upperBound(path);
      return { candidate: point < bound, final: false, rate: bound, point };
    }
    const rate = this.rateFor(path, template ?? null);
    return { candidate: point < rate, final: true, rate, point };
  }

  /** Final decision for a provisional one, once the template is known. */
  settle(decision: SamplingDecision, path: string, template: string | null): { sampled: boolean; rate: number } {
    if (decision.final) return { sampled: decision.candidate, rate: decision.rate };
    const rate = this.rateFor(path, template);
    return { sampled: decision.point < rate, rate };
  }

  rateFor(path: string, template: string | null): number {
    for (const rule of this.config.routes) {
      if (rule.kind === 'route' ? template === rule.value : prefixMatches(rule.value, path)) return this.ruleRate(rule.rate);
    }
    return this.rate;
  }

  /** Highest rate the request could get whatever its template turns out to be. */
  private upperBound(path: string): number {
    let bound = 0;
    for (const rule of this.config.routes) {
      if (rule.kind === 'route') {
        bound = Math.max(bound, this.ruleRate(rule.rate));
      } else if (prefixMatches(rule.value, path)) {
        return Math.max(bound, this.ruleRate(rule.rate));
      }
    }
    return Math.max(bound, this.rate);
  }
}
