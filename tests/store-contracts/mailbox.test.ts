/** MailboxStore: the same answers from storage/mailbox-store.ts and storage/postgres/mailbox-store.ts. */
import type { NewInboundMail } from '../../storage/mailbox-store';
import type { Contact } from '../../storage/types';
import { forEachMailExportBackend, type Backend } from './mail-export-backends';

const T = (minute: number, ms = 0) => new Date(Date.UTC(2026, 2, 2, 9, minute, 0, ms)).toISOString();

const mail = (uid: number, extra: Partial<NewInboundMail> = {}): NewInboundMail => ({
  mailbox: 'INBOX',
  uidValidity: 7,
  uid,
  messageId: `<m${uid}@office.example>`,
  kind: 'reply',
  sender: 'ana@office.example',
  subject: `Re: circular ${uid}`,
  sentAt: T(uid),
  receivedAt: T(uid, 5),
  text: `reply ${uid}, écrit à la main`,
  attachments: [],
  bounced: [],
  officeId: null,
  answers: null,
  matchedBy: null,
  ...extra,
});

async function office(b: Backend, id: string, contacts: Contact[] = []) {
  await b.engine.register({ id, name: `Office ${id}`, country: 'FR', language: 'fr', track: 'kit', contacts }, { actor: 'test' });
}

