// Summary statistics for human scores on the bounded 0–3 scale of §5.2.1 / Table 4 (docs/ARCHITECTURE.md,
// "Decisions taken from peers": mean, n, std, a CI suited to a bounded scale, Krippendorff's α ordinal).
//
// CI method: percentile bootstrap of the mean (B resamples with replacement, seeded). On a bounded
// ordinal scale a t-interval can leave the scale (e.g. 2.9 ± 0.3 on 0–3) and assumes normality; the
// percentile bootstrap of a mean of values in [0, 3] always stays inside [min, max] of the data and
// follows the skew of the score distribution. Seeded so a report is reproducible.
import { mulberry32 } from '../rng';

/** Resamples of the bootstrap CI (enough for stable 2.5 / 97.5 percentiles at this scale). */
export const BOOTSTRAP_RESAMPLES = 4000;
export const DEFAULT_CI_LEVEL = 0.95;
export const DEFAULT_BOOTSTRAP_SEED = 20170801;

export interface ScoreSummary {
  n: number;
  mean: number | null;
  /** sample standard deviation (n − 1); null when n < 2 */
  std: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

export function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs) as number;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export const seededUniform = mulberry32;

/** Linear-interpolated quantile (type 7, as numpy's default) of sorted values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!sorted.length) throw new Error('quantile of an empty sample');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Percentile-bootstrap confidence interval of the mean. */
export function bootstrapMeanCi(
  xs: readonly number[],
  opts: { level?: number; resamples?: number; seed?: number } = {},
): { low: number; high: number } | null {
  if (!xs.length) return null;
  const level = opts.level ?? DEFAULT_CI_LEVEL;
  const b = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const rand = seededUniform(opts.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const n = xs.length;
  const means = new Array<number>(b);
  for (let r = 0; r < b; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(rand() * n)];
    means[r] = s / n;
  }
  means.sort((p, q) => p - q);
  const alpha = (1 - level) / 2;
  return { low: quantileSorted(means, alpha), high: quantileSorted(means, 1 - alpha) };
}

export function summarizeScores(xs: readonly number[], opts: { seed?: number; resamples?: number } = {}): ScoreSummary {
  const ci = bootstrapMeanCi(xs, opts);
  return { n: xs.length, mean: mean(xs), std: sampleStd(xs), ciLow: ci?.low ?? null, ciHigh: ci?.high ?? null };
}

/** Counts of each integer score 0..max. */
export function histogram(xs: readonly number[], max = 3): number[] {
  const h = new Array<number>(max + 1).fill(0);
  for (const x of xs) if (Number.isInteger(x) && x >= 0 && x <= max) h[x]++;
  return h;
}

/**
 * Krippendorff's α with the ordinal difference function (Krippendorff 2011, "Computing
 * Krippendorff's alpha-reliability"). `units` holds, per unit (a rated item), the values the raters
 * gave it; units with fewer than two values are not pairable and are left out. Returns null when
 * fewer than two pairable values exist or when every pairable value is the same (no variation:
 * α is undefined).
 */
export function krippendorffAlphaOrdinal(units: ReadonlyArray<readonly number[]>): number | null {
  const pairable = units.filter((u) => u.length >= 2);
  const categories = [...new Set(pairable.flat())].sort((a, b) => a - b);
  if (categories.length < 2) return null;
  const index = new Map(categories.map((c, i) => [c, i]));
  const k = categories.length;
  // coincidence matrix o[c][k]: each ordered pair of values within a unit, weighted 1 / (m_u − 1)
  const o = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const u of pairable) {
    const w = 1 / (u.length - 1);
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j) o[index.get(u[i]) as number][index.get(u[j]) as number] += w;
  }
  const nc = o.map((row) => row.reduce((a, b) => a + b, 0));
  const n = nc.reduce((a, b) => a + b, 0);
  // ordinal metric: δ²(c, k) = (Σ_{g=c..k} n_g − (n_c + n_k) / 2)²
  const delta2 = (c: number, d: number) => {
    const [lo, hi] = c <= d ? [c, d] : [d, c];
    let s = 0;
    for (let g = lo; g <= hi; g++) s += nc[g];
    return (s - (nc[lo] + nc[hi]) / 2) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      if (c === d) continue;
      const d2 = delta2(c, d);
      observed += o[c][d] * d2;
      expected += nc[c] * nc[d] * d2;
    }
  }
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}
