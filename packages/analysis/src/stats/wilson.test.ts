import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../errors.js';
import { normalQuantile, zForConfidence } from './normal.js';
import { wilsonInterval } from './wilson.js';

// Expected values are computed by hand from the formula
//   centre = (p + z^2/2n) / (1 + z^2/n),  half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2)
// with z = 1.959964 (95 %).

describe('zForConfidence', () => {
  it('gives the familiar two-sided z values', () => {
    expect(zForConfidence(0.95)).toBeCloseTo(1.959964, 6);
    expect(zForConfidence(0.9)).toBeCloseTo(1.644854, 6);
    expect(zForConfidence(0.99)).toBeCloseTo(2.575829, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 6);
  });

  it('rejects a confidence outside (0, 1)', () => {
    expect(() => zForConfidence(95)).toThrow(AnalysisError);
    expect(() => zForConfidence(0)).toThrow(/confidence must be in \(0, 1\)/);
  });
});

describe('wilsonInterval', () => {
  it('95 of 100 -> [0.8882, 0.9785]', () => {
    // p = 0.95, z^2/n = 0.0384146, centre = 0.969207 / 1.0384146 = 0.933353,
    // half = 1.887457 * sqrt(0.000475 + 0.0000960) = 0.045103
    const w = wilsonInterval(95, 100);
    expect(w.estimate).toBe(0.95);
    expect(w.lower).toBeCloseTo(0.88825, 5);
    expect(w.upper).toBeCloseTo(0.97846, 5);
    expect(w.confidence).toBe(0.95);
  });

  it('0 of 10: lower bound exactly 0, upper z^2/(n + z^2) = 0.27753', () => {
    const w = wilsonInterval(0, 10);
    expect(w.lower).toBe(0);
    expect(w.upper).toBeCloseTo(0.277533, 6);
  });

  it('10 of 10: upper bound exactly 1, lower n/(n + z^2) = 0.72247', () => {
    const w = wilsonInterval(10, 10);
    expect(w.upper).toBe(1);
    expect(w.lower).toBeCloseTo(0.722467, 6);
  });

  it('no trials: no estimate and the whole [0, 1]', () => {
    expect(wilsonInterval(0, 0)).toMatchObject({ estimate: null, lower: 0, upper: 1 });
  });

  it('takes a confidence level or an explicit z', () => {
    // 90 %: z = 1.644854 -> 95/100 in [0.90084, 0.97545]
    const w90 = wilsonInterval(95, 100, { confidence: 0.9 });
    expect(w90.lower).toBeCloseTo(0.900839, 5);
    expect(w90.upper).toBeCloseTo(0.975453, 5);
    // z = 1: 8/10 in [0.649078, 0.896377]
    const z1 = wilsonInterval(8, 10, { z: 1 });
    expect(z1.lower).toBeCloseTo(0.649078, 6);
    expect(z1.upper).toBeCloseTo(0.896377, 6);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/exceed trials/);
    expect(() => wilsonInterval(-1, 10)).toThrow(/non-negative integer/);
    expect(() => wilsonInterval(1.5, 10)).toThrow(/non-negative integer/);
  });
});
