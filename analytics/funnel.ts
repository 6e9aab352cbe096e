import { eventDone } from '../machines/labels';
import { byStateId } from './columns';
import type { History } from './episodes';
import { windowOf, type Scope } from './scope';
import { days, percentile } from './stats';

/**
 * The programme funnel for the offices first invited in the period: how many of them reached each
 * step by the end of the period, the conversion from the step before, and the median time from the
 * step before (over the offices that reached both). A step is reached when the office first enters
 * its state, so a decline followed by a reopening is not counted twice.
 */
export interface FunnelStep {
  step: string;
  label: string;
  offices: number;
  /** Share of the previous step's offices (1 for the first step, null when the previous had none). */
  conversion: number | null;
  /** Share of the invited offices. */
  ofInvited: number | null;
  medianDaysFromPrevious: number | null;
}

export interface FunnelResult {
  from: string;
  to: string;
  asOf: string;
  steps: FunnelStep[];
}

/** Each step: the states whose first entry marks it, and its wording from the event that leads there. */
export const FUNNEL_STEPS: { step: string; states: string[]; label: string }[] = [
  { step: 'invited', states: ['invited'], label: eventDone('SEND_CIRCULAR') },
  { step: 'affirmative', states: ['preparing'], label: eventDone('REPLY_AFFIRMATIVE') },
  { step: 'trained', states: ['preparing.training.trained'], label: eventDone('TRAINING_COMPLETED') },
  { step: 'installedOrConnected', states: ['installed', 'connected'], label: `${eventDone('KIT_INSTALLED')} or ${eventDone('SERVICES_CONNECTED').toLowerCase()}` },
  { step: 'handedOver', states: ['handedOver'], label: eventDone('HANDED_OVER') },
];

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** The step instants' buffer, reused by every call (a call runs to its end before the next starts): megabytes per answer otherwise. */
let firstScratch = new Float64Array(0);

const STEP_OF = new Map(FUNNEL_STEPS.flatMap((s, i) => s.states.map((state) => [state, i] as const)));

export function computeFunnel(history: History, scope: Scope): FunnelResult {
  const w = windowOf(history, scope);
  // First instant each office reached each step, before the end of the period.
  // One row of step instants per office in a flat typed array: no allocation per office.
  const n = FUNNEL_STEPS.length;
  if (firstScratch.length < history.offices.length * n) firstScratch = new Float64Array(Math.ceil(1.25 * history.offices.length) * n);
  const first = firstScratch.subarray(0, history.offices.length * n).fill(Infinity);
  const stepOf = byStateId((name) => STEP_OF.get(name) ?? -1, -1);
  for (const c of [history.stageColumns, history.leafColumns]) {
    const { entered, state, office } = c;
    for (let i = 0; i < c.length; i++) {
      const at = entered[i]!;
      if (at >= w.end) continue;
      const step = stepOf.at(state[i]!);
      if (step < 0 || !w.includes(office[i]!)) continue;
      const k = office[i]! * n + step;
      if (at < first[k]!) first[k] = at;
    }
  }
  const counts = FUNNEL_STEPS.map(() => 0);
  const gaps: number[][] = FUNNEL_STEPS.map(() => []);
  for (let base = 0; base < first.length; base += n) {
    if (!(first[base]! >= w.start && first[base]! < w.end)) continue;
    for (let i = 0; i < n; i++) {
      const t = first[base + i]!;
      if (t === Infinity) continue;
      counts[i]!++;
      if (i > 0 && first[base + i - 1] !== Infinity) gaps[i]!.push(days(t - first[base + i - 1]!));
    }
  }
  return {
    from: w.period.from,
    to: w.period.to,
    asOf: w.period.end,
    steps: FUNNEL_STEPS.map((s, i) => {
      const previous = i === 0 ? counts[0]! : counts[i - 1]!;
      const sorted = Float64Array.from(gaps[i]!).sort();
      return {
        step: s.step,
        label: s.label,
        offices: counts[i]!,
        conversion: previous > 0 ? round3(counts[i]! / previous) : null,
        ofInvited: counts[0]! > 0 ? round3(counts[i]! / counts[0]!) : null,
        medianDaysFromPrevious: sorted.length ? Math.round(percentile(sorted, 0.5) * 10) / 10 : null,
      };
    }),
  };
}