forEachMailExportBackend('MailboxStore', (backend) => {
  let b: Backend;
  beforeEach(async () => {
    b = backend();
    await office(b, 'FR-1', [
      { name: 'Ana', email: 'Ana.Lopez@Office.example', role: 'director' },
      { name: 'Émile', email: 'ÉMILE@office.example' },
    ]);
    await office(b, 'DE-1', [{ name: 'Ana', email: 'ana.lopez@office.example' }]);
    await office(b, 'CH-1');
  });

  test('insert answers the id once per place in the mailbox; get reads every field back', async () => {
    const m = b.mailbox;
    expect(await m.isStored('INBOX', 7, 1)).toBe(false);
    const bounce = mail(1, {
      kind: 'bounce',
      sentAt: null,
      attachments: ['report.txt', 'message.eml'],
      bounced: [{ address: 'gone@office.example', status: '5.1.1', diagnostic: 'user unknown' }, { address: 'full@office.example', status: null, diagnostic: null }],
      officeId: 'FR-1',
      answers: '<out-1@onboarding>',
      matchedBy: 'in-reply-to',
    });
    expect(await m.insert(bounce)).toBe(1);
    expect(await m.insert(mail(2))).toBe(2);
    expect(await m.insert({ ...bounce, subject: 'again' })).toBeNull();
    expect(await m.insert(mail(1, { uidValidity: 8 }))).toBe(3);
    expect([await m.isStored('INBOX', 7, 1), await m.isStored('INBOX', 8, 1), await m.isStored('Other', 7, 1)]).toEqual([true, true, false]);

    const stored = await m.get(1);
    expect(stored).toEqual({ id: 1, ...bounce, assignedBy: null, assignedAt: null });
    expect(JSON.stringify(stored!.bounced)).toBe(JSON.stringify(bounce.bounced));
    expect(await m.get(2)).toMatchObject({ sentAt: T(2), receivedAt: T(2, 5), officeId: null, attachments: [], bounced: [] });
    expect(await m.get(99)).toBeUndefined();
  });

  test('an office that does not exist is refused', async () => {
    await expect(b.mailbox.insert(mail(1, { officeId: 'XX-0' }))).rejects.toMatchObject({ message: expect.stringMatching(/foreign key/i) });
    expect(await b.mailbox.isStored('INBOX', 7, 1)).toBe(false);
  });

  test('an office\'s mail and the unmatched mail, oldest first (ties by id); assign gives unmatched mail once', async () => {
    const m = b.mailbox;
    await m.insert(mail(1, { receivedAt: T(30), officeId: 'FR-1', matchedBy: 'sender' }));
    await m.insert(mail(2, { receivedAt: T(10) }));
    await m.insert(mail(3, { receivedAt: T(20), officeId: 'FR-1', matchedBy: 'references' }));
    await m.insert(mail(4, { receivedAt: T(10) }));
    await m.insert(mail(5, { receivedAt: T(5) }));
    expect((await m.ofOffice('FR-1')).map((x) => x.id)).toEqual([3, 1]);
    expect((await m.unmatched(10)).map((x) => x.id)).toEqual([5, 2, 4]);
    expect((await m.unmatched(2)).map((x) => x.id)).toEqual([5, 2]);

    expect(await m.assign(2, 'DE-1', 'alice', T(40))).toBe(true);
    expect(await m.assign(2, 'FR-1', 'bob', T(41))).toBe(false);
    expect(await m.assign(3, 'DE-1', 'bob', T(41))).toBe(false);
    expect(await m.assign(99, 'DE-1', 'bob', T(41))).toBe(false);
    expect(await m.get(2)).toMatchObject({ officeId: 'DE-1', matchedBy: 'coordinator', assignedBy: 'alice', assignedAt: T(40) });
    expect((await m.unmatched(10)).map((x) => x.id)).toEqual([5, 4]);
    expect((await m.ofOffice('DE-1')).map((x) => x.id)).toEqual([2]);
    expect(await m.ofOffice('CH-1')).toEqual([]);
  });

  test('sentMessage: the newest of our messages to an office among the ids, with the state of its reminder', async () => {
    await b.fixture(
      `INSERT INTO reminder_timers (office_id, state, entry_seq, level, kind, nominal_at, due_at, created_at)
       VALUES ('FR-1', 'contacted.awaitingReply', 1, 1, 'reminder', $1, $1, $1)`,
      [T(0)],
    );
    const outbox = (messageId: string, officeId: string | null, timerId: number | null) =>
      b.fixture(
        `INSERT INTO outbox (message_id, office_id, timer_id, kind, language, recipients, subject, text_body, html_body, created_at, send_after)
         VALUES ($1, $2, $3, 'reminder', 'fr', '[]', 's', 't', 'h', $4, $4)`,
        [messageId, officeId, timerId, T(0)],
      );
    await outbox('<a@onboarding>', 'FR-1', 1);
    await outbox('<b@onboarding>', 'FR-1', null);
    await outbox('<c@onboarding>', null, null);
    const m = b.mailbox;
    expect(await m.sentMessage([])).toBeUndefined();
    expect(await m.sentMessage(['<nope@x>'])).toBeUndefined();
    expect(await m.sentMessage(['<a@onboarding>', '<nope@x>'])).toEqual({ officeId: 'FR-1', messageId: '<a@onboarding>', state: 'contacted.awaitingReply' });
    expect(await m.sentMessage(['<a@onboarding>', '<b@onboarding>'])).toEqual({ officeId: 'FR-1', messageId: '<b@onboarding>', state: null });
    expect(await m.sentMessage(['<c@onboarding>'])).toBeUndefined();
  });

  test('officesWithContact folds ASCII case and trims, as SQLite\'s lower() and trim() do', async () => {
    const m = b.mailbox;
    expect(await m.officesWithContact(' ANA.lopez@office.EXAMPLE ')).toEqual(['DE-1', 'FR-1']);
    expect(await m.officesWithContact('émile@office.example')).toEqual([]);
    expect(await m.officesWithContact('nobody@office.example')).toEqual([]);
  });

  test('replied and bouncing flags per contact address; clearing counts the bouncing ones', async () => {
    const m = b.mailbox;
    await m.markReplied('FR-1', ' Ana.Lopez@Office.example', T(1));
    await m.markBouncing('FR-1', 'Zed@office.example', T(2), '5.1.1 user unknown');
    await m.markBouncing('FR-1', 'ana.lopez@office.example', T(3), 'mailbox full');
    await m.markReplied('FR-1', 'ana.lopez@office.example', T(4));
    await m.markBouncing('FR-1', 'B@office.example', T(5), 'gone');
    await m.markBouncing('DE-1', 'x@office.example', T(5), 'gone');
    expect(await m.contactsOf('FR-1')).toEqual([
      { officeId: 'FR-1', address: 'ana.lopez@office.example', repliedAt: T(4), bouncingAt: T(3), bounceReason: 'mailbox full' },
      { officeId: 'FR-1', address: 'b@office.example', repliedAt: null, bouncingAt: T(5), bounceReason: 'gone' },
      { officeId: 'FR-1', address: 'zed@office.example', repliedAt: null, bouncingAt: T(2), bounceReason: '5.1.1 user unknown' },
    ]);
    expect(await m.bouncingAddresses('FR-1')).toEqual(['ana.lopez@office.example', 'b@office.example', 'zed@office.example']);
    expect(await m.clearBouncing('FR-1')).toBe(3);
    expect(await m.clearBouncing('FR-1')).toBe(0);
    expect(await m.bouncingAddresses('FR-1')).toEqual([]);
    expect(await m.contactsOf('FR-1')).toEqual([
      { officeId: 'FR-1', address: 'ana.lopez@office.example', repliedAt: T(4), bouncingAt: null, bounceReason: null },
      { officeId: 'FR-1', address: 'b@office.example', repliedAt: null, bouncingAt: null, bounceReason: null },
      { officeId: 'FR-1', address: 'zed@office.example', repliedAt: null, bouncingAt: null, bounceReason: null },
    ]);
    expect(await m.bouncingAddresses('DE-1')).toEqual(['x@office.example']);
    expect(await m.contactsOf('CH-1')).toEqual([]);
  });

  test('stopReminders ends the pending sequences of the office\'s own states only, answering them by state', async () => {
    const clock = (officeId: string, state: string, owner: string, level: number | null) =>
      b.fixture(
        `INSERT INTO sla_clocks (office_id, state, entry_seq, stage, owner, entered_at, deadline, next_reminder_at, next_level, next_nominal_at)
         VALUES ($1, $2, 1, 'contacted', $3, $4, $4, $5, $6, $5)`,
        [officeId, state, owner, T(0), level === null ? null : T(60), level],
      );
    await clock('FR-1', 'preparing.site', 'office', 1);
    await clock('FR-1', 'contacted.awaitingReply', 'office', 2);
    await clock('FR-1', 'preparing.kit', 'wipo', 1);
    await clock('FR-1', 'preparing.Focal', 'office', null);
    await clock('DE-1', 'contacted.awaitingReply', 'office', 1);
    expect(await b.mailbox.stopReminders('FR-1')).toEqual(['contacted.awaitingReply', 'preparing.site']);
    expect(await b.mailbox.stopReminders('FR-1')).toEqual([]);
    expect(await b.mailbox.stopReminders('DE-1')).toEqual(['contacted.awaitingReply']);
  });
});
