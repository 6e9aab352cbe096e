import { DateTime } from 'luxon';
import type { ReminderPolicy } from '../machines/meta';
import { durationMs } from './reminder-policies';

/**
 * The one rule for when a state is due and how far past it an office is, shared by the reminder
 * clocks, the office view, the stuck list, the figures as of a date and the progress report.
 * Days are whole 24-hour spans from the instants (not calendar days in a zone), so a figure reads
 * the same for every viewer; a paused clock stops counting when its pause began.
 */
export const DAY_MS = 86_400_000;

/**
 * When a state entered at `enteredAt` runs out: the SLA after entry, or, for a state that lasts
 * until its workshop (`until: workshopEnd`), the start of the day after the workshop's last day in
 * the office's zone. `zone` is asked only for the latter.
 */
export function deadlineOf(
  policy: Pick<ReminderPolicy, 'sla' | 'until'>,
  enteredAt: string | number,
  workshopEnd: string | null | undefined,
  zone: () => string,
): number {
  if (policy.until === 'workshopEnd' && workshopEnd) {
    const day = DateTime.fromISO(workshopEnd, { zone: zone() }).plus({ days: 1 }).startOf('day');
    if (day.isValid) return day.toMillis();
  }
  const entered = typeof enteredAt === 'number' ? enteredAt : Date.parse(enteredAt);
  return entered + durationMs(policy.sla);
}

/** Milliseconds past `deadline` at `now` (negative before it); a paused clock stopped at its pause. */
export function overdueMs(deadline: string | number, pausedAt: string | null, now: number): number {
  const until = pausedAt ? Math.min(Date.parse(pausedAt), now) : now;
  return until - (typeof deadline === 'number' ? deadline : Date.parse(deadline));
}

/**
 * Whether the deadline has passed at `now` (its instant counts as passed). The lists read in SQL
 * use the same rule (`STALLED_CLOCK_SQL` in storage/reminder-store.ts).
 */
export const isOverdue = (deadline: string | number, pausedAt: string | null, now: number): boolean => overdueMs(deadline, pausedAt, now) >= 0;

/** Whole days past the deadline, never negative. */
export const daysOverdue = (deadline: string | number, pausedAt: string | null, now: number): number =>
  Math.max(0, Math.floor(overdueMs(deadline, pausedAt, now) / DAY_MS));

/** Whole days since `since`, never negative (days in a state). */
export const daysSince = (since: string | number, now: number): number =>
  Math.max(0, Math.floor((now - (typeof since === 'number' ? since : Date.parse(since))) / DAY_MS));
