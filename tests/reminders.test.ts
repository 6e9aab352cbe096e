import path from 'node:path';
import { DateTime } from 'luxon';
import { fixedClock } from '../engine/clock';
import { effectivePolicies } from '../reminders/policies';
import { runSchedulerPass } from '../reminders/scheduler';
import { api, makeTempDir, removeTempDir, runCli, startServer, type TestServer } from './helpers/server';
import { linksIn, startSmtp, type TestSmtp } from './helpers/smtp';

const DAY = 86_400_000;
/** Monday 5 January 2026, 09:30 in Paris. */
const START = Date.parse('2026-01-05T08:30:00Z');
const at = (day: number) => new Date(START + day * DAY);

const frenchOffice = {
  id: 'FR-INPI',
  name: 'Institut national de la propriété industrielle',
  country: 'FR',
  language: 'fr',
  contacts: [{ name: 'Claire Martin', email: 'claire.martin@inpi.example' }],
};

/**
 * Registers and invites an office. The circular letter goes at once (it is not a reminder): it is
 * delivered and checked here, so each test counts the reminders that follow.
 */
async function invite(smtp: TestSmtp, server: TestServer, office: Record<string, unknown> = frenchOffice): Promise<string> {
  const created = await api(server.url, 'POST', '/api/offices', office);
  expect(created.status).toBe(201);
  const sent = await api(server.url, 'POST', `/api/offices/${created.body.id}/events`, { type: 'SEND_CIRCULAR' });
  expect(sent.status).toBe(200);
  const before = smtp.received.length;
  await server.runtime.reminders.dispatcher.runPass(server.runtime.engine.clock.now());
  const letters = smtp.received.splice(before);
  expect(letters.map((m) => m.headers.get('x-reminder-kind'))).toEqual(['circular']);
  return created.body.id as string;
}

function insideParisHours(date: Date | undefined): boolean {
  const t = DateTime.fromJSDate(date!, { zone: 'Europe/Paris' });
  return t.weekday <= 5 && t.hour >= 9 && t.hour < 17;
}

describe('reminders: 90 silent days', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  const clock = fixedClock(new Date(START));

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer({
      config: { SMTP_URL: smtp.url, COORDINATOR_EMAIL: 'coordinator@wipo.example', PUBLIC_URL: 'http://links.example' },
      runtime: { clock },
    });
  });
  afterAll(async () => {
    await server.close();
    await smtp.stop();
  });

  it('sends exactly the policy reminders in French, then one escalation, each with working links', async () => {
    const id = await invite(smtp, server);
    for (let day = 1; day <= 90; day++) {
      clock.set(at(day));
      await server.runtime.reminders.sweep(clock.now());
    }
    const toOffice = smtp.received.filter((m) => m.to.includes('claire.martin@inpi.example'));
    const toCoordinator = smtp.received.filter((m) => m.to.includes('coordinator@wipo.example'));
    // invited: first after 30 days, then every 14, escalate after 3.
    expect(toOffice).toHaveLength(3);
    expect(toCoordinator).toHaveLength(1);
    expect(smtp.received).toHaveLength(4);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(4);
    expect(toOffice.map((m) => m.date!.toISOString())).toEqual([at(30), at(44), at(58)].map((d) => d.toISOString()));
    expect(toCoordinator[0]!.date!.toISOString()).toBe(at(72).toISOString());
    for (const [i, m] of toOffice.entries()) {
      expect(m.subject).toContain('Institut national de la propriété industrielle');
      expect(m.subject).toContain('nous attendons votre réponse');
      expect(m.text).toContain(`Ceci est le rappel ${i + 1} sur 3`);
      expect(m.text).toContain('5 janvier 2026');
      expect(m.html).toContain('<a href="http://links.example/r/');
      expect(m.html).toContain('Oui, nous sommes intéressés');
      expect(insideParisHours(m.date)).toBe(true);
      expect(linksIn(m.text)).toHaveLength(2);
    }
    expect(toCoordinator[0]!.subject).toMatch(/escalation.*is stuck/);
    expect(toCoordinator[0]!.text).toContain('Invited (invited)');

    // The office shows it all, and its version never moved.
    const office = await api(server.url, 'GET', `/api/offices/${id}`);
    expect(office.body.version).toBe(1);
    expect(office.body.reminders).toMatchObject({ stalled: true, stuck: true, nextReminder: null, paused: null, timeZone: 'Europe/Paris' });
    const stuck = await api(server.url, 'GET', '/api/stuck');
    expect(stuck.body.total).toBe(1);
    expect(stuck.body.rows[0]).toMatchObject({
      officeId: id,
      state: 'invited',
      owner: 'office',
      daysInState: 90,
      daysOverdue: 60,
      remindersSent: 3,
      escalated: true,
      nextReminderAt: null,
    });
    const stalled = await api(server.url, 'GET', '/api/offices?stalled=true');
    expect(stalled.body.offices.map((o: { id: string }) => o.id)).toEqual([id]);
    const emails = await api(server.url, 'GET', `/api/offices/${id}/emails`);
    expect(emails.body.emails.map((e: { status: string; kind: string }) => `${e.kind}:${e.status}`)).toEqual([
      'circular:sent',
      'invited:sent',
      'invited:sent',
      'invited:sent',
      'escalation:sent',
    ]);
    const counts = await api(server.url, 'GET', '/api/stuck/counts');
    expect(counts.body).toEqual({ invited: { stalled: 1, stuck: 1 } });

    // The latest reminder's links open their page (the first one's, 60 days old, have expired);
    // "confirm" applies, once.
    const tokens = toOffice.map((m) => linksIn(m.text).map((l) => l.replace('http://links.example', server.url)));
    for (const link of tokens[2]!) expect((await fetch(link)).status).toBe(200);
    const expired = await fetch(tokens[0]![0]!);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('Ce lien a expiré');
    const [confirm, decline] = tokens[2]!;
    const page = await fetch(confirm!);
    expect(await page.text()).toContain('Confirmer que votre Office souhaite participer');
    const applied = await fetch(confirm!, { method: 'POST' });
    expect(applied.status).toBe(200);
    const after = await api(server.url, 'GET', `/api/offices/${id}`);
    expect(after.body.stage).toBe('preparing');
    const history = await api(server.url, 'GET', `/api/offices/${id}/history`);
    expect(history.body.events.at(-1)).toMatchObject({ type: 'REPLY_AFFIRMATIVE', actor: `office:${id} (link)` });
    expect((await fetch(confirm!, { method: 'POST' })).status).toBe(410);
    expect((await fetch(decline!, { method: 'POST', body: new URLSearchParams({ reason: 'x' }) })).status).toBe(409);
    expect((await api(server.url, 'GET', `/api/offices/${id}`)).body.version).toBe(2);
    // Leaving the state cleared the stuck flag; the new states have their own clocks.
    expect((await api(server.url, 'GET', '/api/stuck')).body.total).toBe(0);
  });
});

