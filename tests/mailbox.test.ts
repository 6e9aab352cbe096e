import { fixedClock } from '../engine/clock';
import { describeIfDovecot, dovecotAvailable, startDovecot, type TestDovecot } from './helpers/dovecot';
import { rawRequest } from './helpers/raw-http';
import path from 'node:path';
import { api, makeTempDir, registerOffice, removeTempDir, startServer, type TestServer } from './helpers/server';
import { startSmtp, type TestSmtp } from './helpers/smtp';

/**
 * Replies and bounces read from a real IMAP server (a private Dovecot on loopback), the
 * coordinator's emails checked at a real SMTP server on loopback.
 */
jest.setTimeout(120_000);

const COORDINATOR = 'coordinator@wipo.example';
const clock = fixedClock('2026-03-02T09:00:00.000Z');
let imap: TestDovecot;
let smtp: TestSmtp;
let server: TestServer;
let dir: string;

const start = () =>
  startServer({
    dbPath: path.join(dir, 'onboarding.db'),
    config: { SMTP_URL: smtp.url, IMAP_URL: imap.url, IMAP_INTERVAL_MS: 200, COORDINATOR_EMAIL: COORDINATOR, PUBLIC_URL: 'http://onboarding.example' },
    runtime: { clock },
  });

beforeAll(async () => {
  if (!dovecotAvailable) return;
  dir = makeTempDir();
  imap = await startDovecot();
  smtp = await startSmtp();
  server = await start();
});

afterAll(async () => {
  await server?.close();
  await smtp?.stop();
  await imap?.stop();
  if (dir) removeTempDir(dir);
});

const runtime = () => server.runtime;
const deliverOutbox = () => runtime().reminders.dispatcher.runPass(clock.now());

