import { allStates, describeMachine } from '../machines/describe';
import type { Track } from '../machines/office';
import type { History } from '../analytics/episodes';

/**
 * The forecast's model, fitted on the history before an instant: for every track and leaf state, the
 * distribution of how long a stay lasts and where it leads, as observed. Stays still running at that
 * instant are right-censored: the Kaplan–Meier estimate gives each completed stay its share of the
 * probability (its own, plus that of the censored stays shorter than it, spread to the right), and
 * what is left after the longest completed stay is the chance of staying on beyond anything seen.
 * An office already in a state longer than any completed stay seen is taken to stay (the history
 * says nothing about how such stays end); docs/forecast.md discusses what that does.
 * A sample is then one observed stay (its length and its outcome together), so the chances of a
 * decline, a withdrawal or a site difficulty are those observed, each with its own timing.
 */
export interface StayDistribution {
  /** Completed stays, shortest first: length (ms) and outcome (`Episode.next`). */
  lengths: Float64Array;
  next: string[];
  /** Cumulative probability up to and including each completed stay. */
  cumulative: Float64Array;
  /** Stays observed (completed and censored). */
  observed: number;
}

export interface Model {
  asOf: number;
  /** Keyed `${track}|${state}`; `*|${state}` pools both tracks. */
  stays: Map<string, StayDistribution>;
  /** Where an office goes when both regions of `preparing` are done, by track. */
  afterPreparing: Record<Track, string>;
}

/** Fewer stays than this on one track: the two tracks' stays are pooled. */
export const MIN_STAYS = 20;

const HOUR = 3_600_000;

/**
 * Kaplan–Meier over `lengths` (ms) with `next` null for a censored stay. Lengths are taken to the
 * hour and completed stays of the same hour and outcome merged into one: the forecast counts in days,
 * and a state seen 100,000 times then has a few thousand distinct stays, small enough for the
 * processor's caches, instead of 100,000. Sorted by one native sort of packed keys (hour,
 * completed before censored at equal length, outcome, index), which at a million stays is many
 * times faster than sorting objects.
 */
/** One (track, state)'s stays as read: lengths (ms) and outcomes as indexes into `names`, -1 censored. */
interface Observed {
  lengths: number[];
  next: number[];
  names: string[];
  index: Map<string, number>;
}

const observed = (): Observed => ({ lengths: [], next: [], names: [], index: new Map() });

function observe(g: Observed, length: number, next: string | null): void {
  g.lengths.push(length);
  if (next === null) {
    g.next.push(-1);
    return;
  }
  let k = g.index.get(next);
  if (k === undefined) {
    k = g.names.length;
    g.index.set(next, k);
    g.names.push(next);
  }
  g.next.push(k);
}

function distribution(g: Observed): StayDistribution {
  const { lengths, next: nexts, names } = g;
  const n = lengths.length;
  // Room for every index in the low part of the key; exact in a double up to billions of stays.
  const INDEX = 2 ** Math.ceil(Math.log2(n + 1));
  const width = names.length + 1;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = nexts[i]!;
    keys[i] = ((Math.round(lengths[i]! / HOUR) * 2 + (o < 0 ? 1 : 0)) * width + (o < 0 ? names.length : o)) * INDEX + i;
  }
  keys.sort();
  const out: number[] = [];
  const next: string[] = [];
  const cumulative: number[] = [];
  let survival = 1;
  let atRisk = n;
  let mass = 0;
  for (let k = 0; k < n; k++) {
    const i = keys[k]! % INDEX;
    const o = nexts[i]!;
    if (o >= 0) {
      const outcome = names[o]!;
      const p = survival / atRisk;
      mass += p;
      survival -= p;
      const length = Math.round(lengths[i]! / HOUR) * HOUR;
      const last = out.length - 1;
      if (last >= 0 && out[last] === length && next[last] === outcome) cumulative[last] = mass;
      else {
        out.push(length);
        next.push(outcome);
        cumulative.push(mass);
      }
    }
    atRisk--;
  }
  return { lengths: Float64Array.from(out), next, cumulative: Float64Array.from(cumulative), observed: n };
}

