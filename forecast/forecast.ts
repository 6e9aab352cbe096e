import { byStateId } from '../analytics/columns';
import type { Episode, History } from '../analytics/episodes';
import { percentile } from '../analytics/stats';
import type { Track } from '../machines/office';
import { fitModel, type Model } from './model';
import { seedOf } from './seed';
import { Simulator, type Scenario, type StartState } from './simulate';
import { Stream } from './stream';

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
  /** Share the futures after whole-office and region entries (forecast/simulate.ts; default true); false simulates every path whole. */
  shareTails?: boolean;
  /** Find each office's `longest` state (default true); false leaves it null and the rest unchanged, for the programme figures alone. */
  longest?: boolean;
  /** Answer each open office's forecast (default true); false: `offices` is empty and the programme figures are unchanged. */
  offices?: boolean;
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
const stages = new Map<string, string>();
/** The top-level stage of a state path, remembered per name. */
function stageOf(state: string): string {
  let stage = stages.get(state);
  if (stage === undefined) stages.set(state, (stage = state.split('.')[0]!));
  return stage;
}

/** What a leaf's stays say about the office, for `officesAt`. */
const FIRST_DONE = 1;
const HANDED = 2;
const WITHDRAWN = 3;
const ENGAGED = new Set(['preparing', 'deployment', 'connecting', 'connected', 'installed', 'handedOver']);

interface OfficeNow {
  index: number;
  leaves: Pick<Episode, 'state' | 'entered'>[];
  done: number;
  handedOver: number;
  withdrawn: boolean;
}

/** Each office's leaves at `asOf` and when it was first done, from the stays' columns. */
export function officesAt(history: History, asOf: number): OfficeNow[] {
  const byOffice: (OfficeNow | undefined)[] = new Array<OfficeNow | undefined>(history.offices.length);
  const kind = byStateId((name) => (name === 'handedOver' ? HANDED : DONE.has(name) ? FIRST_DONE : name === 'withdrawn' ? WITHDRAWN : 0), 0);
  const { entered, left, state, office, length } = history.leafColumns;
  for (let i = 0; i < length; i++) {
    const at = entered[i]!;
    if (at >= asOf) continue;
    const index = office[i]!;
    let o = byOffice[index];
    if (!o) byOffice[index] = o = { index, leaves: [], done: Infinity, handedOver: Infinity, withdrawn: false };
    const k = kind.at(state[i]!);
    if (k !== 0) {
      if (at < o.done && k !== WITHDRAWN) o.done = at;
      if (k === HANDED) o.handedOver = at;
    }
    if (left[i]! >= asOf) {
      // The episode itself: a copy per open stay is 100,000 objects more for the collector.
      o.leaves.push(history.leaves[i]!);
      if (k === WITHDRAWN) o.withdrawn = true;
    }
  }
  return byOffice.filter((o) => o !== undefined);
}

/** The offices at `asOf` as the forecast counts them, with `officesAt`'s meaning of each field. */
interface Present {
  /** Offices with a leaf at `asOf`. */
  offices: number;
  engaged: number;
  doneBefore: number;
  engagedDone: number;
  handedBefore: number;
  /** Those neither done nor withdrawn, with their leaves, by office index. */
  open: OfficeNow[];
}

/**
 * `officesAt` tallied: the offices done before `asOf` (about three in four at 100,000 offices) are
 * counted from typed arrays, and objects are made for the open ones only; the rest of the forecast
 * keeps them alive while its simulation makes garbage, so every one made is one more promoted to
 * the collector's old space.
 */
function presentAt(history: History, asOf: number): Present {
  const n = history.offices.length;
  const kind = byStateId((name) => (name === 'handedOver' ? HANDED : DONE.has(name) ? FIRST_DONE : name === 'withdrawn' ? WITHDRAWN : 0), 0);
  const { entered, left, state, office, length } = history.leafColumns;
  const done = new Float64Array(n).fill(Infinity);
  const handed = new Float64Array(n).fill(Infinity);
  const firstLeaf = new Int32Array(n).fill(-1);
  const withdrawn = new Uint8Array(n);
  for (let i = 0; i < length; i++) {
    const at = entered[i]!;
    if (at >= asOf) continue;
    const o = office[i]!;
    const k = kind.at(state[i]!);
    if (k !== 0) {
      if (at < done[o]! && k !== WITHDRAWN) done[o] = at;
      if (k === HANDED) handed[o] = at;
    }
    if (left[i]! >= asOf) {
      if (firstLeaf[o]! < 0) firstLeaf[o] = i;
      if (k === WITHDRAWN) withdrawn[o] = 1;
    }
  }
  const p: Present = { offices: 0, engaged: 0, doneBefore: 0, engagedDone: 0, handedBefore: 0, open: [] };
  const byOffice: (OfficeNow | undefined)[] = new Array<OfficeNow | undefined>(n);
  for (let o = 0; o < n; o++) {
    if (firstLeaf[o]! < 0) continue;
    p.offices++;
    const isEngaged = withdrawn[o] === 0 && ENGAGED.has(stageOf(history.leaves[firstLeaf[o]!]!.state));
    if (isEngaged) p.engaged++;
    if (done[o]! < asOf) {
      p.doneBefore++;
      if (isEngaged) p.engagedDone++;
      if (handed[o]! < asOf) p.handedBefore++;
    } else if (withdrawn[o] === 0) p.open.push((byOffice[o] = { index: o, leaves: [], done: done[o]!, handedOver: handed[o]!, withdrawn: false }));
  }
  for (let i = 0; i < length; i++) {
    if (entered[i]! >= asOf || left[i]! < asOf) continue;
    byOffice[office[i]!]?.leaves.push(history.leaves[i]!);
  }
  return p;
}