/** Registers an office and invites it; answers the id and the circular letter's Message-ID (sent). */
async function invitedOffice(id: string, contacts: { name: string; email: string }[], language = 'en'): Promise<{ id: string; letter: string }> {
  await registerOffice(server.url, { id, name: `Office ${id}`, language, contacts });
  expect((await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' })).status).toBe(200);
  const letter = (await runtime().reminders.outbox.ofOffice(id)).find((r) => r.kind === 'circular')!;
  const before = smtp.received.length;
  await deliverOutbox();
  await smtp.waitFor(before + 1);
  return { id, letter: letter.message_id };
}

/** The coordinator's email that the last pass sent, about this office. */
async function coordinatorMail(subjectPart: string) {
  await deliverOutbox();
  const find = () => smtp.received.find((m) => m.to.includes(COORDINATOR) && m.subject.includes(subjectPart));
  // Reading the mailbox nudged the dispatcher, whose own pass may have claimed the message and still
  // be sending it: wait for it, bounded.
  const end = Date.now() + 10_000;
  while (!find() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const mail = find();
  expect({ subjects: smtp.received.map((m) => m.subject), found: mail !== undefined }).toMatchObject({ found: true });
  return mail!;
}

const invitedClock = async (id: string) => (await runtime().reminders.store.clocks(id)).find((c) => c.state === 'invited')!;

describeIfDovecot('replies and bounces from the mailbox', () => {
  test('a reply to the circular letter: on the timeline, contact responsive, reminders stopped, coordinator told; read once', async () => {
    const { id, letter } = await invitedOffice('MAIL-EN', [{ name: 'Ada Lovelace', email: 'ada@office-en.example' }]);
    expect((await invitedClock(id)).next_reminder_at).not.toBeNull();
    const uid = await imap.deliver(
      [
        'From: Ada Lovelace <ada@office-en.example>',
        'To: wiponet@localhost',
        'Subject: Re: WIPOnet invitation',
        'Date: Mon, 02 Mar 2026 08:30:00 +0000',
        'Message-ID: <reply-1@office-en.example>',
        `In-Reply-To: ${letter}`,
        `References: ${letter}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Yes, we would like to join the network. Our IT head will call you.',
        '',
      ].join('\r\n'),
    );
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 1 });

    const [mail] = await runtime().mailbox.store.ofOffice(id);
    expect(mail).toMatchObject({ kind: 'reply', matchedBy: 'in-reply-to', answers: letter, subject: 'Re: WIPOnet invitation', sentAt: '2026-03-02T08:30:00.000Z', attachments: [] });
    expect(mail!.sender).toContain('ada@office-en.example');
    expect(mail!.text).toContain('Yes, we would like to join the network.');
    expect((await runtime().mailbox.store.contactsOf(id))[0]).toMatchObject({ address: 'ada@office-en.example', repliedAt: clock.now().toISOString(), bouncingAt: null });
    const stopped = await invitedClock(id);
    expect([stopped.next_level, stopped.next_reminder_at]).toEqual([null, null]);
    expect((await runtime().mailbox.store.unmatched(10))).toHaveLength(0);

    const told = await coordinatorMail('Office MAIL-EN replied by email');
    expect(told.text).toContain('http://onboarding.example/offices/MAIL-EN');
    expect(told.text).toContain('REPLY_AFFIRMATIVE');
    expect(told.text).toContain('REPLY_DECLINED');
    expect(told.text).toContain('Yes, we would like to join the network.');
    expect(told.text).toContain('Reminders to the office stopped for: ');

    const page = await api<string>(server.url, 'GET', `/offices/${id}`, undefined, { accept: 'text/html' });
    expect(page.body).toContain('Reply by email: Re: WIPOnet invitation');
    expect(page.body).toContain('Our IT head will call you.');
    expect((await imap.flags()).get(uid)).toContain('\\Seen');

    // Read once: nothing new on the next pass, nor when the flag is lost (a stop between the commit
    // and the flag); the place in the mailbox is stored.
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 0 });
    await imap.unflag(uid, '\\Seen');
    const sentBefore = smtp.received.length;
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 1 });
    expect(await runtime().mailbox.store.ofOffice(id)).toHaveLength(1);
    await deliverOutbox();
    expect(smtp.received).toHaveLength(sentBefore);
  });

  test('an automatic answer (Auto-Submitted, RFC 3834) goes on the timeline and stops nothing', async () => {
    const { id, letter } = await invitedOffice('MAIL-AUTO', [{ name: 'Away', email: 'away@office-auto.example' }]);
    await imap.deliver(
      `From: away@office-auto.example\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\nIn-Reply-To: ${letter}\r\n\r\nI am away until Monday.\r\n`,
    );
    const sent = smtp.received.length;
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 1 });
    expect(await runtime().mailbox.store.ofOffice(id)).toMatchObject([{ kind: 'reply', subject: 'Out of office', matchedBy: 'in-reply-to' }]);
    expect((await invitedClock(id)).next_reminder_at).not.toBeNull();
    expect(await runtime().mailbox.store.contactsOf(id)).toEqual([]);
    expect((await runtime().reminders.outbox.ofOffice(id)).map((r) => r.kind)).toEqual(['circular']);
    await deliverOutbox();
    expect(smtp.received).toHaveLength(sent);
  });

  test('a reply in French with an attachment, matched by its References', async () => {
    const { id, letter } = await invitedOffice('MAIL-FR', [{ name: 'Marie Curie', email: 'marie@office-fr.example' }], 'fr');
    const pdf = Buffer.from('%PDF-1.4 formulaire').toString('base64');
    await imap.deliver(
      [
        'From: =?utf-8?q?Marie_Curie?= <marie@office-fr.example>',
        'To: wiponet@localhost',
        'Subject: =?utf-8?q?R=C3=A9ponse_=C3=A0_la_circulaire?=',
        'Date: Mon, 02 Mar 2026 10:15:00 +0100',
        `References: <older@office-fr.example> ${letter}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="sep"',
        '',
        '--sep',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Nous sommes int=E9ress=E9s par le r=E9seau. Veuillez trouver ci-joint le formulaire.',
        '--sep',
        'Content-Type: application/pdf; name="formulaire-d=C3=A9claration.pdf"',
        "Content-Disposition: attachment; filename*=utf-8''formulaire-d%C3%A9claration.pdf",
        'Content-Transfer-Encoding: base64',
        '',
        pdf,
        '--sep--',
        '',
      ].join('\r\n'),
    );
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 1 });
    const [mail] = await runtime().mailbox.store.ofOffice(id);
    expect(mail).toMatchObject({ kind: 'reply', matchedBy: 'references', answers: letter, subject: 'Réponse à la circulaire', attachments: ['formulaire-déclaration.pdf'] });
    expect(mail!.text).toContain('Nous sommes intéressés par le réseau.');
    expect((await invitedClock(id)).next_reminder_at).toBeNull();
    const told = await coordinatorMail('Office MAIL-FR replied by email');
    expect(told.text).toContain('Attachments: formulaire-déclaration.pdf');
    expect(told.text).toContain('Nous sommes intéressés');
    const page = await api<string>(server.url, 'GET', `/offices/${id}`, undefined, { accept: 'text/html' });
    expect(page.body).toContain('Attachments: formulaire-déclaration.pdf');
    expect(page.body).toContain('Nous sommes intéressés par le réseau.');
  });

  test('a bounce: the address is flagged bouncing, the office flagged, reminders skip it until the contacts are edited', async () => {
    const { id, letter } = await invitedOffice('MAIL-DSN', [
      { name: 'Gone', email: 'gone@office-dsn.example' },
      { name: 'Here', email: 'here@office-dsn.example' },
    ]);
    await imap.deliver(
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.office-dsn.example>',
        'To: wiponet@localhost',
        'Subject: Undelivered Mail Returned to Sender',
        'Date: Mon, 02 Mar 2026 09:05:00 +0000',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status;',
        '  boundary="dsn-boundary"',
        '',
        '--dsn-boundary',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered to one or more recipients.',
        '--dsn-boundary',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.office-dsn.example',
        '',
        'Final-Recipient: rfc822; gone@office-dsn.example',
        'Original-Recipient: rfc822;gone@office-dsn.example',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <gone@office-dsn.example>: Recipient address rejected',
        '',
        'Final-Recipient: rfc822; here@office-dsn.example',
        'Action: delivered',
        'Status: 2.0.0',
        '',
        '--dsn-boundary',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: ${letter}`,
        'Subject: WIPOnet invitation',
        '',
        '--dsn-boundary--',
        '',
      ].join('\r\n'),
    );
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 1 });
    const [mail] = await runtime().mailbox.store.ofOffice(id);
    expect(mail).toMatchObject({ kind: 'bounce', answers: letter });
    expect(await runtime().mailbox.store.bouncingAddresses(id)).toEqual(['gone@office-dsn.example']);
    // A bounce is no answer from the office: its reminders go on, to the other address.
    expect((await invitedClock(id)).next_reminder_at).not.toBeNull();
    const told = await coordinatorMail('Mail to Office MAIL-DSN bounces: gone@office-dsn.example');
    expect(told.text).toContain('5.1.1');
    expect(told.text).toContain('http://onboarding.example/offices/MAIL-DSN');
    const page = await api<string>(server.url, 'GET', `/offices/${id}`, undefined, { accept: 'text/html' });
    expect(page.body).toMatch(/id="bouncing"[^]*gone@office-dsn\.example/);
    const view = await api(server.url, 'GET', `/api/offices/${id}`);
    expect(view.body.mail).toEqual({ bouncing: ['gone@office-dsn.example'], repliedAt: null });

    // The first reminder, 30 days on, goes to the address that works only.
    clock.advance(31 * 86_400_000);
    await runtime().reminders.sweep(clock.now());
    const reminder = (await runtime().reminders.outbox.ofOffice(id)).find((r) => r.kind === 'invited')!;
    expect(JSON.parse(reminder.recipients)).toEqual(['here@office-dsn.example']);

    // Editing the contacts is the fix: the flag goes, on the page too.
    const edit = await api(server.url, 'POST', `/api/offices/${id}/events`, {
      type: 'DETAILS_UPDATED',
      contacts: [{ name: 'Gone', email: 'new@office-dsn.example' }, { name: 'Here', email: 'here@office-dsn.example' }],
    });
    expect(edit.status).toBe(200);
    expect(await runtime().mailbox.store.bouncingAddresses(id)).toEqual([]);
    const after = await api<string>(server.url, 'GET', `/offices/${id}`, undefined, { accept: 'text/html' });
    expect(after.body).not.toContain('id="bouncing"');
  });

  test('a bounce that names no office waits unmatched; assigned, it flags the address of that office', async () => {
    const { id } = await invitedOffice('MAIL-DSN2', [{ name: 'Old', email: 'old@office-dsn2.example' }]);
    await imap.deliver(
      [
        'From: postmaster@relay.example',
        'Subject: Delivery failure',
        'Content-Type: multipart/report; report-type="delivery-status"; boundary=b2',
        '',
        '--b2',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; relay.example',
        '',
        'Final-Recipient: rfc822; forwarded@relay.example',
        'Action: failed',
        'Status: 5.2.2',
        '',
        '--b2--',
        '',
      ].join('\r\n'),
    );
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 1 });
    const [bounce] = await runtime().mailbox.store.unmatched(10);
    expect(bounce).toMatchObject({ kind: 'bounce', officeId: null, bounced: [{ address: 'forwarded@relay.example', status: '5.2.2', diagnostic: null }] });
    expect(await runtime().mailbox.inbox.assign(bounce!.id, id, 'user:test')).toBe(true);
    expect(await runtime().mailbox.store.bouncingAddresses(id)).toEqual(['forwarded@relay.example']);
    await coordinatorMail('Mail to Office MAIL-DSN2 bounces: forwarded@relay.example');
    // Already assigned: not again.
    expect(await runtime().mailbox.inbox.assign(bounce!.id, id, 'user:test')).toBe(false);
  });

  test('an unmatched message is listed for the coordinator, who assigns it to its office through the page', async () => {
    const { id } = await invitedOffice('MAIL-UN', [{ name: 'Registry', email: 'registry@office-un.example' }]);
    await imap.deliver(
      [
        'From: Director <director.private@webmail.example>',
        'To: wiponet@localhost',
        'Subject: About your letter',
        'Date: Mon, 02 Mar 2026 11:00:00 +0000',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'We received your letter and accept. Please write to the registry.',
        '',
      ].join('\r\n'),
    );
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: 1 });
    const [unmatched] = await runtime().mailbox.store.unmatched(10);
    expect(unmatched).toMatchObject({ kind: 'reply', officeId: null, subject: 'About your letter' });
    expect(await runtime().mailbox.store.ofOffice(id)).toHaveLength(0);

    // A coordinator signs in, reads the list and assigns the message with the page's form.
    expect((await api(server.url, 'POST', '/api/users', { username: 'cora', displayName: 'Cora', role: 'coordinator', password: 'first-password-1' })).status).toBe(201);
    const signin = await rawRequest(`${server.url}/signin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'cora', password: 'first-password-1', next: '/' }).toString(),
    });
    expect(signin.status).toBe(303);
    const cookie = ([] as string[]).concat(signin.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const list = await rawRequest(`${server.url}/programme/replies`, { headers: { Cookie: cookie } });
    expect(list.status).toBe(200);
    expect(list.body).toContain('About your letter');
    expect(list.body).toContain('director.private@webmail.example');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(list.body)![1]!;
    const action = `/programme/replies/${unmatched!.id}/assign`;
    expect(list.body).toContain(`action="${action}"`);
    const post = (fields: Record<string, string>) =>
      rawRequest(server.url + action, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
        body: new URLSearchParams(fields).toString(),
      });
    expect((await post({ officeId: id })).status).toBe(403);
    expect((await post({ officeId: 'NO-SUCH-OFFICE', _csrf: csrf })).status).toBe(404);
    const assigned = await post({ officeId: id, _csrf: csrf });
    expect(assigned.status).toBe(303);

    const [mail] = await runtime().mailbox.store.ofOffice(id);
    expect(mail).toMatchObject({ id: unmatched!.id, matchedBy: 'coordinator', assignedBy: 'user:cora' });
    expect(await runtime().mailbox.store.unmatched(10)).toHaveLength(0);
    expect((await invitedClock(id)).next_reminder_at).toBeNull();
    const told = await coordinatorMail('Office MAIL-UN replied by email');
    expect(told.text).toContain('We received your letter and accept.');
    const page = await api<string>(server.url, 'GET', `/offices/${id}`, undefined, { accept: 'text/html' });
    expect(page.body).toContain('Reply by email: About your letter');
    const empty = await rawRequest(`${server.url}/programme/replies`, { headers: { Cookie: cookie } });
    expect(empty.body).toContain('No unmatched messages.');
  });

  test('the server’s loop reads the mailbox on its own, and after a restart nothing is read twice', async () => {
    const { id, letter } = await invitedOffice('MAIL-LOOP', [{ name: 'Loop', email: 'loop@office-loop.example' }]);
    runtime().mailbox.start();
    try {
      await imap.deliver(`From: loop@office-loop.example\r\nSubject: Re: letter\r\nIn-Reply-To: ${letter}\r\n\r\nAgreed.\r\n`);
      const end = Date.now() + 15_000;
      while ((await runtime().mailbox.store.ofOffice(id)).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(await runtime().mailbox.store.ofOffice(id)).toHaveLength(1);
    } finally {
      await runtime().mailbox.stop();
    }
    // Every message of the mailbox, matched or not (earlier tests put theirs there too).
    const stored = async () => {
      const offices = (await api<{ offices: { id: string }[] }>(server.url, 'GET', '/api/offices?limit=500')).body.offices;
      const matched = await Promise.all(offices.map((o) => runtime().mailbox.store.ofOffice(o.id)));
      return matched.flat().length + (await runtime().mailbox.store.unmatched(500)).length;
    };
    const before = await stored();
    const inMailbox = (await imap.flags()).size;
    expect(before).toBe(inMailbox);

    // Every message unseen again, as a server that stopped before flagging them would find them.
    await server.close();
    for (const uid of (await imap.flags()).keys()) await imap.unflag(uid, '\\Seen');
    server = await start();
    const sent = smtp.received.length;
    const notices = async () => (await runtime().reminders.outbox.list(undefined, 10_000, 0)).emails.filter((e) => e.kind === 'reply' || e.kind === 'bounce').length;
    const noticesBefore = await notices();
    expect(await runtime().mailbox.pollOnce()).toEqual({ read: inMailbox });
    expect(await notices()).toBe(noticesBefore);
    expect(await stored()).toBe(before);
    await deliverOutbox();
    expect(smtp.received).toHaveLength(sent);
    expect([...(await imap.flags()).values()].every((f) => f.has('\\Seen'))).toBe(true);
  });
});
