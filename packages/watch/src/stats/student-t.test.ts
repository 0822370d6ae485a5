import { describe, expect, it } from 'vitest';
import { studentTQuantile, tForConfidence } from './student-t.js';

describe('studentTQuantile', () => {
  // Reference values from the t table (R: qt(p, df)), 6 significant digits.
  it.each([
    [0.975, 1, 12.7062],
    [0.975, 2, 4.30265],
    [0.975, 3, 3.18245],
    [0.975, 4, 2.77645],
    [0.975, 5, 2.57058],
    [0.975, 10, 2.22814],
    [0.975, 30, 2.04227],
    [0.995, 3, 5.84091],
    [0.995, 10, 3.16927],
    [0.95, 7, 1.89458],
    [0.9, 20, 1.32534],
  ])('qt(%s, %s) = %s', (p, nu, expected) => {
    expect(studentTQuantile(p, nu)).toBeCloseTo(expected, 4);
  });

  it('is symmetric and 0 at the median; large ν tends to the normal z', () => {
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-2.57058, 4);
    expect(studentTQuantile(0.5, 5)).toBe(0);
    expect(studentTQuantile(0.975, 2000)).toBeCloseTo(1.96115, 4);
    expect(tForConfidence(0.95, 10)).toBeCloseTo(2.22814, 4);
  });

  it('refuses p outside (0, 1) and a fractional or zero ν', () => {
    expect(() => studentTQuantile(1, 5)).toThrow(/p must be in \(0, 1\)/);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/degrees of freedom/);
    expect(() => studentTQuantile(0.9, 2.5)).toThrow(/degrees of freedom/);
    expect(() => tForConfidence(95, 3)).toThrow(/confidence must be in/);
  });
});
