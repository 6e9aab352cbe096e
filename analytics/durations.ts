import { allStates } from '../machines/describe';
import { stateLabel } from '../machines/labels';
import type { Owner } from '../machines/meta';
import { byStateId, type StayColumns } from './columns';
import type { History } from './episodes';
import { windowOf, type Scope } from './scope';
import * as stats from './stats';
import type { Spread } from './stats';

// Local copies: once compiled to CommonJS (as tsx runs the server), every use of an imported
// binding is a call to its getter, and these are called for every stay.
const { days, spreadInPlace, weekdayMs } = stats;

/**
 * Time in each state over a period. The sample of a state is every stay in it that overlaps the
 * period: a stay that ended by the period's end counts its whole length; one still running then
 * counts the time so far (a lower bound, flagged by `stillInside`), so a state where offices sit for
 * long shows long times even before they leave it.
 */
export interface StateDurations {
  state: string;
  label: string;
  kind: 'stage' | 'leaf';
  owner: Owner;
  /** Stays begun in the period. */
  entered: number;
  /** Stays ended in the period. */
  left: number;
  /** Offices in the state at the end of the period (their time so far is in the sample). */
  stillInside: number;
  /** Stays measured. */
  sample: number;
  calendarDays: Spread | null;
  businessDays: Spread | null;
}

export interface DurationsResult {
  from: string;
  to: string;
  asOf: string;
  states: StateDurations[];
}

/** Every state an office waits in: the chart's nodes without the root-level final states and the parallel regions. */
export const MEASURED_STATES = allStates().filter((s) => {
  const topFinal = !s.path.includes('.') && s.type === 'final';
  const region = s.path.split('.').length === 2 && s.states.length > 0;
  return !topFinal && !region;
});

const COMPOUND = new Set(allStates().filter((s) => s.states.length > 0).map((s) => s.path));

const measuredIndex = new Map(MEASURED_STATES.map((s, i) => [s.path, i]));

/** The samples' buffer, reused by every call (a call runs to its end before the next starts). */
let scratch = new Float64Array(0);

export function computeDurations(history: History, scope: Scope): DurationsResult {
  const w = windowOf(history, scope);
  const acc = MEASURED_STATES.map(() => ({ entered: 0, left: 0, inside: 0, n: 0, cal: new Float64Array(0), biz: new Float64Array(0) }));
  const { start, end } = w;
  // Top-level leaves (invited) are in both lists: their stays are taken from the leaves.
  const lists: [StayColumns, { at(id: number): number }][] = [
    [history.stageColumns, byStateId((name) => (COMPOUND.has(name) ? (measuredIndex.get(name) ?? -1) : -1), -1)],
    [history.leafColumns, byStateId((name) => measuredIndex.get(name) ?? -1, -1)],
  ];
  // Twice over the stays: first to count each state's sample, then to fill arrays of that size
  // (cheaper than growing arrays of hundreds of thousands of values and copying them to sort).
  for (const fill of [false, true]) {
    for (const [c, measured] of lists) {
      const { entered, left, businessMs, state, office } = c;
      for (let i = 0; i < c.length; i++) {
        // Most stays are outside the period: the two comparisons come before any lookup.
        const from = entered[i]!;
        const to = left[i]!;
        if (from >= end || to < start) continue;
        const k = measured.at(state[i]!);
        if (k < 0 || !w.includes(office[i]!)) continue;
        const a = acc[k]!;
        if (!fill) {
          a.n++;
          continue;
        }
        const j = a.left + a.inside;
        if (from >= start) a.entered++;
        const ended = to < end;
        if (ended) a.left++;
        else a.inside++;
        const until = ended ? to : end;
        a.cal[j] = days(until - from);
        a.biz[j] = days(ended ? businessMs[i]! : weekdayMs(from, until));
      }
    }
    if (!fill) {
      // Every state's sample in one buffer kept between calls: hundreds of thousands of values per
      // answer, allocated afresh each time, would bring the collector round to the whole heap sooner.
      const total = acc.reduce((n, a) => n + a.n, 0);
      if (scratch.length < 2 * total) scratch = new Float64Array(Math.ceil(2.5 * total));
      let offset = 0;
      for (const a of acc) {
        a.cal = scratch.subarray(offset, offset + a.n);
        a.biz = scratch.subarray(offset + a.n, offset + 2 * a.n);
        offset += 2 * a.n;
      }
    }
  }
  return {
    from: w.period.from,
    to: w.period.to,
    asOf: w.period.end,
    states: MEASURED_STATES.map((s) => {
      const a = acc[measuredIndex.get(s.path)!]!;
      return {
        state: s.path,
        label: stateLabel(s.path),
        kind: s.path.includes('.') ? 'leaf' : 'stage',
        owner: s.meta.owner,
        entered: a.entered,
        left: a.left,
        stillInside: a.inside,
        sample: a.cal.length,
        calendarDays: spreadInPlace(a.cal),
        businessDays: spreadInPlace(a.biz),
      };
    }),
  };
}
