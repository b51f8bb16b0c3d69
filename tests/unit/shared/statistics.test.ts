// The interval of a difference between two sets of repeated runs (Welch's t): what decides faster, slower or tie.
import { describe, expect, it } from 'vitest';
import { differenceInterval } from '../../../src/shared/statistics';

describe('differenceInterval', () => {
  it("matches Welch's t interval worked by hand", () => {
    // a: mean 12, variance 4 -> 4/3 per mean.  b: mean 6.5, variance 5/3 -> 5/12 per mean.
    // se = sqrt(4/3 + 5/12) = sqrt(1.75) = 1.3228757
    // df = 1.75^2 / ((4/3)^2 / 2 + (5/12)^2 / 3) = 3.0625 / 0.9467593 = 3.23 -> 3 (rounded down: wider, never narrower)
    // t(0.975, 3) = 3.182 -> half-width 3.182 * 1.3228757 = 4.2093904
    const r = differenceInterval([10, 12, 14], [5, 6, 7, 8])!;
    expect(r.difference).toBeCloseTo(5.5, 10);
    expect(r.ci95[0]).toBeCloseTo(5.5 - 4.2093904, 6);
    expect(r.ci95[1]).toBeCloseTo(5.5 + 4.2093904, 6);
  });

  it('uses the normal quantile once the degrees of freedom pass the table', () => {
    // 40 runs a side, variance 40/39 each: se = sqrt(2/39) = 0.2264554, df = 78 -> 1.96; half-width 0.4438526.
    const a = Array.from({ length: 40 }, (_, i) => (i % 2 ? 3 : 1));
    const b = Array.from({ length: 40 }, (_, i) => (i % 2 ? 2 : 0));
    const r = differenceInterval(a, b)!;
    expect(r.difference).toBeCloseTo(1, 10);
    expect(r.ci95[0]).toBeCloseTo(1 - 0.4438526, 6);
    expect(r.ci95[1]).toBeCloseTo(1 + 0.4438526, 6);
  });

  it('is symmetric: swapping the two sides negates the difference and mirrors the interval', () => {
    const ab = differenceInterval([120, 121, 119], [100, 101, 99])!;
    const ba = differenceInterval([100, 101, 99], [120, 121, 119])!;
    expect(ba.difference).toBeCloseTo(-ab.difference, 10);
    expect(ba.ci95[0]).toBeCloseTo(-ab.ci95[1], 10);
    expect(ba.ci95[1]).toBeCloseTo(-ab.ci95[0], 10);
  });

  it('has no interval with fewer than two runs on a side: there is no spread to estimate', () => {
    expect(differenceInterval([100], [90, 91, 92])).toBeNull();
    expect(differenceInterval([90, 91, 92], [100])).toBeNull();
    expect(differenceInterval([], [])).toBeNull();
  });

  it('gives a zero-width interval at the difference when every run on both sides measured the same', () => {
    expect(differenceInterval([5, 5, 5], [3, 3])).toEqual({ difference: 2, ci95: [2, 2] });
  });
});
