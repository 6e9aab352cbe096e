import { officeStats } from '../engine/queries';
import type { StuckViews } from '../reminders/stalled';
import { OUTBOX_STATUSES, type Outbox } from '../notifications/outbox';
import type { FiguresStore } from '../storage/figures-store';
import type { ReminderStore } from '../storage/reminder-store';
import type { OfficeStore } from '../storage/types';

/**
 * The figures the gauges report at scrape time, read with the same functions as the dashboard and
 * the API (`/api/stats`, `/api/stuck`), so a scrape and a page never disagree. The one place the
 * metrics read programme figures.
 */
export interface FigureSources {
  store: OfficeStore;
  figures: FiguresStore;
  outbox: Outbox;
  stuck: StuckViews;
  reminders: ReminderStore;
}

export async function officesByStage(s: FigureSources, now: Date): Promise<Record<string, number>> {
  return (await officeStats(s.store, s.figures, now)).byStage;
}

export const OWNERS = ['office', 'wipo'] as const;

export async function stalledByOwner(s: FigureSources, now: Date): Promise<Record<(typeof OWNERS)[number], number>> {
  const count = async (owner: (typeof OWNERS)[number]) => (await s.stuck.listStuck(now, { owner, limit: 0 })).total;
  return { office: await count('office'), wipo: await count('wipo') };
}

export async function outboxByStatus(s: FigureSources): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const status of OUTBOX_STATUSES) counts[status] = (await s.outbox.list(status, 0, 0)).total;
  return counts;
}

/** Seconds since the oldest reminder timer that is due and not fired yet fell due (0 when none is). */
export async function schedulerLagSeconds(s: FigureSources, now: Date): Promise<number> {
  const due = await s.reminders.earliestDue(now.toISOString());
  return due ? Math.max(0, (now.getTime() - Date.parse(due)) / 1000) : 0;
}
