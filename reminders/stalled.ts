import { daysOverdue, daysSince } from '../engine/deadlines';
import type { StalledClock, StalledCounts, StuckStore } from '../storage/stuck-store';

/**
 * Stalled and stuck offices, read from `sla_clocks` (one row per active leaf state with an SLA
 * policy, kept in the same transaction as each transition). An office is *stalled* in a state once
 * its deadline (entry + SLA + paused time) has passed, *stuck* once it has been escalated.
 * While a pause runs, the clock is frozen at the moment it started.
 */
export interface StuckRow {
  officeId: string;
  name: string;
  country: string;
  state: string;
  owner: 'office' | 'wipo';
  enteredAt: string;
  daysInState: number;
  daysOverdue: number;
  remindersSent: number;
  lastEmailAt: string | null;
  nextReminderAt: string | null;
  escalated: boolean;
  pausedUntil: string | null;
  pauseReason: string | null;
  /** The office's other stalled states (another region, say). */
  otherStates: string[];
}

export interface StuckFilter {
  /** `stuck`: only the offices escalated after their reminders. */
  status?: 'stuck';
  owner?: 'office' | 'wipo';
  stage?: string;
  limit?: number;
  offset?: number;
}

/** The stuck list and the stalled counts, as the pages, the API and the metrics read them. */
export interface StuckViews {
  /**
   * Stalled offices, each once: stuck ones (escalated) first, then the others, most overdue first
   * within each. An office's row shows its stuck or else most overdue stalled state; `otherStates`
   * names the others. `total` is the stalled figure of engine/figures.ts (or the stuck one with
   * `status: 'stuck'`) when no owner or stage filter is given.
   */
  listStuck(now: Date, filter?: StuckFilter): Promise<{ rows: StuckRow[]; total: number }>;
  /** Stalled and stuck counts per leaf state path. */
  stalledCountsByState(now: Date): Promise<StalledCounts>;
  /** Stalled and stuck offices per top-level stage, each office once (an office stalled in both regions of `preparing` is one). */
  stalledOfficesByStage(now: Date): Promise<StalledCounts>;
}

function toStuckRow(row: StalledClock, now: number): StuckRow {
  return {
    officeId: row.office_id,
    name: row.name,
    country: row.country,
    state: row.state,
    owner: row.owner,
    enteredAt: row.entered_at,
    daysInState: daysSince(row.entered_at, now),
    daysOverdue: daysOverdue(row.deadline, row.paused_at, now),
    remindersSent: row.reminders_sent,
    lastEmailAt: row.last_email_at,
    nextReminderAt: row.paused_at ? null : row.next_reminder_at,
    escalated: row.escalated_at !== null,
    pausedUntil: row.pause_until,
    pauseReason: row.pause_reason,
    otherStates: row.other_states,
  };
}

export function createStuckViews(store: StuckStore): StuckViews {
  return {
    async listStuck(now, filter = {}) {
      const page = await store.stalledPage({
        now: now.toISOString(),
        stuckOnly: filter.status === 'stuck',
        owner: filter.owner,
        stage: filter.stage,
        limit: filter.limit ?? 100,
        offset: filter.offset ?? 0,
      });
      const t = now.getTime();
      return { total: page.total, rows: page.clocks.map((row) => toStuckRow(row, t)) };
    },
    stalledCountsByState: (now) => store.stalledCountsByState(now.toISOString()),
    stalledOfficesByStage: (now) => store.stalledOfficesByStage(now.toISOString()),
  };
}
