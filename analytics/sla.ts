import { durationMs, type PolicySet } from '../engine/reminder-policies';
import { stateLabel } from '../machines/labels';
import type { ReminderPolicy } from '../machines/meta';
import { quarterOf } from '../programme/report/period';
import { byStateId, stateCount, stateName } from './columns';
import type { Episode, History } from './episodes';
import { windowOf, type Scope } from './scope';

/**
 * SLA outcomes recomputed from the history with a set of policies, per calendar quarter of entry and
 * per state: of the stays begun in the quarter (and in the period), how many left within the SLA,
 * how many ran past it (stalled) and how many ran past the escalation (after the policy's reminders).
 * Outcomes are as of the period's end; a stay still inside and not yet past its deadline is `open`.
 * Pauses are not in the history and are not taken off; reminders follow the nominal policy times.
 */
export interface SlaRow {
  quarter: string;
  state: string;
  label: string;
  sla: string;
  entries: number;
  withinSla: number;
  stalled: number;
  escalated: number;
  open: number;
  /** withinSla / entries, stalled / entries (null without entries). */
  shareWithinSla: number | null;
  shareStalled: number | null;
}

export interface SlaResult {
  from: string;
  to: string;
  asOf: string;
  /** The policies applied: SLA per state, overrides marked. */
  policies: { state: string; sla: string; overridden: boolean }[];
  rows: SlaRow[];
}

export interface SlaTiming {
  deadline: number;
  escalation: number;
}

/** When a stay becomes stalled and when it is escalated under `policy`. */
export function slaTiming(e: Episode, policy: ReminderPolicy): SlaTiming {
  return timingOf(e.entered, e.workshopEnd, policy.until, durationMs(policy.sla), policy.reminders * durationMs(policy.every));
}

/** The rule of `slaTiming` over numbers, the policy's durations given in ms (`workshopEnd` NaN when unknown). */
function timingOf(entered: number, workshopEnd: number, until: ReminderPolicy['until'], slaMs: number, remindMs: number): SlaTiming {
  const deadline = until === 'workshopEnd' && !Number.isNaN(workshopEnd) ? workshopEnd : entered + slaMs;
  return { deadline, escalation: deadline + remindMs };
}

/** `policies` with the SLA of some states replaced ("what if invited had 45 days"). */
export function withSlaOverrides(policies: PolicySet, overrides: Record<string, string>): PolicySet {
  const out = new Map(policies);
  for (const [state, sla] of Object.entries(overrides)) {
    const base = out.get(state);
    if (base) out.set(state, { ...base, sla, until: undefined });
  }
  return out;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** How many of ascending `a` are at or below `x`. */
function search(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function computeSla(history: History, scope: Scope, policies: PolicySet, overridden: ReadonlySet<string> = new Set()): SlaResult {
  const w = windowOf(history, scope);
  // Per state id: the policy's index and its timings, so the pass looks nothing up by name; -1: none.
  const list0 = [...policies.values()];
  const policyOf = byStateId((name) => (policies.has(name) ? list0.indexOf(policies.get(name)!) : -1), -1);
  const slaMs = list0.map((p) => durationMs(p.sla));
  const remindMs = list0.map((p) => p.reminders * durationMs(p.every));
  // The quarters the period touches, by their first instant: a stay's quarter is found among a few
  // numbers (building a Date per stay costs more than the rest of the pass).
  const first = new Date(w.start);
  const quarterStarts: number[] = [];
  for (let q = Math.floor(first.getUTCMonth() / 3) * 3; ; q += 3) {
    const t = Date.UTC(first.getUTCFullYear(), q, 1);
    if (t >= w.end) break;
    quarterStarts.push(t);
  }
  // Per quarter and state id (quarter * states + id): the row.
  const states = stateCount();
  const rowAt: (SlaRow | undefined)[] = [];
  const c = history.leafColumns;
  for (let i = 0; i < c.length; i++) {
    const entered = c.entered[i]!;
    if (entered < w.start || entered >= w.end) continue;
    const id = c.state[i]!;
    const p = policyOf.at(id);
    if (p < 0 || !w.includes(c.office[i]!)) continue;
    const policy = list0[p]!;
    const q = search(quarterStarts, entered) - 1;
    const key = q * states + id;
    let row = rowAt[key];
    if (!row) {
      const state = stateName(id);
      const quarter = quarterOf(new Date(quarterStarts[q]!).toISOString());
      row = { quarter, state, label: stateLabel(state), sla: policy.sla, entries: 0, withinSla: 0, stalled: 0, escalated: 0, open: 0, shareWithinSla: null, shareStalled: null };
      rowAt[key] = row;
    }
    // The episode is read only for a stay that ends with its workshop.
    const workshopEnd = policy.until === 'workshopEnd' ? history.leaves[i]!.workshopEnd : Number.NaN;
    const { deadline, escalation } = timingOf(entered, workshopEnd, policy.until, slaMs[p]!, remindMs[p]!);
    const left = c.left[i]!;
    const until = Math.min(left, w.end);
    row.entries++;
    if (left < w.end && left <= deadline) row.withinSla++;
    else if (until > deadline) row.stalled++;
    else row.open++;
    if (until > escalation) row.escalated++;
  }
  const list = rowAt.filter((r) => r !== undefined).sort((a, b) => a.quarter.localeCompare(b.quarter) || a.state.localeCompare(b.state));
  for (const r of list) {
    r.shareWithinSla = round3(r.withinSla / r.entries);
    r.shareStalled = round3(r.stalled / r.entries);
  }
  return {
    from: w.period.from,
    to: w.period.to,
    asOf: w.period.end,
    policies: [...policies.entries()].map(([state, p]) => ({ state, sla: p.until === 'workshopEnd' ? `${p.sla} or the workshop's end` : p.sla, overridden: overridden.has(state) })),
    rows: list,
  };
}