/** What every run adds up: offices done and handed over by the deadline, per curve point, per day. */
interface Totals {
  runs: number;
  doneBy: Int32Array;
  handedBy: Int32Array;
  curve: Int32Array;
  curveWidth: number;
  engagedHist: Int32Array;
  engagedWidth: number;
}

/**
 * A group's futures as the runs count them, and each member's offset. Future k is one number:
 * bit 0 done by the deadline, bit 1 handed over by then, bits 2–9 the curve point it counts from,
 * bits 10 and up its day for the engaged offices' 90% date; one read per member and run instead of
 * four. The futures are written twice over, so run r + offset needs no wrapping.
 */
interface Counted {
  offsets: Int32Array;
  futures: Uint32Array;
}

const POINT_SHIFT = 2;
const POINT_MASK = 0xff;
const DAY_SHIFT = 10;

/** Runs per block: a block's rows of the engaged histogram (3 KB a run) stay in the processor's cache. */
const RUN_BLOCK = 32;

/**
 * Adds every group's futures to every run: in run r, the member with offset o takes future r + o
 * (mod runs). Block by block of runs, every group into the same rows before the next block, since
 * the days members are done scatter over the whole row and the histogram is far larger than a cache.
 */
function accumulate(groups: Counted[], t: Totals): void {
  const { runs, curve, engagedHist, curveWidth, engagedWidth } = t;
  for (let block = 0; block < runs; block += RUN_BLOCK) {
    const end = Math.min(runs, block + RUN_BLOCK);
    for (const { offsets, futures } of groups) {
      for (let r = block; r < end; r++) {
        const curveRow = r * curveWidth;
        const engagedRow = r * engagedWidth;
        let doneHere = 0;
        let handedHere = 0;
        for (let m = 0; m < offsets.length; m++) {
          const v = futures[r + offsets[m]!]!;
          doneHere += v & 1;
          handedHere += (v >>> 1) & 1;
          curve[curveRow + ((v >>> POINT_SHIFT) & POINT_MASK)]!++;
          engagedHist[engagedRow + (v >>> DAY_SHIFT)]!++;
        }
        t.doneBy[r]! += doneHere;
        t.handedBy[r]! += handedHere;
      }
    }
  }
}

/**
 * A group's futures as `accumulate` counts them (see `Counted`), or null when none counts by the
 * deadline or the horizon. Futures of offices not engaged count towards no day of the 90% date
 * (they go to column `engagedDays`, past the last).
 */
