import type { Track } from '../machines/office';
import * as compiled from './compiled';
import { AFTER_HOLD, compile, type CompiledModel } from './compiled';
import * as model from './model';
import type { Model } from './model';
import { seedOf } from './seed';
import { Stream } from './stream';
import { TailPool } from './tails';

/**
 * Simulated futures of offices: from an office's leaves at the forecast instant, each stay is drawn
 * from the model (the current ones given the time already spent in them), the earliest exit applied,
 * and so on until the office is handed over, withdrawn, or past the horizon.
 *
 * Once an office leaves every leaf at once (a whole-office transition, or the end of `preparing`),
 * what follows depends only on its track, where it went and the time since, never on the office. So
 * with tails on, the futures from each such entry are simulated once, `TAIL_SIZE` of them in time
 * relative to the entry (forecast/tails.ts), and every future that gets there finishes with one of
 * them drawn at random: a few hundred groups of offices share a few thousand simulated tails instead
 * of each simulating its whole path every run. Likewise inside `preparing`, a region's future from
 * a leaf entered afresh (to its last leaf or a withdrawal) is drawn from that leaf's region tails. A
 * Gold Disk date is absolute, so a scenario with one simulates every path whole.
 */
export interface Scenario {
  /** Offices on hold leave it at this instant (a Gold Disk release), not by the observed stays. */
  goldDisk?: number;
  /** Stays in these states (a leaf, or every leaf under a stage) last this factor times as long. */
  speedup?: Record<string, number>;
}

export interface StartState {
  track: Track;
  /** Active leaves and when they were entered (ms). */
  leaves: { state: string; entered: number }[];
}

export function factorOf(scenario: Scenario, state: string): number {
  const s = scenario.speedup;
  if (!s) return 1;
  // `*`: every state (pushing one office along).
  const all = s['*'] ?? 1;
  if (s[state] !== undefined) return s[state]! * all;
  for (const [prefix, f] of Object.entries(s)) if (state.startsWith(prefix + '.')) return f * all;
  return all;
}

// Local copies: once compiled to CommonJS (as tsx runs the server), every use of an imported
// binding is a call to its getter, and these are used in the innermost loops.
const { DONE, FINAL, HANDED_OVER, IN_REGION, ON_HOLD, REGION_LAST } = compiled;
const search = model.search;

const MAX_STEPS = 200;
/** Leaves an office can be in at once (the regions of `preparing`), with room to spare. */
const MAX_SLOTS = 8;
/** Tails per entry: enough that sharing them adds little to the runs' own sampling error. */
export const TAIL_SIZE = 4096;

/** One simulation's working memory; one per nesting level, as a tail is simulated inside the run that first needs it. */
class Scratch {
  readonly state = new Int32Array(MAX_SLOTS);
  readonly entered = new Float64Array(MAX_SLOTS);
  readonly exit = new Float64Array(MAX_SLOTS);
  readonly next = new Int32Array(MAX_SLOTS);
  /** Per slot: the region tail it stands for (an index into the simulator's region pools, -1: none), which one, and from when. */
  readonly virtual = new Int32Array(MAX_SLOTS);
  readonly sample = new Int32Array(MAX_SLOTS);
  readonly shift = new Float64Array(MAX_SLOTS);
  /**
   * The instant a stay under way is seen from, for `enter` (its entry is in `entered`): numbers
   * handed to a method that is not inlined are boxed on the heap one by one, millions per forecast,
   * where a typed array holds them as they are.
   */
  readonly from = new Float64Array(1);
  slots = 0;
  done = Infinity;
  handedOver = Infinity;
  /** Simulating one region alone: when it ended (Infinity: not within the horizon) and how (an outcome: its last leaf, or withdrawn). */
  end = Infinity;
  endOutcome = -1;
  spent = new Float64Array(64);
}

export interface SimulatorOptions {
  /** Share the futures after whole-office and region entries (ignored with a Gold Disk date). */
  tails?: { seed: number; horizon: number; size?: number };
  /**
   * Keep the time each future spends in each state, for `longest` (default true). Without it the
   * futures are the same (no draw depends on it) and `longest` is null: the programme figures need
   * only when offices are done, and reading every shared future's segments is most of their cost.
   */
  longest?: boolean;
}

export class Simulator {
  private readonly c: CompiledModel;
  private readonly factors: number[] = [];
  private readonly scratch: Scratch[] = [];
  private readonly pools = new Map<number, TailPool | null>();
  private readonly regionKeys = new Map<number, number | null>();
  private readonly regionPools: TailPool[] = [];
  private readonly tails: { seed: number; horizon: number; size: number } | null;
  private readonly afterHold: number;
  private readonly timed: boolean;

