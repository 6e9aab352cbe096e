import { allStates } from '../machines/describe';
import { stateLabel } from '../machines/labels';
import { EngineError } from '../engine/errors';
import { byStateId } from './columns';
import type { History } from './episodes';
import { windowOf, type Scope } from './scope';

/**
 * A cumulative flow diagram's data: the offices in each top-level stage at the end of every week
 * (Monday 00:00 UTC) or month (the 1st, 00:00 UTC) of the period, and at the period's end. An office
 * counts in the stage its history shows just before that instant.
 */
export type Interval = 'week' | 'month';

export interface FlowPoint {
  at: string;
  stages: Record<string, number>;
}

export interface FlowResult {
  from: string;
  to: string;
  interval: Interval;
  stages: { stage: string; label: string }[];
  points: FlowPoint[];
}

export const STAGES = allStates()
  .filter((s) => !s.path.includes('.'))
  .map((s) => s.path);

/** The most points one answer holds: ten years of weeks. */
export const MAX_POINTS = 530;

function ends(start: number, end: number, interval: Interval): number[] {
  const out: number[] = [];
  const d = new Date(start);
  if (interval === 'week') {
    const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + ((8 - (d.getUTCDay() || 7)) % 7 || 7));
    for (let t = monday; t < end; t += 7 * 86_400_000) out.push(t);
  } else {
    for (let m = 1; ; m++) {
      const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + m, 1);
      if (t >= end) break;
      out.push(t);
    }
  }
  out.push(end);
  return out;
}

function countBefore(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function computeFlow(history: History, scope: Scope, interval: Interval): FlowResult {
  const w = windowOf(history, scope);
  const instants = ends(w.start, w.end, interval);
  if (instants.length > MAX_POINTS) {
    throw new EngineError('invalid_input', `The period has ${instants.length} ${interval}s; at most ${MAX_POINTS} points are drawn: shorten it or use interval=month.`, {
      points: instants.length,
    });
  }
  // Every instant is after the period's start and at most its end: a stay over before the start
  // counts at none, one begun before it counts at all of them until it leaves, so only the entries
  // and exits inside the period need sorting.
  const before = STAGES.map(() => 0);
  const entered: number[][] = STAGES.map(() => []);
  const left: number[][] = STAGES.map(() => []);
  const stageOf = byStateId((name) => STAGES.indexOf(name), -1);
  const c = history.stageColumns;
  for (let i = 0; i < c.length; i++) {
    const from = c.entered[i]!;
    const to = c.left[i]!;
    if (to < w.start || from >= w.end) continue;
    const k = stageOf.at(c.state[i]!);
    if (k < 0 || !w.includes(c.office[i]!)) continue;
    if (from < w.start) before[k]!++;
    else entered[k]!.push(from);
    if (to < w.end) left[k]!.push(to);
  }
  const enteredBy = entered.map((list) => Float64Array.from(list).sort());
  const leftBy = left.map((list) => Float64Array.from(list).sort());
  return {
    from: w.period.from,
    to: w.period.to,
    interval,
    stages: STAGES.map((s) => ({ stage: s, label: stateLabel(s) })),
    points: instants.map((t) => ({
      at: new Date(t).toISOString(),
      stages: Object.fromEntries(STAGES.map((s, k) => [s, before[k]! + countBefore(enteredBy[k]!, t) - countBefore(leftBy[k]!, t)])),
    })),
  };
}
