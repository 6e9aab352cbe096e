import { durationMs, type PolicySet } from '../engine/reminder-policies';
import { stateLabel } from '../machines/labels';
import type { ReminderPolicy } from '../machines/meta';
import { quarterOf } from '../programme/report/period';
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
  const deadline = policy.until === 'workshopEnd' && !Number.isNaN(e.workshopEnd) ? e.workshopEnd : e.entered + durationMs(policy.sla);
  return { deadline, escalation: deadline + policy.reminders * durationMs(policy.every) };
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

export function computeSla(history: History, scope: Scope, policies: PolicySet, overridden: ReadonlySet<string> = new Set()): SlaResult {
  const w = windowOf(history, scope);
  const rows = new Map<number, Map<string, SlaRow>>();
  for (const e of history.leaves) {
    const policy = policies.get(e.state);
    if (!policy || e.entered < w.start || e.entered >= w.end || !w.includes(e.office)) continue;
    const d = new Date(e.entered);
    // The quarter from the instant's fields: formatting an ISO string per stay costs more than the rest.
    const quarterKey = d.getUTCFullYear() * 4 + Math.floor(d.getUTCMonth() / 3);
    let byState = rows.get(quarterKey);
    if (!byState) rows.set(quarterKey, (byState = new Map()));
    let row = byState.get(e.state);
    if (!row) {
      const quarter = quarterOf(d.toISOString());
      row = { quarter, state: e.state, label: stateLabel(e.state), sla: policy.sla, entries: 0, withinSla: 0, stalled: 0, escalated: 0, open: 0, shareWithinSla: null, shareStalled: null };
      byState.set(e.state, row);
    }
    const { deadline, escalation } = slaTiming(e, policy);
    const until = Math.min(e.left, w.end);
    row.entries++;
    if (e.left < w.end && e.left <= deadline) row.withinSla++;
    else if (until > deadline) row.stalled++;
    else row.open++;
    if (until > escalation) row.escalated++;
  }
  const list = [...rows.values()].flatMap((m) => [...m.values()]).sort((a, b) => a.quarter.localeCompare(b.quarter) || a.state.localeCompare(b.state));
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