function packFutures(done: Float64Array, handed: Float64Array, at: { deadline: number; horizon: number; asOf: number; points: number[]; engagedDays: number; engaged: boolean }): Uint32Array | null {
  const { deadline, horizon, asOf, points, engagedDays, engaged } = at;
  const runs = done.length;
  const futures = new Uint32Array(2 * runs);
  let counts = false;
  for (let k = 0; k < runs; k++) {
    const d = done[k]!;
    let point = points.length;
    if (d < deadline) {
      point = 0;
      while (points[point]! <= d) point++;
    }
    const day = engaged && d < horizon ? Math.floor((d - asOf) / DAY) : engagedDays;
    const doneIn = d < deadline ? 1 : 0;
    const handedIn = handed[k]! < deadline ? 1 : 0;
    futures[k] = futures[k + runs] = (day * 2 ** DAY_SHIFT + (point << POINT_SHIFT)) | (handedIn << 1) | doneIn;
    if (doneIn !== 0 || handedIn !== 0 || day < engagedDays) counts = true;
  }
  return counts ? futures : null;
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
  const present = presentAt(history, asOf);
  const points = monthsBetween(asOf, deadline);
  const engagedDays = Math.ceil((horizon - asOf) / DAY) + 1;
  if (points.length > POINT_MASK - 1 || engagedDays >= 2 ** (32 - DAY_SHIFT)) throw new RangeError('the deadline or the horizon is too far for the forecast to count');
  // One column more in each than there are points and days: where a future that counts in none goes,
  // so the inner loop below has no branch.
  const curveWidth = points.length + 1;
  const engagedWidth = engagedDays + 1;
  const curve = new Int32Array(runs * curveWidth);
  const engagedHist = new Int32Array(runs * engagedWidth);
  const doneBy = new Int32Array(runs);
  const handedBy = new Int32Array(runs);
  const counted: Counted[] = [];
  const { doneBefore, handedBefore, engaged, engagedDone } = present;
  const results: OfficeForecast[] = [];
  const groups = new Map<string, { start: StartState; members: OfficeNow[]; days: number[] }>();
  // Above a few thousand open offices, those in the same states for a similar time (buckets of
  // growing width) share their futures, started from the group's mean time so far.
  const coarse = present.offices > COARSE_ABOVE;
  const withOffices = options.offices ?? true;
  for (const o of present.open) {
    const track = history.offices[o.index]!.track;
    // By name in code-unit order: the only leaves held together are the two regions of `preparing`,
    // which sort the same in any collation, and this is asked for tens of thousands of offices.
    const elapsed = o.leaves.map((l) => ({ state: l.state, days: Math.floor((asOf - l.entered) / DAY) })).sort((a, b) => (a.state < b.state ? -1 : a.state > b.state ? 1 : 0));
    const key = `${track}|${elapsed.map((l) => `${l.state}@${coarse ? bucketOf(l.days) : l.days}`).join('|')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { start: { track, leaves: elapsed.map((l) => ({ state: l.state, entered: 0 })) }, members: [], days: elapsed.map(() => 0) }));
    elapsed.forEach((l, i) => (g.days[i]! += l.days));
    g.members.push(o);
  }

  const simulatorOf = (s: Scenario, longest: boolean) =>
    new Simulator(model, s, { longest, ...(options.shareTails === false ? {} : { tails: { seed, horizon: horizon - asOf } }) });
  const simulator = simulatorOf(scenario, options.longest ?? true);
  let pushSimulator: Simulator | null = null;
  const simulateGroup = (start: StartState, key: string, sim: Simulator) => sim.futures(start, asOf, horizon, runs, new Stream(seedOf(key, seed)));

  for (const [key, g] of groups) {
    g.start.leaves.forEach((l, i) => (l.entered = asOf - Math.round(g.days[i]! / g.members.length) * DAY));
    const { done, handedOver: handed, longest: mode } = simulateGroup(g.start, key, simulator);
    let hits = 0;
    for (let r = 0; r < runs; r++) if (done[r]! < deadline) hits++;
    const probability = hits / runs;
    const isEngaged = ENGAGED.has(stageOf(g.start.leaves[0]!.state));
    let push: number | null = null;
    if (options.push && isEngaged && probability < 0.9) {
      // Only when the pushed futures are done counts: no time kept per state.
      pushSimulator ??= simulatorOf({ ...scenario, speedup: { ...scenario.speedup, '*': 0.5 } }, false);
      const pushed = simulateGroup(g.start, `push|${key}`, pushSimulator);
      let pushedHits = 0;
      for (let r = 0; r < runs; r++) if (pushed.done[r]! < deadline) pushedHits++;
      push = pushedHits / runs - probability;
    }
    const futures = packFutures(done, handed, { deadline, horizon, asOf, points, engagedDays, engaged: isEngaged });
    if (futures) {
      const offsets = new Int32Array(g.members.length);
      for (let m = 0; m < offsets.length; m++) offsets[m] = seedOf(history.offices[g.members[m]!.index]!.id, seed) % runs;
      counted.push({ offsets, futures });
    }
    if (!withOffices) continue;
    const sorted = new Float64Array(done).sort();
    const expected = percentile(sorted, 0.5);
    const low = percentile(sorted, 0.1);
    const high = percentile(sorted, 0.9);
    for (const o of g.members) {
      results.push({
        index: o.index,
        officeId: history.offices[o.index]!.id,
        track: g.start.track,
        states: o.leaves.map((l) => l.state),
        engaged: isEngaged,
        probability,
        expected,
        low,
        high,
        longest: mode,
        push,
      });
    }
  }

  accumulate(counted, { runs, doneBy, handedBy, curve, curveWidth, engagedHist, engagedWidth });

  const target = Math.ceil(0.9 * engaged);
  const engaged90: number[] = [];
  const curves: number[][] = points.map(() => []);
  for (let r = 0; r < runs; r++) {
    let n = engagedDone;
    let at = n >= target ? asOf : Infinity;
    for (let d = 0; d < engagedDays && at === Infinity; d++) {
      n += engagedHist[r * engagedWidth + d]!;
      if (n >= target) at = asOf + (d + 1) * DAY;
    }
    engaged90.push(at);
    let c = doneBefore;
    for (let p = 0; p < points.length; p++) {
      c += curve[r * curveWidth + p]!;
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
      offices: present.offices,
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
