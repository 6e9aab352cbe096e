import { allStates } from '../machines/describe';
import { stateLabel } from '../machines/labels';
import type { Owner } from '../machines/meta';
import type { Episode, History } from './episodes';
import { windowOf, type Scope } from './scope';
import { days, spread, weekdayMs, type Spread } from './stats';

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

export function computeDurations(history: History, scope: Scope): DurationsResult {
  const w = windowOf(history, scope);
  const acc = new Map<string, { entered: number; left: number; inside: number; cal: number[]; biz: number[] }>();
  for (const s of MEASURED_STATES) acc.set(s.path, { entered: 0, left: 0, inside: 0, cal: [], biz: [] });
  // Top-level leaves (invited) are in both lists: their stays are taken from the leaves.
  const visit = (e: Episode) => {
    // Most stays are outside the period: the two comparisons come before any lookup.
    if (e.entered >= w.end || e.left < w.start) return;
    const a = acc.get(e.state);
    if (!a || !w.includes(e.office)) return;
    if (e.entered >= w.start) a.entered++;
    const ended = e.left < w.end;
    if (ended) a.left++;
    else a.inside++;
    const until = ended ? e.left : w.end;
    a.cal.push(days(until - e.entered));
    a.biz.push(days(ended ? e.businessMs : weekdayMs(e.entered, until)));
  };
  for (const e of history.stages) if (e.entered < w.end && e.left >= w.start && COMPOUND.has(e.state)) visit(e);
  for (const e of history.leaves) visit(e);
  return {
    from: w.period.from,
    to: w.period.to,
    asOf: w.period.end,
    states: MEASURED_STATES.map((s) => {
      const a = acc.get(s.path)!;
      return {
        state: s.path,
        label: stateLabel(s.path),
        kind: s.path.includes('.') ? 'leaf' : 'stage',
        owner: s.meta.owner,
        entered: a.entered,
        left: a.left,
        stillInside: a.inside,
        sample: a.cal.length,
        calendarDays: spread(a.cal),
        businessDays: spread(a.biz),
      };
    }),
  };
}
