import { getCountry } from 'countries-and-timezones';
import { createEvent, type EventAttributes } from 'ics';
import { z } from 'zod';
import type { EngineHooks, TransitionRecord } from '../engine/engine';
import { EngineError } from '../engine/errors';
import type { MailAttachment, Outbox } from '../notifications/outbox';
import type { ProgrammeStore, Workshop } from '../storage/programme-store';
import type { ActorOptions, ProgrammeContext } from './context';

/**
 * Workshops as calendar invitations (RFC 5545/5546): an enrolment sends each focal point a
 * METHOD:REQUEST, a change of dates an update (same UID, SEQUENCE + 1), a cancellation a
 * METHOD:CANCEL. Workshops have dates, not hours, so the event is all-day: DATE values are the
 * days as lived in the workshop's own place, in whatever time zone the reader's calendar shows.
 */
export type InvitationMethod = 'REQUEST' | 'CANCEL' | 'PUBLISH';

export interface Organizer {
  name: string;
  email: string;
}

export interface Attendee {
  name: string;
  email: string;
}

/** `Name <address>` or a bare address, as MAIL_FROM is written. */
export function organizerOf(mailFrom: string): Organizer {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(mailFrom);
  return match ? { name: match[1]!.trim() || match[2]!, email: match[2]! } : { name: mailFrom.trim(), email: mailFrom.trim() };
}

const ymd = (day: string): [number, number, number] => {
  const [y, m, d] = day.split('-').map(Number);
  return [y!, m!, d!];
};

/** The day after `day` (YYYY-MM-DD): DTEND of an all-day event is exclusive. */
function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

export const placeOf = (w: Workshop) => `${w.city}, ${getCountry(w.country)?.name ?? w.country}`;

export function workshopUid(workshopId: string, domain: string): string {
  return `workshop-${workshopId}@${domain}`;
}

