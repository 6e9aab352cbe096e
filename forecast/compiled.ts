import { REGION_FINAL, regionOfLeaf } from '../analytics/episodes';
import type { Track } from '../machines/office';
import { stayOf, type Model } from './model';

/**
 * The model as numbers, for the simulation's inner loop: every state and every outcome (a set of
 * leaves joined by `+`) gets an index once, with its facts as bit flags, and each state's stays on
 * each track are looked up once, their outcomes as indexes. States are added as the simulation meets
 * them, so nothing here needs the list of states in advance.
 */
export const DONE = 1;
export const HANDED_OVER = 2;
/** Nothing leaves it: `handedOver`, `withdrawn`, or the last leaf of a parallel region. */
export const FINAL = 4;
export const REGION_LAST = 8;
export const IN_REGION = 16;
export const ON_HOLD = 32;

export interface CompiledStay {
  /** Completed stays, shortest first (ms), as in `StayDistribution`. */
  lengths: Float64Array;
  cumulative: Float64Array;
  /** Each stay's outcome, an index into `CompiledModel.outcomes`. */
  next: Int32Array;
  /**
   * `steps[m]`: the first stay whose cumulative probability reaches m / (steps.length - 1), so a draw
   * searches one short stretch of `cumulative` instead of all of it (a state seen 100,000 times has
   * arrays far larger than the processor's caches, and every miss costs more than the search).
   */
  steps: Int32Array;
  /** The last `elapsed` asked and the first stay longer than it: the runs of a group ask the same. */
  lastElapsed: number;
  lastFirst: number;
}

/** Stretches of the cumulative probability indexed per stay distribution. */
const STEPS = 1024;

function stepsOf(cumulative: Float64Array): Int32Array {
  const steps = new Int32Array(STEPS + 1);
  let k = 0;
  for (let m = 0; m <= STEPS; m++) {
    while (k < cumulative.length && cumulative[k]! < m / STEPS) k++;
    steps[m] = k;
  }
  return steps;
}

export interface Outcome {
  text: string;
  leaves: number[];
  withdrawn: boolean;
  /** Every leaf is the last of its region: the office leaves `preparing`. */
  endsPreparing: boolean;
}

const DONE_STATES = new Set(['installed', 'connected', 'handedOver']);
const REGION_LASTS = new Set(REGION_FINAL.values());
const TOP_FINAL = new Set(['handedOver', 'withdrawn']);
const HOLD = 'deployment.onHold';
export const AFTER_HOLD = 'deployment.awaitingKit';

export class CompiledModel {
  readonly names: string[] = [];
  readonly flags: number[] = [];
  readonly outcomes: Outcome[] = [];
  /** Where each track goes when both regions of `preparing` are done (an outcome). */
  readonly afterPreparing: Record<Track, number>;
  private readonly ids = new Map<string, number>();
  private readonly outcomeIds = new Map<string, number>();
  private readonly stays: Record<Track, (CompiledStay | null | undefined)[]> = { kit: [], internet: [] };

  constructor(readonly model: Model) {
    this.afterPreparing = { kit: this.outcome(model.afterPreparing.kit), internet: this.outcome(model.afterPreparing.internet) };
  }

  state(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
      const final = TOP_FINAL.has(name) || REGION_LASTS.has(name);
      this.flags.push(
        (DONE_STATES.has(name) ? DONE : 0) |
          (name === 'handedOver' ? HANDED_OVER : 0) |
          (final ? FINAL : 0) |
          (REGION_LASTS.has(name) ? REGION_LAST : 0) |
          (regionOfLeaf(name) ? IN_REGION : 0) |
          (name === HOLD ? ON_HOLD : 0),
      );
    }
    return id;
  }

  outcome(text: string): number {
    let id = this.outcomeIds.get(text);
    if (id === undefined) {
      const leaves = text.split('+').map((s) => this.state(s));
      id = this.outcomes.length;
      this.outcomeIds.set(text, id);
      this.outcomes.push({ text, leaves, withdrawn: leaves.some((l) => this.names[l] === 'withdrawn'), endsPreparing: leaves.length > 1 && leaves.every((l) => (this.flags[l]! & REGION_LAST) !== 0) });
    }
    return id;
  }

  /** The stays of `state` on `track` (or both tracks pooled, as `stayOf` chooses); null: none seen. */
  stay(track: Track, state: number): CompiledStay | null {
    const known = this.stays[track];
    let s = known[state];
    if (s === undefined) {
      const d = stayOf(this.model, track, this.names[state]!);
      s = d && d.lengths.length > 0 ? { lengths: d.lengths, cumulative: d.cumulative, next: Int32Array.from(d.next, (n) => this.outcome(n)), steps: stepsOf(d.cumulative), lastElapsed: 0, lastFirst: 0 } : null;
      known[state] = s;
    }
    return s;
  }
}

const compiled = new WeakMap<Model, CompiledModel>();

export function compile(model: Model): CompiledModel {
  let c = compiled.get(model);
  if (!c) compiled.set(model, (c = new CompiledModel(model)));
  return c;
}
