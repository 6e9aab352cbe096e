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

/**
 * Puts the `k`-th smallest of `a[lo..hi)` at `a[k]`, the smaller before it and the larger after it
 * (Hoare's selection, with a three-way partition so runs of equal values cost nothing): a few
 * percentiles of a million values without sorting them all.
 */
function select(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi - lo > 1) {
    const x = a[lo]!;
    const y = a[(lo + hi) >> 1]!;
    const z = a[hi - 1]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    // [lo, lt) below the pivot, [lt, i) equal, (gt, hi) above.
    let lt = lo;
    let i = lo;
    let gt = hi - 1;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i] = a[lt]!;
        a[lt++] = v;
        i++;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt--] = v;
      } else i++;
    }
    if (k < lt) hi = lt;
    else if (k > gt) lo = gt + 1;
    else return;
  }
}

/** Median, p75, p90 and max of `a` (any order, which it changes), rounded to a tenth; null when there are none. */
export function spreadInPlace(a: Float64Array): Spread | null {
  const n = a.length;
  if (n === 0) return null;
  // The nearest ranks of `percentile`, each selected in what is left above the one before.
  const at = (p: number) => Math.min(n, Math.max(1, Math.ceil(p * n))) - 1;
  let lo = 0;
  const pick = (p: number) => {
    const k = at(p);
    select(a, k, lo, n);
    lo = k;
    return a[k]!;
  };
  const median = pick(0.5);
  const p75 = pick(0.75);
  const p90 = pick(0.9);
  let max = p90;
  for (let i = lo; i < n; i++) if (a[i]! > max) max = a[i]!;
  return { median: round1(median), p75: round1(p75), p90: round1(p90), max: round1(max) };
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