describe('reminders: restart in the middle, new processes, concurrent sweeps', () => {
  let smtp: TestSmtp;
  let dir: string;

  beforeAll(async () => {
    smtp = await startSmtp();
    dir = makeTempDir();
  });
  afterAll(async () => {
    await smtp.stop();
    removeTempDir(dir);
  });

  it('loses no reminder and sends none twice', async () => {
    const dbPath = path.join(dir, 'restart.db');
    const config = { SMTP_URL: smtp.url, COORDINATOR_EMAIL: 'coordinator@wipo.example' };
    const clock = fixedClock(new Date(START));
    let server = await startServer({ dbPath, config, runtime: { clock } });
    await invite(smtp, server);
    for (let day = 1; day <= 29; day++) {
      clock.set(at(day));
      await server.runtime.reminders.sweep(clock.now());
    }
    // Day 30: the reminder is decided (outbox row) but the process dies before sending it.
    clock.set(at(30));
    expect((await runSchedulerPass(server.runtime.engine, server.runtime.reminders.reminders, clock.now())).reminders).toBe(1);
    await server.close();
    expect(smtp.received).toHaveLength(0);

    // A new runtime on the same file sends it once; then a dispatcher claims day 44's and dies mid-send.
    const clock2 = fixedClock(at(31));
    server = await startServer({ dbPath, config, runtime: { clock: clock2 } });
    await server.runtime.reminders.sweep(clock2.now());
    expect(smtp.received).toHaveLength(1);
    clock2.set(at(44));
    await runSchedulerPass(server.runtime.engine, server.runtime.reminders.reminders, clock2.now());
    const leased = await server.runtime.reminders.outbox.claim('dead-dispatcher', clock2.now(), new Date(at(44).getTime() + 300_000), 10);
    expect(leased).toHaveLength(1);
    await server.close();

    // New processes: three sweeps at once at day 45 (the lease has run out), then one a day to day 90.
    const sweep = (day: number) => runCli(dbPath, ['sweep', '--at', at(day).toISOString(), '--json'], { SMTP_URL: smtp.url, COORDINATOR_EMAIL: 'coordinator@wipo.example' });
    const concurrent = await Promise.all([sweep(45), sweep(45), sweep(45)]);
    for (const r of concurrent) expect(r.code).toBe(0);
    expect(concurrent.map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!).delivery.sent).sort()).toEqual([0, 0, 1]);
    for (const day of [50, 58, 58, 64, 72, 80, 90]) expect((await sweep(day)).code).toBe(0);

    const ids = smtp.received.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(smtp.received.filter((m) => m.to.includes('claire.martin@inpi.example'))).toHaveLength(3);
    expect(smtp.received.filter((m) => m.to.includes('coordinator@wipo.example'))).toHaveLength(1);
  }, 180_000);
});

