import type { History } from '../analytics/episodes';
import { percentile } from '../analytics/stats';
import { random } from '../demo/generate';
import type { Track } from '../machines/office';
import { fitModel, type Model } from './model';
import { simulate, type Scenario, type StartState } from './simulate';

/**
 * The programme forecast as of an instant: a Monte Carlo run of every open office's future over the
 * model fitted on the history before that instant (forecast/model.ts), `runs` times, seeded, so the
 * same inputs give the same answer. Offices in the same states for the same whole number of days
 * share one set of simulated futures; each office takes them in its own seeded order, so within a
 * run offices differ as independent draws would.
 */
export interface ForecastOptions {
  asOf: number;
  /** First instant after the deadline day. */
  deadline: number;
  runs: number;
  seed: number;
  scenario: Scenario;
  /** Simulate no further than this (default: two years after the deadline). */
  horizon?: number;
  /** Simulate the push (every remaining stay half as long) of at-risk offices: costs a second run for them. */
  push?: boolean;
}

export interface Interval {
  expected: number;
  low: number;
  high: number;
}

export interface OfficeForecast {
  index: number;
  officeId: string;
  track: Track;
  states: string[];
  engaged: boolean;
  probability: number;
  /** Median simulated completion, and the 10th and 90th percentiles (ms; Infinity: after the horizon). */
  expected: number;
  low: number;
  high: number;
  /** The leaf the office most often spends the longest in before it is done. */
  longest: string | null;
  /** Change of `probability` when every remaining stay of this office takes half as long. */
  push: number | null;
}

export interface ProgrammeForecast {
  offices: number;
  engaged: number;
  doneBefore: number;
  handedOverBefore: number;
  installedOrConnected: Interval;
  handedOver: Interval;
  /** When 90% of the offices engaged at the forecast instant are installed or connected (ms; Infinity: after the horizon). */
  engaged90: { median: number; low: number; high: number };
  curve: { at: number; low: number; median: number; high: number }[];
}

export interface ForecastResult {
  asOf: number;
  deadline: number;
  horizon: number;
  runs: number;
  seed: number;
  programme: ProgrammeForecast;
  offices: OfficeForecast[];
}

const DAY = 86_400_000;
/** Offices (open or not) above which the futures are shared by buckets of time so far. */
export const COARSE_ABOVE = 5000;
const BUCKETS = [7, 14, 30, 60, 90, 120, 180, 270, 365, 545, 730, 1095];
const bucketOf = (days: number) => BUCKETS.findIndex((b) => days < b);
const YEAR = 365 * DAY;
const DONE = new Set(['installed', 'connected', 'handedOver']);
const ENGAGED = new Set(['preparing', 'deployment', 'connecting', 'connected', 'installed', 'handedOver']);

/** FNV-1a: a seed per group and per office from the forecast's seed. */
export function hash(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface OfficeNow {
  index: number;
  leaves: { state: string; entered: number }[];
  done: number;
  handedOver: number;
  withdrawn: boolean;
}

/** Each office's leaves at `asOf` and when it was first done, from the episodes. */
export function officesAt(history: History, asOf: number): OfficeNow[] {
  const byOffice = new Map<number, OfficeNow>();
  for (const e of history.leaves) {
    if (e.entered >= asOf) continue;
    let o = byOffice.get(e.office);
    if (!o) byOffice.set(e.office, (o = { index: e.office, leaves: [], done: Infinity, handedOver: Infinity, withdrawn: false }));
    if (DONE.has(e.state) && e.entered < o.done) o.done = e.entered;
    if (e.state === 'handedOver') o.handedOver = e.entered;
    if (e.left >= asOf) {
      o.leaves.push({ state: e.state, entered: e.entered });
      if (e.state === 'withdrawn') o.withdrawn = true;
    }
  }
  return [...byOffice.values()];
}

const spreadOf = (values: number[]): Interval => {
  const sorted = [...values].sort((a, b) => a - b);
  return { expected: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length), low: percentile(sorted, 0.1), high: percentile(sorted, 0.9) };
};

function monthsBetween(from: number, to: number): number[] {
  const out: number[] = [];
  const d = new Date(from);
  for (let m = 1; ; m++) {
    const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + m, 1);
    if (t >= to) break;
    out.push(t);
  }
  out.push(to);
  return out;
}

