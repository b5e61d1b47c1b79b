import { describe, expect, it } from 'vitest';
import { bootstrapMeanCi, histogram, krippendorffAlphaOrdinal, mean, sampleStd, summarizeScores } from './statistics';

// a small score set on the 0–3 scale, statistics by hand:
//   scores 0, 1, 1, 2, 2, 2, 3, 3 → n 8, sum 14, mean 1.75
//   squared deviations: 3.0625 + 2·0.5625 + 3·0.0625 + 2·1.5625 = 7.5 → var 7.5 / 7, std 1.035098
const SCORES = [0, 1, 1, 2, 2, 2, 3, 3];

describe('score statistics', () => {
  it('mean, sample std and histogram match the hand computation', () => {
    expect(mean(SCORES)).toBe(1.75);
    expect(sampleStd(SCORES)).toBeCloseTo(Math.sqrt(7.5 / 7), 10);
    expect(sampleStd(SCORES)).toBeCloseTo(1.035098, 5);
    expect(histogram(SCORES)).toEqual([1, 2, 3, 2]);
    expect(sampleStd([2])).toBeNull();
  });

  it('bootstrap CI of the mean is near the normal-theory interval, inside the scale, and seeded', () => {
    // normal approximation by hand: the bootstrap SE of a mean is σ_pop/√n = sqrt(7.5/8)/√8 = 0.342327,
    // so the 95 % interval is about 1.75 ± 1.96·0.342327 = [1.079, 2.421]
    const ci = bootstrapMeanCi(SCORES) as { low: number; high: number };
    expect(ci.low).toBeGreaterThan(1.079 - 0.12);
    expect(ci.low).toBeLessThan(1.079 + 0.12);
    expect(ci.high).toBeGreaterThan(2.421 - 0.12);
    expect(ci.high).toBeLessThan(2.421 + 0.12);
    expect(ci.low).toBeGreaterThanOrEqual(0);
    expect(ci.high).toBeLessThanOrEqual(3);
    expect(bootstrapMeanCi(SCORES)).toEqual(ci);
    // a constant sample has a degenerate interval, and a skewed one stays inside the data's range
    expect(bootstrapMeanCi([3, 3, 3, 3])).toEqual({ low: 3, high: 3 });
    const skewed = bootstrapMeanCi([3, 3, 3, 3, 3, 3, 3, 2]) as { low: number; high: number };
    expect(skewed.high).toBeLessThanOrEqual(3);
    expect(skewed.low).toBeGreaterThanOrEqual(2);
    const s = summarizeScores(SCORES);
    expect(s).toMatchObject({ n: 8, mean: 1.75 });
    expect(summarizeScores([])).toEqual({ n: 0, mean: null, std: null, ciLow: null, ciHigh: null });
  });

  it("Krippendorff's α (ordinal) matches hand-computed examples", () => {
    // two raters, units (0,0) (1,1) (0,1): o00 = 2, o11 = 2, o01 = o10 = 1; n0 = n1 = 3, n = 6;
    // δ²01 = (6 − 3)² = 9; α = 1 − 5·(2·9) / (2·3·3·9) = 1 − 90/162 = 0.4444…
    expect(krippendorffAlphaOrdinal([[0, 0], [1, 1], [0, 1]])).toBeCloseTo(1 - 90 / 162, 10);
    // units (0,1) (1,2) (2,2) (0,0): n0 = 3, n1 = 2, n2 = 3, n = 8;
    // δ²01 = (5 − 2.5)² = 6.25, δ²12 = 6.25, δ²02 = (8 − 3)² = 25;
    // observed Σ o·δ² = 2·6.25 + 2·6.25 = 25; expected Σ nc·nk·δ² = 2·(6·6.25 + 6·6.25 + 9·25) = 600
    // α = 1 − 7·25/600 = 0.708333…
    expect(krippendorffAlphaOrdinal([[0, 1], [1, 2], [2, 2], [0, 0]])).toBeCloseTo(1 - 175 / 600, 10);
    // perfect agreement → 1; a unit rated once is not pairable and is ignored
    expect(krippendorffAlphaOrdinal([[0, 0], [3, 3], [2, 2], [1]])).toBe(1);
    // no variation at all → undefined
    expect(krippendorffAlphaOrdinal([[2, 2], [2, 2]])).toBeNull();
  });
});