describe('reminders: SMTP down, failing and slow', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  const clock = fixedClock(new Date(START));

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer({
      config: { SMTP_URL: smtp.url, MAIL_RETRY_BASE_MS: 60_000, MAIL_MAX_ATTEMPTS: 5, SMTP_TIMEOUT_MS: 5_000 },
      runtime: { clock },
    });
  });
  afterAll(async () => {
    await server.close();
    await smtp.stop();
  });

  it('retries while the server is down and delivers everything once it is back', async () => {
    for (let i = 0; i < 5; i++) await invite(smtp, server, { ...frenchOffice, id: `DOWN-${i}`, contacts: [{ name: 'C', email: `c${i}@office.example` }] });
    await smtp.stop();
    clock.set(at(30));
    const first = await server.runtime.reminders.sweep(clock.now());
    expect(first.scheduler.reminders).toBe(5);
    expect(first.delivery).toEqual({ sent: 0, retried: 5, failed: 0 });
    const pending = await api(server.url, 'GET', '/api/outbox?status=pending');
    expect(pending.body.total).toBe(5);
    expect(pending.body.emails[0].attempts).toBe(1);
    expect(pending.body.emails[0].lastError).toMatch(/ECONNREFUSED|connect/i);
    // Backoff: nothing is retried before its time; later attempts wait longer.
    expect((await server.runtime.reminders.sweep(new Date(at(30).getTime() + 10_000))).delivery.retried).toBe(0);
    clock.set(new Date(at(30).getTime() + 3_600_000));
    expect((await server.runtime.reminders.sweep(clock.now())).delivery.retried).toBe(5);

    await smtp.start();
    clock.set(new Date(at(30).getTime() + 3 * 3_600_000));
    const back = await server.runtime.reminders.sweep(clock.now());
    expect(back.delivery).toEqual({ sent: 5, retried: 0, failed: 0 });
    expect(smtp.received).toHaveLength(5);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(5);
    const sent = await api(server.url, 'GET', '/api/outbox?status=sent');
    const reminders = sent.body.emails.filter((e: { kind: string }) => e.kind !== 'circular');
    expect(reminders).toHaveLength(5);
    expect(reminders.every((e: { attempts: number }) => e.attempts === 3)).toBe(true);
    expect((await server.runtime.reminders.sweep(clock.now())).delivery.sent).toBe(0);
  });

  it('a permanent refusal ends failed with the reason, visible on the office and in the outbox', async () => {
    const id = await invite(smtp, server, { ...frenchOffice, id: 'PERM', contacts: [{ name: 'C', email: 'nobody@office.example' }] });
    smtp.mode = 'permfail';
    clock.set('2026-03-10T09:00:00Z'); // a Tuesday, more than 30 days later
    const result = await server.runtime.reminders.sweep(clock.now());
    smtp.mode = 'accept';
    expect(result.delivery.failed).toBeGreaterThanOrEqual(1);
    const failed = await api(server.url, 'GET', '/api/outbox?status=failed');
    expect(failed.body.emails.find((e: { officeId: string }) => e.officeId === id).lastError).toMatch(/550/);
    const emails = await api(server.url, 'GET', `/api/offices/${id}/emails`);
    expect(emails.body.emails.map((e: { kind: string; status: string }) => `${e.kind}:${e.status}`)).toEqual(['circular:sent', 'invited:failed']);
  });

  it('a slow SMTP server does not hold up POST /events', async () => {
    const base = Date.parse('2026-06-01T08:00:00Z'); // a Monday, 10:00 in Paris
    // Queue 12 reminders, then send events while the dispatcher loop is sending them.
    clock.set(new Date(base - 40 * DAY));
    for (let i = 0; i < 12; i++) await invite(smtp, server, { ...frenchOffice, id: `SLOWQ-${i}` });
    clock.set(new Date(base));
    await runSchedulerPass(server.runtime.engine, server.runtime.reminders.reminders, clock.now());
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await api(server.url, 'POST', '/api/offices', { ...frenchOffice, id: `SLOW-${i}` })).body.id);

    const dispatcher = server.runtime.reminders.dispatcher;
    smtp.delayMs = 1500;
    const attempts0 = smtp.dataAttempts;
    const received0 = smtp.received.length;
    /** Messages SMTP has been given and not yet accepted: the dispatcher is waiting on it. */
    const inFlight = () => smtp.dataAttempts - attempts0 - (smtp.received.length - received0);
    dispatcher.start(20);
    try {
      const deadline = Date.now() + 60_000;
      while (inFlight() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(inFlight()).toBeGreaterThan(0);
      let answeredWhileSending = 0;
      for (const id of ids) {
        const res = await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
        expect(res.status).toBe(200);
        if (inFlight() > 0) answeredWhileSending++;
      }
      // Requests were answered while a message sat with the slow server: none waited for it.
      expect(answeredWhileSending).toBeGreaterThan(0);
    } finally {
      await dispatcher.stop();
      smtp.delayMs = 0;
    }
  });
});

