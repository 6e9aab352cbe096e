import { Duration } from 'luxon';
import type { ReminderPolicy } from '../machines/meta';

/** The effective reminder policy of each leaf state that has one (reminders/policies.ts loads them). */
export type PolicySet = ReadonlyMap<string, ReminderPolicy>;

const durations = new Map<string, number>();

/** Length of an ISO-8601 duration in ms (months count 30 days, years 365); cached, it runs on every transition. */
export function durationMs(iso: string): number {
  let ms = durations.get(iso);
  if (ms === undefined) {
    ms = Duration.fromISO(iso).as('milliseconds');
    durations.set(iso, ms);
  }
  return ms;
}