export function forecast(history: History, options: ForecastOptions, model: Model = fitModel(history, options.asOf)): ForecastResult {
  const { asOf, deadline, runs, seed, scenario } = options;
  const horizon = options.horizon ?? Math.max(deadline, asOf) + 2 * YEAR;
  const now = officesAt(history, asOf).filter((o) => o.leaves.length > 0);
  const points = monthsBetween(asOf, deadline);
  const curve = new Int32Array(runs * points.length);
  const engagedDays = Math.ceil((horizon - asOf) / DAY) + 1;
  const engagedHist = new Int32Array(runs * engagedDays);
  const doneBy = new Int32Array(runs);
  const handedBy = new Int32Array(runs);
  let doneBefore = 0;
  let handedBefore = 0;
  let engaged = 0;
  let engagedDone = 0;
  const results: OfficeForecast[] = [];
  const groups = new Map<string, { start: StartState; members: OfficeNow[]; days: number[] }>();
  // Above a few thousand open offices, those in the same states for a similar time (buckets of
  // growing width) share their futures, started from the group's mean time so far.
  const coarse = now.length > COARSE_ABOVE;
  for (const o of now) {
    const stage = o.leaves[0]!.state.split('.')[0]!;
    const isEngaged = !o.withdrawn && ENGAGED.has(stage);
    if (isEngaged) engaged++;
    if (o.done < asOf) {
      doneBefore++;
      if (isEngaged) engagedDone++;
      if (o.handedOver < asOf) handedBefore++;
      continue;
    }
    if (o.withdrawn) continue;
    const track = history.offices[o.index]!.track;
    const elapsed = o.leaves.map((l) => ({ state: l.state, days: Math.floor((asOf - l.entered) / DAY) })).sort((a, b) => a.state.localeCompare(b.state));
    const key = `${track}|${elapsed.map((l) => `${l.state}@${coarse ? bucketOf(l.days) : l.days}`).join('|')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { start: { track, leaves: elapsed.map((l) => ({ state: l.state, entered: 0 })) }, members: [], days: elapsed.map(() => 0) }));
    elapsed.forEach((l, i) => (g.days[i]! += l.days));
    g.members.push(o);
  }

  const simulateGroup = (start: StartState, key: string, s: Scenario) => {
    const rnd = random(hash(key, seed));
    const done = new Float64Array(runs);
    const handed = new Float64Array(runs);
    const longest = new Map<string, number>();
    for (let r = 0; r < runs; r++) {
      const out = simulate(model, start, asOf, horizon, s, rnd);
      done[r] = out.done;
      handed[r] = out.handedOver;
      if (out.longest) longest.set(out.longest, (longest.get(out.longest) ?? 0) + 1);
    }
    return { done, handed, longest };
  };

  for (const [key, g] of groups) {
    g.start.leaves.forEach((l, i) => (l.entered = asOf - Math.round(g.days[i]! / g.members.length) * DAY));
    const { done, handed, longest } = simulateGroup(g.start, key, scenario);
    let hits = 0;
    for (let r = 0; r < runs; r++) if (done[r]! < deadline) hits++;
    const probability = hits / runs;
    const sorted = Float64Array.from(done).sort();
    const mode = [...longest.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    const isEngaged = ENGAGED.has(g.start.leaves[0]!.state.split('.')[0]!);
    let push: number | null = null;
    if (options.push && isEngaged && probability < 0.9) {
      const pushed = simulateGroup(g.start, `push|${key}`, { ...scenario, speedup: { ...scenario.speedup, '*': 0.5 } });
      let pushedHits = 0;
      for (let r = 0; r < runs; r++) if (pushed.done[r]! < deadline) pushedHits++;
      push = pushedHits / runs - probability;
    }
    for (const o of g.members) {
      const offset = hash(history.offices[o.index]!.id, seed) % runs;
      for (let r = 0; r < runs; r++) {
        const k = (r + offset) % runs;
        const d = done[k]!;
        if (d < deadline) doneBy[r]!++;
        if (handed[k]! < deadline) handedBy[r]!++;
        if (d < deadline) {
          let p = 0;
          while (points[p]! <= d) p++;
          curve[r * points.length + p]!++;
        }
        if (isEngaged && d < horizon) engagedHist[r * engagedDays + Math.floor((d - asOf) / DAY)]!++;
      }
      results.push({
        index: o.index,
        officeId: history.offices[o.index]!.id,
        track: g.start.track,
        states: o.leaves.map((l) => l.state),
        engaged: isEngaged,
        probability,
        expected: percentile(sorted, 0.5),
        low: percentile(sorted, 0.1),
        high: percentile(sorted, 0.9),
        longest: mode,
        push,
      });
    }
  }

  const target = Math.ceil(0.9 * engaged);
  const engaged90: number[] = [];
  const curves: number[][] = points.map(() => []);
  for (let r = 0; r < runs; r++) {
    let n = engagedDone;
    let at = n >= target ? asOf : Infinity;
    for (let d = 0; d < engagedDays && at === Infinity; d++) {
      n += engagedHist[r * engagedDays + d]!;
      if (n >= target) at = asOf + (d + 1) * DAY;
    }
    engaged90.push(at);
    let c = doneBefore;
    for (let p = 0; p < points.length; p++) {
      c += curve[r * points.length + p]!;
      curves[p]!.push(c);
    }
  }
  engaged90.sort((a, b) => a - b);
  const plus = (base: number, list: Int32Array) => Array.from(list, (v) => v + base);
  return {
    asOf,
    deadline,
    horizon,
    runs,
    seed,
    programme: {
      offices: now.length,
      engaged,
      doneBefore,
      handedOverBefore: handedBefore,
      installedOrConnected: spreadOf(plus(doneBefore, doneBy)),
      handedOver: spreadOf(plus(handedBefore, handedBy)),
      engaged90: { median: percentile(engaged90, 0.5), low: percentile(engaged90, 0.1), high: percentile(engaged90, 0.9) },
      curve: points.map((at, p) => {
        const sorted = curves[p]!.sort((a, b) => a - b);
        return { at, low: percentile(sorted, 0.1), median: percentile(sorted, 0.5), high: percentile(sorted, 0.9) };
      }),
    },
    offices: results,
  };
}
