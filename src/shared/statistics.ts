// Summary statistics for repeated runs: median, standard deviation, and a 95% confidence interval of the mean.

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; beyond that the normal value. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Summary {
  n: number;
  median: number;
  mean: number;
  stdev: number;
  /** 95% interval of the mean (t distribution); a single sample has no interval: [x, x]. */
  ci95: [number, number];
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(xs: number[]): Summary {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const stdev = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const t = n > 1 ? (T975[n - 2] ?? 1.96) : 0;
  const half = n > 1 ? (t * stdev) / Math.sqrt(n) : 0;
  return { n, median: median(xs), mean, stdev, ci95: [mean - half, mean + half] };
}

/**
 * The 95% interval of mean(a) - mean(b) for two sets of repeated runs (Welch's t, unequal variances).
 * With fewer than two samples on a side there is no spread to estimate: null.
 */
export function differenceInterval(a: number[], b: number[]): { difference: number; ci95: [number, number] } | null {
  if (a.length < 2 || b.length < 2) return null;
  const sa = summarize(a);
  const sb = summarize(b);
  const va = sa.stdev ** 2 / a.length;
  const vb = sb.stdev ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  const difference = sa.mean - sb.mean;
  if (se === 0) return { difference, ci95: [difference, difference] };
  const df = (va + vb) ** 2 / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const t = df > T975.length ? 1.96 : T975[Math.max(1, Math.floor(df)) - 1]!;
  return { difference, ci95: [difference - t * se, difference + t * se] };
}
