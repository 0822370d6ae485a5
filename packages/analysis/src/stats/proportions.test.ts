import { describe, expect, it } from 'vitest';
import { independentDifferenceInterval, pairedDifferenceInterval } from './proportions.js';

describe('independentDifferenceInterval (Newcombe method 10)', () => {
  it("reproduces Newcombe's published example: 56/70 - 48/80 = 0.2 in [0.0524, 0.3339]", () => {
    const d = independentDifferenceInterval({ successes: 56, trials: 70 }, { successes: 48, trials: 80 });
    expect(d.estimate).toBeCloseTo(0.2, 12);
    expect(d.lower).toBeCloseTo(0.0524, 4);
    expect(d.upper).toBeCloseTo(0.3339, 4);
    expect(d.method).toBe('newcombe-independent');
  });

  it('has no estimate when a side has no trials', () => {
    expect(independentDifferenceInterval({ successes: 0, trials: 0 }, { successes: 1, trials: 2 })).toMatchObject({ estimate: null, lower: -1, upper: 1 });
  });
});

describe('pairedDifferenceInterval (Newcombe 1998b method 10)', () => {
  it('candidate 92 % vs live 83 % on the same 100 pairs', () => {
    // Table: both 80, candidate only 12, live only 3, neither 5.
    // Wilson: candidate 92/100 in [0.850019, 0.958907], live 83/100 in [0.744520, 0.891064]
    // phi = (80*5 - 12*3) / sqrt(92*8*83*17) = 364 / 1019.07 = 0.357190
    // delta = sqrt(0.069981^2 - 2 phi 0.069981*0.061064 + 0.061064^2) = 0.074655
    // epsilon = sqrt(0.038907^2 - 2 phi 0.038907*0.085480 + 0.085480^2) = 0.080279
    const d = pairedDifferenceInterval({ pairs: 100, candidate: 92, live: 83, both: 80 });
    expect(d.estimate).toBeCloseTo(0.09, 12);
    expect(d.lower).toBeCloseTo(0.015345, 6);
    expect(d.upper).toBeCloseTo(0.170279, 6);
    expect(d.candidate.lower).toBeCloseTo(0.850019, 6);
    expect(d.live.upper).toBeCloseTo(0.891064, 6);
  });

  it('a worse candidate gives an interval below or around 0', () => {
    // both 53, candidate only 8, live only 16, neither 4: 61/81 vs 69/81, phi = 0.083577
    const d = pairedDifferenceInterval({ pairs: 81, candidate: 61, live: 69, both: 53 });
    expect(d.estimate).toBeCloseTo(-0.098765, 6);
    expect(d.lower).toBeCloseTo(-0.214939, 6);
    expect(d.upper).toBeCloseTo(0.019489, 6);
  });

  it('is narrower than the independent interval when the two sides agree often', () => {
    const paired = pairedDifferenceInterval({ pairs: 100, candidate: 92, live: 83, both: 80 });
    const independent = independentDifferenceInterval({ successes: 92, trials: 100 }, { successes: 83, trials: 100 });
    expect(paired.upper - paired.lower).toBeLessThan(independent.upper - independent.lower);
  });

  it('sets phi to 0 when a margin is empty (every pair correct on both sides)', () => {
    const d = pairedDifferenceInterval({ pairs: 50, candidate: 50, live: 50, both: 50 });
    expect(d.estimate).toBe(0);
    // Both Wilson intervals are [50/53.8415, 1] = [0.928652, 1]: delta = epsilon = 0.071348
    expect(d.lower).toBeCloseTo(-0.071348, 6);
    expect(d.upper).toBeCloseTo(0.071348, 6);
  });

  it('rejects a table that cannot exist', () => {
    expect(() => pairedDifferenceInterval({ pairs: 10, candidate: 3, live: 2, both: 4 })).toThrow(/not a 2x2 table/);
    expect(() => pairedDifferenceInterval({ pairs: 10, candidate: 8, live: 8, both: 5 })).toThrow(/not a 2x2 table/);
  });

  it('has no estimate without pairs', () => {
    expect(pairedDifferenceInterval({ pairs: 0, candidate: 0, live: 0, both: 0 })).toMatchObject({ estimate: null, lower: -1, upper: 1 });
  });
});