describe('reminders: business hours, pauses, policies', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  const clock = fixedClock('2026-01-01T10:00:00Z'); // Thursday

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer({ config: { SMTP_URL: smtp.url }, runtime: { clock } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.stop();
  });

  it('a reminder due on a Saturday in the office zone goes on Monday at 09:00 office time', async () => {
    const id = await invite(smtp, server, { ...frenchOffice, id: 'WEEKEND' });
    const view = await api(server.url, 'GET', `/api/offices/${id}`);
    // Due 30 days later: Saturday 31 January 2026, 11:00 in Paris -> Monday 2 February, 09:00 Paris (08:00Z).
    expect(view.body.reminders.nextReminder).toMatchObject({ at: '2026-02-02T08:00:00.000Z', state: 'invited', kind: 'reminder', level: 1 });
    for (const when of ['2026-01-31T10:00:00Z', '2026-02-01T15:00:00Z', '2026-02-02T07:59:00Z']) {
      clock.set(when);
      const r = await server.runtime.reminders.sweep(clock.now());
      expect(r.scheduler.fired + r.delivery.sent).toBe(0);
    }
    clock.set('2026-02-02T08:00:00Z');
    const r = await server.runtime.reminders.sweep(clock.now());
    expect(r.delivery.sent).toBe(1);
    const mail = smtp.received.at(-1)!;
    expect(DateTime.fromJSDate(mail.date!, { zone: 'Europe/Paris' }).toFormat('cccc HH:mm')).toBe('Monday 09:00');
  });

  it('a pause stops reminders and the SLA clock; resuming moves the deadline by the paused time', async () => {
    clock.set('2026-03-02T09:00:00Z'); // Monday
    const id = await invite(smtp, server, { ...frenchOffice, id: 'PAUSED' });
    clock.set('2026-03-22T09:00:00Z'); // day 20
    const paused = await api(server.url, 'POST', `/api/offices/${id}/reminders/pause`, {
      until: '2026-04-21T09:00:00Z', // day 50
      reason: 'Replied by phone, answer after their holidays',
    });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toMatchObject({ until: '2026-04-21T09:00:00.000Z', reason: 'Replied by phone, answer after their holidays' });
    expect(paused.body.nextReminder).toBeNull();
    // Day 35: past the original deadline, but paused: nothing sent, not stalled.
    clock.set('2026-04-06T09:00:00Z');
    await server.runtime.reminders.sweep(clock.now());
    expect((await api(server.url, 'GET', `/api/offices/${id}/emails`)).body.emails.map((e: { kind: string }) => e.kind)).toEqual(['circular']);
    expect((await api(server.url, 'GET', `/api/offices/${id}`)).body.reminders.stalled).toBe(false);
    // Day 50: the pause ends by itself; 30 paused days move the deadline from day 30 to day 60.
    clock.set('2026-04-21T09:00:00Z');
    expect((await server.runtime.reminders.sweep(clock.now())).scheduler.resumed).toBe(1);
    expect((await api(server.url, 'GET', `/api/offices/${id}/emails`)).body.emails.map((e: { kind: string }) => e.kind)).toEqual(['circular']);
    const view = await api(server.url, 'GET', `/api/offices/${id}/reminders`);
    expect(view.body.paused).toBeNull();
    expect(view.body.clocks[0].deadline).toBe('2026-05-01T09:00:00.000Z');
    expect(view.body.nextReminder.at).toBe('2026-05-01T09:00:00.000Z');
    expect(view.body.log.map((l: { type: string }) => l.type)).toEqual(['PAUSED', 'RESUMED']);
    // A stalled office paused by hand stays in the stuck list with its pause, then resumes.
    clock.set('2026-05-05T09:00:00Z');
    await server.runtime.reminders.sweep(clock.now());
    await api(server.url, 'POST', `/api/offices/${id}/reminders/pause`, { until: '2026-06-01', reason: 'On leave' });
    const stuck = await api(server.url, 'GET', '/api/stuck');
    expect(stuck.body.rows.find((r: { officeId: string }) => r.officeId === id)).toMatchObject({ pausedUntil: '2026-06-01T00:00:00.000Z', pauseReason: 'On leave', nextReminderAt: null });
    const resumed = await api(server.url, 'POST', `/api/offices/${id}/reminders/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBeNull();
    expect((await api(server.url, 'POST', `/api/offices/${id}/reminders/resume`)).status).toBe(409);
    expect((await api(server.url, 'POST', `/api/offices/${id}/reminders/pause`, { until: '2020-01-01', reason: 'x' })).status).toBe(400);
  });

  it('GET /api/machine shows the effective policies; overrides are validated at start', async () => {
    const machine = await api(server.url, 'GET', '/api/machine');
    const invited = machine.body.root.states.find((s: { key: string }) => s.key === 'invited');
    expect(invited.meta.reminders).toEqual({ sla: 'P30D', every: 'P14D', reminders: 3, recipient: 'office', template: 'invited' });
    const overridden = effectivePolicies({ states: { invited: { sla: 'P21D' }, 'preparing.site.blocked': null } });
    expect(overridden.get('invited')).toMatchObject({ sla: 'P21D', every: 'P14D' });
    expect(overridden.has('preparing.site.blocked')).toBe(false);
    expect(() => effectivePolicies({ states: { nowhere: { sla: 'P1D' } } })).toThrow(/"nowhere" is not a leaf state/);
    expect(() => effectivePolicies({ states: { invited: { sla: 'soon' } } })).toThrow(/ISO-8601 duration/);
    expect(() => effectivePolicies({ states: { invited: { template: 'missing' } } })).toThrow(/no template "missing"/);
  });

  it('a due clock fires once: a second attempt with the same row claims nothing and sends nothing', async () => {
    const { engine } = server.runtime;
    const { reminders, store, outbox } = server.runtime.reminders;
    const id = await invite(smtp, server, { ...frenchOffice, id: 'TWICE', contacts: [{ name: 'T', email: 'twice@office.example' }] });
    const due = (await store.clock(id, 'invited'))!;
    expect(due).toMatchObject({ next_level: 1, reminders_sent: 0 });
    const at = new Date(due.next_reminder_at!);
    const outcomes = [];
    for (let i = 0; i < 2; i++) outcomes.push(await engine.transact(() => reminders.fire(due, at)));
    expect(outcomes).toEqual(['reminder', 'skipped']);
    expect((await outbox.ofOffice(id)).map((m) => m.kind)).toEqual(['circular', 'invited']);
    expect(await store.clock(id, 'invited')).toMatchObject({ next_level: 2, reminders_sent: 1 });
    clock.set(at);
    await server.runtime.reminders.sweep(at);
    expect(smtp.received.filter((m) => m.to.includes('twice@office.example'))).toHaveLength(1);
  });
});

describe('reminders: links offered by state', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  const clock = fixedClock(new Date(START));

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer({ config: { SMTP_URL: smtp.url, PUBLIC_URL: 'http://links.example' }, runtime: { clock } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.stop();
  });

  it('each parallel region gets its own reminder with only the replies its state can take', async () => {
    const id = await invite(smtp, server, { ...frenchOffice, id: 'PARALLEL', language: 'es', country: 'ES' });
    expect((await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'REPLY_AFFIRMATIVE' })).status).toBe(200);
    clock.set(at(30));
    const result = await server.runtime.reminders.sweep(clock.now());
    expect(result.scheduler.reminders).toBe(2);
    const site = smtp.received.find((m) => m.subject.includes('preparación del local'))!;
    const training = smtp.received.find((m) => m.subject.includes('punto focal'))!;
    const actionsOf = (text: string) =>
      linksIn(text).map((l) => JSON.parse(Buffer.from(l.split('/r/')[1]!.split('.')[0]!, 'base64url').toString()).a as string);
    expect(actionsOf(site.text)).toEqual(['surveyed']);
    expect(actionsOf(training.text)).toEqual(['nominate']);
    expect((await fetch(linksIn(site.text)[0]!.replace('http://links.example', server.url), { method: 'POST' })).status).toBe(200);
    const office = await api(server.url, 'GET', `/api/offices/${id}`);
    expect(office.body.states).toContain('preparing.site.inProgress');
  });
});
