import path from 'node:path';
import ICAL from 'ical.js';
import { openRuntime, type Runtime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import { importJsonLines } from '../engine/import';
import { createApp } from '../server/app';
import { invitedAndSiteReady, office } from './programme-fixture';
import { api, makeTempDir, removeTempDir, testConfig } from './helpers/server';
import { TestSmtp, type ReceivedMail } from './helpers/smtp';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const T = (day: string) => `${day}T09:00:00.000Z`;

/** The one VEVENT of an attached calendar, with the calendar's METHOD. */
function parse(mail: ReceivedMail) {
  expect(mail.attachments).toHaveLength(1);
  const [file] = mail.attachments;
  expect(file!.contentType).toBe('text/calendar');
  const calendar = new ICAL.Component(ICAL.parse(file!.content));
  const vevent = calendar.getFirstSubcomponent('vevent')!;
  const event = new ICAL.Event(vevent);
  const attendee = vevent.getFirstProperty('attendee');
  const organizer = vevent.getFirstProperty('organizer')!;
  // The URI scheme is case-insensitive (RFC 3986); ics writes MAILTO:.
  const address = (p: ICAL.Property) => String(p.getFirstValue()).replace(/^mailto:/i, 'mailto:');
  return {
    file: file!,
    method: calendar.getFirstPropertyValue('method'),
    uid: event.uid,
    sequence: event.sequence,
    summary: event.summary,
    location: event.location,
    start: event.startDate.toString(),
    end: event.endDate.toString(),
    allDay: event.startDate.isDate,
    status: vevent.getFirstPropertyValue('status'),
    organizer: { value: address(organizer), cn: organizer.getParameter('cn') },
    attendee: attendee ? { value: address(attendee), cn: attendee.getParameter('cn'), partstat: attendee.getParameter('partstat'), rsvp: attendee.getParameter('rsvp') } : null,
  };
}

describe('workshops as calendar invitations', () => {
  let dir: string;
  let runtime: Runtime;
  let server: Server;
  let url: string;
  const smtp = new TestSmtp();
  const clock = fixedClock('2027-02-01T10:00:00.000Z');

  beforeAll(async () => {
    await smtp.start();
    dir = makeTempDir();
    runtime = await openRuntime(testConfig(path.join(dir, 'onboarding.db'), { SMTP_URL: smtp.url, MAIL_FROM: 'WIPOnet Project <wiponet@wipo.example>' }), { clock });
    await importJsonLines(
      runtime.engine,
      [
        office('CH-IPO', 'CH', T('2026-10-01')),
        ...invitedAndSiteReady('CH-IPO', { circular: T('2026-10-02'), yes: T('2026-10-10'), surveyed: T('2026-10-15'), ready: T('2026-11-01') }),
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
      'test:import',
      runtime.importKinds,
    );
    await runtime.engine.apply('CH-IPO', { type: 'FOCAL_POINT_NOMINATED', name: 'Aline Muster', email: 'aline@ige.example' }, { actor: 'test' });
    const { app } = createApp(runtime);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    runtime.close();
    await smtp.stop();
    removeTempDir(dir);
  });

  const deliver = async (n: number) => {
    await runtime.reminders.dispatcher.runPass(clock.now());
    return smtp.waitFor(n);
  };

  it('sends an invitation on enrolment, an update on a change of dates and a cancellation, each checked field by field', async () => {
    const created = await api(url, 'POST', '/api/workshops', { id: 'GVA-1', title: 'WIPOnet operations', city: 'Geneva', country: 'CH', start: '2027-03-10', end: '2027-03-12', capacity: 5 });
    expect(created.status).toBe(201);
    const [focal] = await runtime.programme.focalPointsOf('CH-IPO');
    expect((await api(url, 'POST', '/api/workshops/GVA-1/enrolments', { focalPointIds: [focal!.id] })).status).toBe(200);

    const [invite] = await deliver(1);
    expect(invite!.to).toEqual(['aline@ige.example']);
    expect(invite!.subject).toBe('Invitation: WIPOnet training workshop WIPOnet operations, Geneva, Switzerland');
    const first = parse(invite!);
    expect(first).toEqual({
      file: expect.objectContaining({ filename: 'invite.ics', method: 'REQUEST' }),
      method: 'REQUEST',
      uid: 'workshop-GVA-1@wipo.example',
      sequence: 0,
      summary: 'WIPOnet training workshop: WIPOnet operations',
      location: 'Geneva, Switzerland',
      start: '2027-03-10',
      // All-day: DTEND is the day after the last day.
      end: '2027-03-13',
      allDay: true,
      status: 'CONFIRMED',
      organizer: { value: 'mailto:wiponet@wipo.example', cn: 'WIPOnet Project' },
      attendee: { value: 'mailto:aline@ige.example', cn: 'Aline Muster', partstat: 'NEEDS-ACTION', rsvp: 'TRUE' },
    });

    const moved = await api(url, 'PATCH', '/api/workshops/GVA-1/dates', { start: '2027-04-05', end: '2027-04-06' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ start: '2027-04-05', end: '2027-04-06' });
    const update = parse((await deliver(2))[1]!);
    expect(update).toMatchObject({ method: 'REQUEST', uid: first.uid, sequence: 1, start: '2027-04-05', end: '2027-04-07', status: 'CONFIRMED' });
    expect(update.attendee).toEqual(first.attendee);

    // The page's download is the same event, published without attendees.
    const download = await fetch(`${url}/api/workshops/GVA-1/invitation.ics`);
    expect(download.headers.get('content-type')).toMatch(/^text\/calendar/);
    const published = new ICAL.Component(ICAL.parse(await download.text()));
    expect(published.getFirstPropertyValue('method')).toBe('PUBLISH');
    const pubEvent = new ICAL.Event(published.getFirstSubcomponent('vevent')!);
    expect([pubEvent.uid, pubEvent.sequence, pubEvent.startDate.toString(), pubEvent.location]).toEqual([first.uid, 1, '2027-04-05', 'Geneva, Switzerland']);
    const page = await (await fetch(`${url}/programme/workshops/GVA-1`)).text();
    expect(page).toContain('href="/api/workshops/GVA-1/invitation.ics"');

    expect((await api(url, 'POST', '/api/workshops/GVA-1/cancel')).status).toBe(200);
    const cancel = parse((await deliver(3))[2]!);
    expect(cancel).toMatchObject({ method: 'CANCEL', uid: first.uid, sequence: 2, status: 'CANCELLED', start: '2027-04-05' });
    expect(cancel.file).toMatchObject({ filename: 'cancel.ics', method: 'CANCEL' });
    expect(cancel.attendee).toEqual(first.attendee);
  });

  it('refuses bad dates and a change to a cancelled workshop, changing nothing', async () => {
    expect((await api(url, 'PATCH', '/api/workshops/GVA-1/dates', { start: '2027-05-02', end: '2027-05-01' })).status).toBe(400);
    expect((await api(url, 'PATCH', '/api/workshops/GVA-1/dates', { start: '2027-05-01', end: '2027-05-02' })).status).toBe(409);
    expect((await api(url, 'PATCH', '/api/workshops/NOPE/dates', { start: '2027-05-01', end: '2027-05-02' })).status).toBe(404);
    expect(await runtime.programme.getWorkshop('GVA-1')).toMatchObject({ start: '2027-04-05', end: '2027-04-06' });
  });
});
