import { officeStats } from '../engine/queries';
import { listStuck } from '../engine/stalled';
import { OUTBOX_STATUSES, type Outbox } from '../notifications/outbox';
import type { Db } from '../storage/db';
import type { FiguresStore } from '../storage/figures-store';
import type { OfficeStore } from '../storage/types';

/**
 * The figures the gauges report at scrape time, read with the same functions as the dashboard and
 * the API (`/api/stats`, `/api/stuck`), so a scrape and a page never disagree. The one place the
 * metrics read programme figures.
 */
export interface FigureSources {
  db: Db;
  store: OfficeStore;
  figures: FiguresStore;
  outbox: Outbox;
}

export async function officesByStage(s: FigureSources, now: Date): Promise<Record<string, number>> {
  return (await officeStats(s.store, s.figures, now)).byStage;
}

export const OWNERS = ['office', 'wipo'] as const;

export function stalledByOwner(s: FigureSources, now: Date): Record<(typeof OWNERS)[number], number> {
  const count = (owner: (typeof OWNERS)[number]) => listStuck(s.db, now, { owner, limit: 0 }).total;
  return { office: count('office'), wipo: count('wipo') };
}

export function outboxByStatus(s: FigureSources): Record<string, number> {
  return Object.fromEntries(OUTBOX_STATUSES.map((status) => [status, s.outbox.list(status, 0, 0).total]));
}

/** Seconds since the oldest reminder timer that is due and not fired yet fell due (0 when none is). */
export function schedulerLagSeconds(s: FigureSources, now: Date): number {
  const row = s.db
    .prepare<[string], { due: string | null }>('SELECT min(next_reminder_at) AS due FROM sla_clocks WHERE next_reminder_at <= ?')
    .get(now.toISOString());
  return row?.due ? Math.max(0, (now.getTime() - Date.parse(row.due)) / 1000) : 0;
}
