/** Figures shared by every analytics view: percentiles and business days. */

export const DAY = 86_400_000;

export interface Spread {
  median: number;
  p75: number;
  p90: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted` (`p` in 0..1): the smallest value with at least p of the values at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Median, p75, p90 and max of `values` (any order), rounded to a tenth; null when there are none. */
export function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  // A typed array sorts numerically without a comparator: several times faster at a million values.
  const sorted = Float64Array.from(values).sort();
  return { median: round1(percentile(sorted, 0.5)), p75: round1(percentile(sorted, 0.75)), p90: round1(percentile(sorted, 0.9)), max: round1(sorted[sorted.length - 1]!) };
}

/**
 * Time between two instants counting Monday to Friday only (UTC calendar days), in ms: a stay from
 * Friday noon to Monday noon is one business day. Whole weeks count five days each.
 */
export function weekdayMs(from: number, to: number): number {
  if (!(to > from)) return 0;
  const weeks = Math.floor((to - from) / (7 * DAY));
  let total = weeks * 5 * DAY;
  let t = from + weeks * 7 * DAY;
  while (t < to) {
    const dayStart = Math.floor(t / DAY) * DAY;
    const dayEnd = Math.min(dayStart + DAY, to);
    // 1 January 1970 was a Thursday: day n of the epoch is weekday (n + 4) mod 7, 0 being Sunday.
    const weekday = (Math.floor(dayStart / DAY) + 4) % 7;
    if (weekday !== 0 && weekday !== 6) total += dayEnd - t;
    t = dayEnd;
  }
  return total;
}

export const days = (ms: number) => ms / DAY;