export function invitationIcs(
  w: Workshop,
  options: { method: InvitationMethod; sequence: number; organizer: Organizer; attendee?: Attendee; uid: string },
): string {
  const event: EventAttributes = {
    productId: 'office-onboarding/workshops',
    method: options.method,
    uid: options.uid,
    sequence: options.sequence,
    title: `WIPOnet training workshop: ${w.title}`,
    description: `${w.title}, ${placeOf(w)}, ${w.start} to ${w.end}.`,
    location: placeOf(w),
    start: ymd(w.start),
    end: ymd(nextDay(w.end)),
    status: options.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    organizer: { name: options.organizer.name, email: options.organizer.email },
    attendees: options.attendee
      ? [{ name: options.attendee.name, email: options.attendee.email, rsvp: true, partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT' }]
      : undefined,
  };
  const { error, value } = createEvent(event);
  if (error || !value) throw new EngineError('invalid_input', `The invitation for workshop "${w.id}" could not be written: ${String(error)}`);
  return value;
}

export interface InvitationDeps {
  programme: ProgrammeStore;
  outbox: Outbox;
  mailFrom: string;
  /** Events this much older than the clock (imports of a past programme) send no invitation. */
  liveWindowMs?: number;
  now(): Date;
}

export function createWorkshopInvitations(deps: InvitationDeps) {
  const organizer = organizerOf(deps.mailFrom);
  const domain = organizer.email.split('@')[1] ?? 'localhost';
  const sequenceOf = (id: string): Promise<number> => deps.programme.calendarSequence(id);

  async function send(w: Workshop, method: 'REQUEST' | 'CANCEL', sequence: number, attendees: Attendee[], officeId: string | null, at: Date): Promise<void> {
    const uid = workshopUid(w.id, domain);
    for (const attendee of attendees) {
      const ics = invitationIcs(w, { method, sequence, organizer, attendee, uid });
      const attachment: MailAttachment = { filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics', contentType: `text/calendar; charset=utf-8; method=${method}`, content: ics };
      const what =
        method === 'CANCEL'
          ? `The WIPOnet training workshop "${w.title}" in ${placeOf(w)} (${w.start} to ${w.end}) is cancelled. Your focal point stays nominated for a later workshop.`
          : `${attendee.name}, you are enrolled in the WIPOnet training workshop "${w.title}" in ${placeOf(w)}, from ${w.start} to ${w.end}. The calendar invitation is attached.`;
      await deps.outbox.enqueue({
        officeId,
        timerId: null,
        kind: method === 'CANCEL' ? 'workshop-cancel' : sequence === 0 ? 'workshop-invitation' : 'workshop-update',
        language: 'en',
        recipients: [attendee.email],
        subject: `${method === 'CANCEL' ? 'Cancelled' : sequence === 0 ? 'Invitation' : 'Updated'}: WIPOnet training workshop ${w.title}, ${placeOf(w)}`,
        text: `${what}\n\nWIPOnet Project, World Intellectual Property Organization`,
        html: `<p>${escapeHtml(what)}</p><p>WIPOnet Project, World Intellectual Property Organization</p>`,
        createdAt: at,
        sendAfter: at,
        attachments: [attachment],
      });
    }
  }

  const live = (record: TransitionRecord) => deps.now().getTime() - record.at.getTime() <= (deps.liveWindowMs ?? 3_600_000);

  const hooks: EngineHooks = {
    async inTransaction(record) {
      const { type, payload } = record.entry;
      if (type !== 'ENROLLED' && !(type === 'NO_SHOW' && payload.workshopCancelled === true)) return;
      const workshopId = typeof payload.workshopId === 'string' ? payload.workshopId : null;
      const w = workshopId ? await deps.programme.getWorkshop(workshopId) : undefined;
      if (!w || !live(record)) return;
      const mine = (await deps.programme.enrolments(w.id)).filter((e) => e.officeId === record.office.id);
      if (type === 'ENROLLED') {
        if (w.status !== 'planned') return;
        const fresh = mine.filter((e) => e.attendance === null && e.enrolledAt === record.entry.at);
        await send(w, 'REQUEST', await sequenceOf(w.id), fresh, record.office.id, record.at);
      } else {
        await send(w, 'CANCEL', (await sequenceOf(w.id)) + 1, mine.filter((e) => e.attendance === 'cancelled'), record.office.id, record.at);
      }
    },
  };

  return {
    hooks,
    organizer,
    uid: (workshopId: string) => workshopUid(workshopId, domain),
    sequenceOf,
    /** The workshop's event for the page's download: METHOD:PUBLISH, no attendee. */
    async publishIcs(w: Workshop): Promise<string> {
      return invitationIcs(w, { method: 'PUBLISH', sequence: await sequenceOf(w.id), organizer, uid: workshopUid(w.id, domain) });
    },
    /** New dates for a planned workshop; every focal point enrolled gets the update. */
    async reschedule(ctx: ProgrammeContext, workshopId: string, dates: { start: string; end: string }, _options: ActorOptions): Promise<Workshop> {
      return await ctx.engine.transact(async () => {
        const w = await ctx.programme.getWorkshop(workshopId);
        if (!w) throw new EngineError('not_found', `No workshop with id "${workshopId}".`, { id: workshopId });
        if (w.status !== 'planned') throw new EngineError('conflict', `Workshop "${workshopId}" is ${w.status}.`, { id: workshopId, status: w.status });
        if (w.start === dates.start && w.end === dates.end) return w;
        await ctx.programme.rescheduleWorkshop(workshopId, dates.start, dates.end);
        await ctx.programme.bumpCalendarSequence(workshopId);
        const updated = { ...w, ...dates };
        const now = ctx.engine.clock.now();
        const open = (await ctx.programme.enrolments(workshopId)).filter((e) => e.attendance === null);
        const sequence = await sequenceOf(workshopId);
        for (const e of open) await send(updated, 'REQUEST', sequence, [e], e.officeId, now);
        return updated;
      });
    },
  };
}

export type WorkshopInvitations = ReturnType<typeof createWorkshopInvitations>;

export const rescheduleBody = z
  .strictObject({ start: z.iso.date(), end: z.iso.date() })
  .refine((d) => d.end >= d.start, { message: 'end must not be before start', path: ['end'] });

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
