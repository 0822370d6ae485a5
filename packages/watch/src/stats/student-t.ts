// Student's t quantile for whole degrees of freedom, for intervals over a few dozen time buckets
// where the normal z would be too narrow. The CDF has a closed form for integer ν (Abramowitz &
// Stegun 26.7.3-4, in θ = atan(t/√ν)); the quantile inverts it by bisection on θ, which converges
// to double precision in 60 steps and needs no special function.
import { WatchError } from '../errors.js';

/** P(|T| <= t) for T ~ t(ν), written in θ = atan(t / √ν). */
function twoSidedMass(theta: number, nu: number): number {
  const s = Math.sin(theta);
  const c = Math.cos(theta);
  const c2 = c * c;
  if (nu % 2 === 1) {
    if (nu === 1) return (2 * theta) / Math.PI;
    // (2/π)[θ + sinθ cosθ (1 + (2/3)cos²θ + (2·4)/(1·3·5)... )]
    let term = 1;
    let sum = 1;
    for (let k = 1; k <= (nu - 3) / 2; k++) {
      term *= ((2 * k) / (2 * k + 1)) * c2;
      sum += term;
    }
    return (2 / Math.PI) * (theta + s * c * sum);
  }
  // sinθ [1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + ...]
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= (nu - 2) / 2; k++) {
    term *= ((2 * k - 1) / (2 * k)) * c2;
    sum += term;
  }
  return s * sum;
}

/** The t with P(T <= t) = p for T ~ Student t with `nu` (whole, >= 1) degrees of freedom. */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new WatchError('WATCH_INVALID_ARGUMENT', `studentTQuantile: p must be in (0, 1); got ${p}`);
  if (!Number.isInteger(nu) || nu < 1)
    throw new WatchError('WATCH_INVALID_ARGUMENT', `studentTQuantile: degrees of freedom must be a whole number >= 1; got ${nu}`);
  if (p === 0.5) return 0;
  const target = Math.abs(2 * p - 1);
  let lo = 0;
  let hi = Math.PI / 2;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedMass(mid, nu) < target) lo = mid;
    else hi = mid;
  }
  const t = Math.sqrt(nu) * Math.tan((lo + hi) / 2);
  return p > 0.5 ? t : -t;
}

/** Two-sided t for a confidence level: (0.95, 10) -> 2.228139. */
export function tForConfidence(confidence: number, nu: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new WatchError('WATCH_INVALID_ARGUMENT', `confidence must be in (0, 1), e.g. 0.95; got ${confidence}`);
  return studentTQuantile(1 - (1 - confidence) / 2, nu);
}