  constructor(
    model: Model,
    private readonly scenario: Scenario,
    options: SimulatorOptions = {},
  ) {
    this.c = compile(model);
    this.tails = options.tails && scenario.goldDisk === undefined ? { size: TAIL_SIZE, ...options.tails } : null;
    this.afterHold = this.c.outcome(AFTER_HOLD);
    this.timed = options.longest ?? true;
  }

  /**
   * `runs` futures of an office starting from `start` at `asOf`: when each is done and handed over,
   * and the leaf most of them spend the longest in before done.
   */
  futures(start: StartState, asOf: number, horizon: number, runs: number, rnd: Stream): { done: Float64Array; handedOver: Float64Array; longest: string | null } {
    const states = Int32Array.from(start.leaves, (l) => this.c.state(l.state));
    const entered = Float64Array.from(start.leaves, (l) => l.entered);
    const done = new Float64Array(runs);
    const handedOver = new Float64Array(runs);
    let votes: Int32Array = new Int32Array(this.c.names.length + 16);
    for (let r = 0; r < runs; r++) {
      const s = this.run(start.track, states, entered, asOf, horizon, rnd, 0, null);
      done[r] = s.done;
      handedOver[r] = s.handedOver;
      if (!this.timed) continue;
      const state = this.longestOf(s);
      if (state < 0) continue;
      if (state >= votes.length) votes = growTo(votes, this.c.names.length + 16);
      votes[state]!++;
    }
    // Most votes; a tie goes to the state whose name sorts first.
    let longest: string | null = null;
    let most = 0;
    for (let i = 0; i < votes.length; i++) {
      const name = this.c.names[i];
      if (votes[i]! > most || (votes[i]! === most && most > 0 && name! < longest!)) {
        most = votes[i]!;
        longest = name!;
      }
    }
    return { done, handedOver, longest };
  }

  /** The non-final state this run spent the most time in, -1 for none. */
  private longestOf(s: Scratch): number {
    let best = 0;
    let longest = -1;
    const { flags } = this.c;
    const n = this.c.names.length;
    for (let i = 0; i < n; i++) {
      if (s.spent[i]! > best && (flags[i]! & FINAL) === 0) {
        best = s.spent[i]!;
        longest = i;
      }
    }
    return longest;
  }

  private factor(state: number): number {
    let f = this.factors[state];
    if (f === undefined) this.factors[state] = f = factorOf(this.scenario, this.c.names[state]!);
    return f;
  }

  private scratchAt(depth: number): Scratch {
    let s = this.scratch[depth];
    if (!s) this.scratch[depth] = s = new Scratch();
    if (s.spent.length < this.c.names.length) s.spent = new Float64Array(this.c.names.length * 2);
    return s;
  }