function initialLeaf(path: string): string {
  const byPath = new Map(allStates().map((s) => [s.path, s]));
  let node = byPath.get(path);
  let current = path;
  while (node && node.initial) {
    current = `${current}.${node.initial}`;
    node = byPath.get(current);
  }
  return current;
}

function afterPreparing(): Record<Track, string> {
  const preparing = describeMachine().root.states.find((s) => s.key === 'preparing')!;
  const guarded = preparing.done.find((t) => t.guarded)?.targets[0] ?? 'connecting';
  const plain = preparing.done.find((t) => !t.guarded)?.targets[0] ?? 'deployment';
  // The guard of the machine's onDone is `isInternetTrack`.
  return { internet: initialLeaf(guarded), kit: initialLeaf(plain) };
}

export function fitModel(history: History, asOf: number): Model {
  const groups = new Map<string, Observed>();
  // Per state, the groups of the two tracks: one lookup per stay, no key built.
  const byState = new Map<string, Record<Track, Observed | undefined>>();
  const tracks = history.offices.map((o) => o.track);
  for (const e of history.leaves) {
    if (e.entered >= asOf) continue;
    const done = e.left < asOf;
    const track = tracks[e.office]!;
    let pair = byState.get(e.state);
    if (!pair) byState.set(e.state, (pair = { kit: undefined, internet: undefined }));
    let g = pair[track];
    if (!g) groups.set(`${track}|${e.state}`, (g = pair[track] = observed()));
    observe(g, (done ? e.left : asOf) - e.entered, done ? e.next : null);
  }
  const stays = new Map<string, StayDistribution>();
  for (const [key, g] of groups) stays.set(key, distribution(g));
  // Both tracks together, for states one track has seen too little of.
  const states = new Set([...groups.keys()].map((k) => k.slice(k.indexOf('|') + 1)));
  for (const state of states) {
    const parts = (['kit', 'internet'] as const).map((t) => groups.get(`${t}|${state}`)).filter((g) => g !== undefined);
    if (parts.length < 2 || parts.every((g) => g.lengths.length >= MIN_STAYS)) continue;
    const both = observed();
    for (const g of parts) g.lengths.forEach((length, i) => observe(both, length, g.next[i]! < 0 ? null : g.names[g.next[i]!]!));
    stays.set(`*|${state}`, distribution(both));
  }
  return { asOf, stays, afterPreparing: afterPreparing() };
}

const chosen = new WeakMap<Model, Record<Track, Map<string, StayDistribution | undefined>>>();

/** The stays of `state` on `track`, or of both tracks pooled when the track has seen too few. */
export function stayOf(model: Model, track: Track, state: string): StayDistribution | undefined {
  let cache = chosen.get(model);
  if (!cache) chosen.set(model, (cache = { kit: new Map(), internet: new Map() }));
  const byState = cache[track];
  let d = byState.get(state);
  if (d === undefined && !byState.has(state)) byState.set(state, (d = pick(model, track, state)));
  return d;
}

function pick(model: Model, track: Track, state: string): StayDistribution | undefined {
  const own = model.stays.get(`${track}|${state}`);
  if (own && own.observed >= MIN_STAYS) return own;
  return model.stays.get(`*|${state}`) ?? own ?? model.stays.get(`${track === 'kit' ? 'internet' : 'kit'}|${state}`);
}

/** First index in [lo, hi) whose value is above `x` (lengths) or at least `x` (cumulative); hi when none. */
export function search(a: Float64Array, x: number, strict: boolean, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? a[mid]! <= x : a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Observed chance of each outcome of a state and its median stay, for the docs and the tests. */
export function outcomes(d: StayDistribution): { median: number | null; next: Record<string, number>; beyond: number } {
  const next: Record<string, number> = {};
  let previous = 0;
  let median: number | null = null;
  d.next.forEach((n, i) => {
    next[n] = (next[n] ?? 0) + d.cumulative[i]! - previous;
    if (median === null && d.cumulative[i]! >= 0.5) median = d.lengths[i]!;
    previous = d.cumulative[i]!;
  });
  return { median, next, beyond: 1 - previous };
}
