import { REGION_FINAL, regionOfLeaf } from '../analytics/episodes';
import type { Track } from '../machines/office';
import { draw, stayOf, type Model } from './model';

/**
 * One simulated future of one office: from its leaves at the forecast instant, each stay is drawn from
 * the model (the current ones given the time already spent in them), the earliest exit applied, and
 * so on until the office is handed over, withdrawn, or past the horizon.
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

export interface Outcome {
  /** Installed or connected (ms), Infinity if not within the horizon. */
  done: number;
  handedOver: number;
  /** The leaf this future spent the longest in after the forecast instant. */
  longest: string | null;
}

const DONE_STATES = new Set(['installed', 'connected', 'handedOver']);
const ON_HOLD = 'deployment.onHold';
const AFTER_HOLD = 'deployment.awaitingKit';
const MAX_STEPS = 200;

export function factorOf(scenario: Scenario, state: string): number {
  const s = scenario.speedup;
  if (!s) return 1;
  // `*`: every state (pushing one office along).
  const all = s['*'] ?? 1;
  if (s[state] !== undefined) return s[state]! * all;
  for (const [prefix, f] of Object.entries(s)) if (state.startsWith(prefix + '.')) return f * all;
  return all;
}

const regions = new Map<string, string | null>();
const regionOf = (state: string) => {
  let r = regions.get(state);
  if (r === undefined) regions.set(state, (r = regionOfLeaf(state)));
  return r;
};
const parts = new Map<string, string[]>();
const partsOf = (next: string) => {
  let p = parts.get(next);
  if (!p) parts.set(next, (p = next.split('+')));
  return p;
};

interface Slot {
  state: string;
  entered: number;
  exit: number;
  next: string | null;
}

/** Enters `state` at `at`, drawing its exit as seen from `from` (later than `at` for a stay already under way). */
function enter(model: Model, start: StartState, scenario: Scenario, out: Outcome, state: string, at: number, from: number, u: number): Slot {
  const slot: Slot = { state, entered: at, exit: Infinity, next: null };
  if (out.done === Infinity && DONE_STATES.has(state)) out.done = at;
  if (state === 'handedOver') out.handedOver = at;
  if (isFinal(state)) return slot;
  if (state === ON_HOLD && scenario.goldDisk !== undefined && scenario.goldDisk > from) {
    slot.exit = scenario.goldDisk;
    slot.next = AFTER_HOLD;
    return slot;
  }
  const d = draw(stayOf(model, start.track, state), from - at, u);
  slot.exit = from + d.remaining * (scenario.speedup ? factorOf(scenario, state) : 1);
  slot.next = d.next;
  return slot;
}

const spent = new Map<string, number>();

export function simulate(model: Model, start: StartState, asOf: number, horizon: number, scenario: Scenario, rnd: () => number): Outcome {
  const out: Outcome = { done: Infinity, handedOver: Infinity, longest: null };
  spent.clear();
  let slots = start.leaves.map((l) => enter(model, start, scenario, out, l.state, l.entered, asOf, rnd()));
  for (let step = 0; step < MAX_STEPS; step++) {
    let k = -1;
    let exit = Infinity;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i]!.exit < exit) {
        exit = slots[i]!.exit;
        k = i;
      }
    }
    if (k < 0 || exit > horizon) break;
    const slot = slots[k]!;
    const t = exit;
    if (out.done === Infinity) spent.set(slot.state, (spent.get(slot.state) ?? 0) + (t - Math.max(slot.entered, asOf)));
    const next = slot.next!;
    const nextLeaves = partsOf(next);
    if (nextLeaves.includes('withdrawn')) {
      slots = [];
      break;
    }
    if (regionOf(slot.state)) {
      slots[k] = enter(model, start, scenario, out, next, t, t, rnd());
      if (slots.every((s) => isRegionFinal(s.state))) slots = [enter(model, start, scenario, out, model.afterPreparing[start.track], t, t, rnd())];
    } else {
      slots = nextLeaves.map((s) => enter(model, start, scenario, out, s, t, t, rnd()));
      if (slots.length > 1 && slots.every((s) => isRegionFinal(s.state))) slots = [enter(model, start, scenario, out, model.afterPreparing[start.track], t, t, rnd())];
    }
  }
  if (out.done === Infinity) {
    for (const s of slots) if (s.exit > horizon) spent.set(s.state, (spent.get(s.state) ?? 0) + (horizon - Math.max(s.entered, asOf)));
  }
  let best = 0;
  for (const [state, ms] of spent) {
    if (ms > best && !isFinal(state)) {
      best = ms;
      out.longest = state;
    }
  }
  return out;
}

const FINAL_REGION = new Set(REGION_FINAL.values());
const isRegionFinal = (state: string) => FINAL_REGION.has(state);
const TOP_FINAL = new Set(['handedOver', 'withdrawn']);
const isFinal = (state: string) => TOP_FINAL.has(state) || isRegionFinal(state);