  /**
   * Puts `state`, entered at `s.entered[i]`, in slot `i`, its exit drawn (one number from `rnd`) as
   * seen from `s.from[0]` (later than the entry for a stay under way).
   */
  private enter(s: Scratch, track: Track, i: number, state: number, rnd: Stream): void {
    const u = rnd.next();
    const at = s.entered[i]!;
    const from = s.from[0]!;
    s.state[i] = state;
    s.exit[i] = Infinity;
    s.next[i] = -1;
    const f = this.c.flags[state]!;
    if ((f & DONE) !== 0 && s.done === Infinity) s.done = at;
    if ((f & HANDED_OVER) !== 0) s.handedOver = at;
    if ((f & FINAL) !== 0) return;
    const gold = this.scenario.goldDisk;
    if ((f & ON_HOLD) !== 0 && gold !== undefined && gold > from) {
      s.exit[i] = gold;
      s.next[i] = this.afterHold;
      return;
    }
    const stay = this.c.stay(track, state);
    if (!stay) return;
    // One observed stay among those longer than `elapsed`, or the tail beyond them all (Infinity).
    const elapsed = from - at;
    let first = 0;
    if (elapsed > 0) {
      if (elapsed !== stay.lastElapsed) {
        stay.lastElapsed = elapsed;
        stay.lastFirst = search(stay.lengths, elapsed, true);
      }
      first = stay.lastFirst;
    }
    const before = first > 0 ? stay.cumulative[first - 1]! : 0;
    const target = before + u * (1 - before);
    const stretches = stay.steps.length - 1;
    const m = Math.min(stretches - 1, Math.floor(target * stretches));
    // `search(stay.cumulative, target, false, …)` written out: a call would box `target`.
    const cumulative = stay.cumulative;
    let lo = stay.steps[m]!;
    let hi = stay.steps[m + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    const k = Math.max(first, lo);
    if (k >= stay.lengths.length) return;
    s.exit[i] = from + (stay.lengths[k]! - elapsed) * this.factor(state);
    s.next[i] = stay.next[k]!;
  }

  private charge(s: Scratch, record: TailPool | null, state: number, from: number, to: number): void {
    if (to <= from) return;
    s.spent[state]! += to - from;
    record?.segment(state, from, to);
  }

  /**
   * Puts `leaf`, entered afresh at `s.entered[i]`, in slot `i`. A leaf of a region that is not its last stands
   * for one of the region's futures from there (to its last leaf or a withdrawal), drawn from the
   * region tails: the slot exits when that future ends, and its time is charged then.
   */
  private enterFresh(s: Scratch, track: Track, i: number, leaf: number, rnd: Stream, depth: number): void {
    const t = s.entered[i]!;
    s.virtual[i] = -1;
    const f = this.c.flags[leaf]!;
    const ref = this.tails && (f & IN_REGION) !== 0 && (f & REGION_LAST) === 0 ? this.regionPool(track, leaf, depth) : -1;
    if (ref < 0) {
      s.from[0] = t;
      this.enter(s, track, i, leaf, rnd);
      return;
    }
    const pool = this.regionPools[ref]!;
    const j = Math.floor(rnd.next() * pool.size);
    s.state[i] = leaf;
    s.entered[i] = t;
    s.exit[i] = t + pool.done[j]!;
    s.next[i] = pool.outcome[j]!;
    s.virtual[i] = ref;
    s.sample[i] = j;
    s.shift[i] = t;
  }

  /** Charges a region-tail slot's time: its segments that ended by `until`, cut at the horizon. */
  private chargeRegion(s: Scratch, record: TailPool | null, i: number, until: number, horizon: number): void {
    const pool = this.regionPools[s.virtual[i]!]!;
    const j = s.sample[i]!;
    const shift = s.shift[i]!;
    for (let g = pool.first[j]!; g < pool.first[j + 1]!; g++) {
      const from = shift + pool.from[g]!;
      const to = shift + pool.to[g]!;
      if (to <= until && from < horizon) this.charge(s, record, pool.state[g]!, from, Math.min(to, horizon));
    }
    s.virtual[i] = -1;
  }

  /**
   * One future from `states` at `asOf`. `regionOnly`: the one slot is a region's leaf and the future
   * ends with the region (`end`, `endOutcome`), for the region tails.
   */
  private run(track: Track, states: ArrayLike<number>, entered: ArrayLike<number>, asOf: number, horizon: number, rnd: Stream, depth: number, record: TailPool | null, regionOnly = false): Scratch {
    const s = this.scratchAt(depth);
    s.done = Infinity;
    s.handedOver = Infinity;
    s.end = Infinity;
    s.endOutcome = -1;
    s.spent.fill(0);
    s.slots = states.length;
    for (let i = 0; i < states.length; i++) {
      s.virtual[i] = -1;
      s.entered[i] = entered[i]!;
      s.from[0] = asOf;
      this.enter(s, track, i, states[i]!, rnd);
    }
    const { flags, outcomes } = this.c;
    for (let step = 0; step < MAX_STEPS; step++) {
      let k = -1;
      let exit = Infinity;
      for (let i = 0; i < s.slots; i++) {
        if (s.exit[i]! < exit) {
          exit = s.exit[i]!;
          k = i;
        }
      }
      if (k < 0 || exit > horizon) break;
      const t = exit;
      const state = s.state[k]!;
      if (!this.timed) {
        // Nothing to charge (and no numbers to box for it).
      } else if (s.virtual[k]! >= 0) this.chargeRegion(s, record, k, Infinity, horizon);
      else if (s.done === Infinity) this.charge(s, record, state, Math.max(s.entered[k]!, asOf), t);
      const nextId = s.next[k]!;
      const next = outcomes[nextId]!;
      if (next.withdrawn) {
        // The other regions' stays that ended before count; those under way do not.
        if (this.timed) for (let i = 0; i < s.slots; i++) if (s.virtual[i]! >= 0) this.chargeRegion(s, record, i, t, horizon);
        s.slots = 0;
        if (regionOnly) {
          s.end = t;
          s.endOutcome = nextId;
          return s;
        }
        break;
      }
      // The outcome the whole office enters at `t`, when it leaves every current leaf.
      let fresh = -1;
      if ((flags[state]! & IN_REGION) !== 0) {
        const leaf = next.leaves.length === 1 ? next.leaves[0]! : this.c.state(next.text);
        s.entered[k] = t;
        this.enterFresh(s, track, k, leaf, rnd, depth);
        if (regionOnly && (flags[leaf]! & REGION_LAST) !== 0) {
          s.end = t;
          s.endOutcome = nextId;
          return s;
        }
        let regionsDone = true;
        for (let i = 0; i < s.slots && regionsDone; i++) regionsDone = (flags[s.state[i]!]! & REGION_LAST) !== 0;
        if (regionsDone) fresh = this.c.afterPreparing[track];
      } else fresh = next.endsPreparing ? this.c.afterPreparing[track] : nextId;
      if (fresh < 0) continue;
      const pool = this.tails ? this.pool(track, fresh, depth) : null;
      if (!pool) {
        const leaves = outcomes[fresh]!.leaves;
        s.slots = leaves.length;
        for (let i = 0; i < leaves.length; i++) {
          s.entered[i] = t;
          this.enterFresh(s, track, i, leaves[i]!, rnd, depth);
        }
        continue;
      }
      // The rest of this future is a tail's, shifted to `t` and cut at the horizon.
      const j = Math.floor(rnd.next() * pool.size);
      const wasDone = s.done !== Infinity;
      if (!wasDone && t + pool.done[j]! <= horizon) s.done = t + pool.done[j]!;
      if (s.handedOver === Infinity && t + pool.handedOver[j]! <= horizon) s.handedOver = t + pool.handedOver[j]!;
      if (!wasDone && this.timed) {
        for (let g = pool.first[j]!; g < pool.first[j + 1]!; g++) {
          const from = t + pool.from[g]!;
          if (from < horizon) this.charge(s, record, pool.state[g]!, from, Math.min(t + pool.to[g]!, horizon));
        }
      }
      return s;
    }
    if (s.done === Infinity && this.timed) {
      for (let i = 0; i < s.slots; i++) {
        if (s.virtual[i]! >= 0) this.chargeRegion(s, record, i, Infinity, horizon);
        else if (s.exit[i]! > horizon) this.charge(s, record, s.state[i]!, Math.max(s.entered[i]!, asOf), horizon);
      }
    }
    return s;
  }

  /**
   * The futures of one region from `leaf` entered afresh on `track`, to the region's last leaf or a
   * withdrawal, simulated on first use; -1 while they are being simulated (a leaf met again inside
   * its own futures, as a site blocked again).
   */
  private regionPool(track: Track, leaf: number, depth: number): number {
    const key = leaf * 2 + (track === 'kit' ? 0 : 1);
    const known = this.regionKeys.get(key);
    if (known !== undefined) return known ?? -1;
    const tails = this.tails!;
    this.regionKeys.set(key, null);
    const rnd = new Stream(seedOf(`region|${track}|${this.c.names[leaf]!}`, tails.seed));
    const pool = new TailPool(tails.size);
    const start = [leaf];
    const zero = [0];
    for (let i = 0; i < tails.size; i++) {
      pool.begin();
      const s = this.run(track, start, zero, 0, tails.horizon, rnd, depth + 1, pool, true);
      pool.end(s.end, Infinity, s.endOutcome);
    }
    this.regionPools.push(pool);
    this.regionKeys.set(key, this.regionPools.length - 1);
    return this.regionPools.length - 1;
  }

  /** The tails from `track` entering `outcome`, simulated on first use; null while they are being simulated (an entry met again inside its own tails). */
  private pool(track: Track, outcome: number, depth: number): TailPool | null {
    const key = outcome * 2 + (track === 'kit' ? 0 : 1);
    const known = this.pools.get(key);
    if (known !== undefined) return known;
    const tails = this.tails!;
    this.pools.set(key, null);
    const leaves = this.c.outcomes[outcome]!.leaves;
    const zero = leaves.map(() => 0);
    const rnd = new Stream(seedOf(`tail|${track}|${this.c.outcomes[outcome]!.text}`, tails.seed));
    const pool = new TailPool(tails.size);
    for (let i = 0; i < tails.size; i++) {
      pool.begin();
      const s = this.run(track, leaves, zero, 0, tails.horizon, rnd, depth + 1, pool);
      pool.end(s.done, s.handedOver);
    }
    this.pools.set(key, pool);
    return pool;
  }
}

function growTo(a: Int32Array, length: number): Int32Array {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}
