import type { PolicySet } from '../engine/reminder-policies';
import { allStates } from '../machines/describe';
import type { OfficeEventType } from '../machines/events';
import { eventAction, stateLabel } from '../machines/labels';
import type { Owner } from '../machines/meta';
import { byStateId } from './columns';
import type { History } from './episodes';
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
const leafIndex = new Map(leaves.map((s, i) => [s.path, i]));
const nextSteps = new Map(
  leaves.map((s) => [s.path, [...new Set(s.transitions.map((t) => t.event))].map((type) => eventAction(type as OfficeEventType))]),
);

export function computeSlowest(history: History, scope: Scope, policies: PolicySet, perState = 5): SlowestResult {
  const w = windowOf(history, scope);
  // Per leaf: how many stays are open at the end of the period, and the `perState` entered first
  // (indexes into the leaves, earliest first; at equal instants the one read first, as a stable sort).
  const inside = leaves.map(() => 0);
  const top: number[][] = leaves.map(() => []);
  const leafOf = byStateId((name) => leafIndex.get(name) ?? -1, -1);
  const c = history.leafColumns;
  for (let i = 0; i < c.length; i++) {
    const entered = c.entered[i]!;
    if (entered >= w.end || c.left[i]! < w.end) continue;
    const k = leafOf.at(c.state[i]!);
    if (k < 0 || !w.includes(c.office[i]!)) continue;
    inside[k]!++;
    const list = top[k]!;
    if (list.length === perState && !(entered < c.entered[list[perState - 1]!]!)) continue;
    let j = list.length < perState ? list.length : perState - 1;
    while (j > 0 && c.entered[list[j - 1]!]! > entered) {
      list[j] = list[j - 1]!;
      j--;
    }
    list[j] = i;
  }
  return {
    asOf: w.period.end,
    states: leaves.map((s, k) => {
      const first = top[k]!.map((i) => history.leaves[i]!);
      const policy = policies.get(s.path);
      return {
        state: s.path,
        label: stateLabel(s.path),
        inside: inside[k]!,
        offices: first.map((e) => {
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
