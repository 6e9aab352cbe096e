import type { Response } from 'express';
import type { StuckRow } from '../reminders/stalled';
import type { OfficeView } from '../engine/view';
import { sendCsv } from './csv';

/** The office lists of the API as CSV tables: one row per office (or per stalled state). */
/** The columns of an office row, which a stored office and its API view both have. */
type OfficeColumns = Pick<OfficeView, 'id' | 'name' | 'country' | 'city' | 'language' | 'track' | 'stage' | 'states' | 'version' | 'contacts' | 'createdAt' | 'updatedAt'>;

export function sendOfficesCsv(res: Response, offices: OfficeColumns[]): void {
  sendCsv(
    res,
    'offices',
    ['id', 'name', 'country', 'city', 'language', 'track', 'stage', 'states', 'version', 'contact_name', 'contact_email', 'created_at', 'updated_at'],
    offices.map((o) => [o.id, o.name, o.country, o.city, o.language, o.track, o.stage, o.states.join(' + '), o.version, o.contacts[0]?.name, o.contacts[0]?.email, o.createdAt, o.updatedAt]),
  );
}

export function sendStuckCsv(res: Response, rows: StuckRow[]): void {
  sendCsv(
    res,
    'stuck-offices',
    ['office_id', 'name', 'country', 'state', 'owner', 'entered_at', 'days_in_state', 'days_overdue', 'reminders_sent', 'last_email_at', 'next_reminder_at', 'escalated', 'paused_until', 'pause_reason'],
    rows.map((r) => [r.officeId, r.name, r.country, r.state, r.owner, r.enteredAt, r.daysInState, r.daysOverdue, r.remindersSent, r.lastEmailAt, r.nextReminderAt, r.escalated ? 'yes' : 'no', r.pausedUntil, r.pauseReason]),
  );
}
