/**
 * What an office view shows of its reminders. The reminders feature (reminders/) computes it; the
 * engine's views only carry it, so the type lives here and the engine imports nothing from the feature.
 */
export interface ReminderClockView {
  state: string;
  owner: 'office' | 'wipo';
  enteredAt: string;
  deadline: string;
  stalled: boolean;
  daysOverdue: number;
  remindersSent: number;
  escalated: boolean;
  nextReminderAt: string | null;
}

export type TimerKind = 'reminder' | 'escalation';

export interface ReminderStatus {
  stalled: boolean;
  stuck: boolean;
  nextReminder: {
    at: string;
    state: string;
    kind: TimerKind;
    level: number;
    /** Time left before it, in milliseconds and as an ISO-8601 duration (0 when already due). */
    inMs: number;
    in: string;
  } | null;
  paused: { since: string; until: string; reason: string; by: string } | null;
  timeZone: string;
  clocks: ReminderClockView[];
}

