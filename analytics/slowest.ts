import type { PolicySet } from '../engine/reminder-policies';
import { allStates } from '../machines/describe';
import type { OfficeEventType } from '../machines/events';
import { eventAction, stateLabel } from '../machines/labels';
import type { Owner } from '../machines/meta';
import type { Episode, History } from './episodes';
import { windowOf, type Scope } from './scope';
import { slaTiming } from './sla';
import { days, weekdayMs } from './stats';

/**
 * The offices longest in each waiting state at the end of the period, with what they wait for: who
 * (the state's owner), the step that would move them on (the state's own events, in the machine's
 * wording) and the reason given when they entered it (a difficulty, a hold).
 */
export interface SlowOffice {
  officeId: string;
  name: string;
  country: string;
  state: string;
  label: string;
  enteredAt: string;
  days: number;
  businessDays: number;
  overdue: boolean;
  waitingOn: Owner;
  nextSteps: string[];
  reason: string | null;
}

export interface SlowestResult {
  asOf: string;
  states: { state: string; label: string; inside: number; offices: SlowOffice[] }[];
}

const leaves = allStates().filter((s) => s.states.length === 0 && s.type !== 'final');
const nextSteps = new Map(
  leaves.map((s) => [s.path, [...new Set(s.transitions.map((t) => t.event))].map((type) => eventAction(type as OfficeEventType))]),
);

export function computeSlowest(history: History, scope: Scope, policies: PolicySet, perState = 5): SlowestResult {
  const w = windowOf(history, scope);
  const inside = new Map<string, Episode[]>(leaves.map((s) => [s.path, []]));
  for (const e of history.leaves) {
    if (e.entered >= w.end || e.left < w.end || !w.includes(e.office)) continue;
    inside.get(e.state)?.push(e);
  }
  return {
    asOf: w.period.end,
    states: leaves.map((s) => {
      const list = inside.get(s.path)!;
      const top = [...list].sort((a, b) => a.entered - b.entered).slice(0, perState);
      const policy = policies.get(s.path);
      return {
        state: s.path,
        label: stateLabel(s.path),
        inside: list.length,
        offices: top.map((e) => {
          const o = history.offices[e.office]!;
          return {
            officeId: o.id,
            name: o.name,
            country: o.country,
            state: s.path,
            label: stateLabel(s.path),
            enteredAt: new Date(e.entered).toISOString(),
            days: Math.floor(days(w.end - e.entered)),
            businessDays: Math.floor(days(weekdayMs(e.entered, w.end))),
            overdue: policy ? slaTiming(e, policy).deadline < w.end : false,
            waitingOn: s.meta.owner,
            nextSteps: nextSteps.get(s.path) ?? [],
            reason: e.reason,
          };
        }),
      };
    }),
  };
}
