import { fixedClock } from '../engine/clock';
import { Dispatcher } from '../notifications/dispatcher';
import type { MailTransport } from '../notifications/transport';
import { api, startServer, type TestServer } from './helpers/server';
import { startSmtp, type TestSmtp } from './helpers/smtp';

/**
 * An email SMTP accepted but that was not yet marked sent when the process died: after a restart
 * it is sent again at most once, with the same Message-ID, and shown as possibly sent twice.
 */

const T0 = new Date('2026-03-02T09:00:00Z');
const LEASE_MS = 5 * 60_000;
let smtp: TestSmtp;
let server: TestServer;

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startServer({ config: { SMTP_URL: smtp.url, MAIL_FROM: 'WIPOnet <wiponet@doubt.test>' }, runtime: { clock: fixedClock(T0) } });
  await server.runtime.engine.register(
    { id: 'DOUBT', name: 'Doubt office', country: 'FR', language: 'en', track: 'kit', contacts: [{ name: 'Ada', email: 'ada@office.test' }] },
    { actor: 'test' },
  );
});

afterAll(async () => {
  await server?.close();
  await smtp?.stop();
});

const email = (subject: string) =>
  server.runtime.reminders.outbox.enqueue({
    officeId: 'DOUBT',
    timerId: null,
    kind: 'reminder',
    language: 'en',
    recipients: ['ada@office.test'],
    subject,
    text: 'Hello',
    html: '<p>Hello</p>',
    createdAt: T0,
    sendAfter: T0,
  });

/** A dispatcher whose process "dies" right after SMTP accepted the message: it never marks it. */
function dyingDispatcher(delivered: () => void): Dispatcher {
  const real = server.runtime.reminders.transport;
  const transport: MailTransport = {
    ...real,
    send: async (message) => {
      await real.send(message);
      delivered();
      return new Promise<never>(() => {}); // the process is gone: nothing after this runs
    },
  };
  return new Dispatcher({ outbox: server.runtime.reminders.outbox, transport, from: 'WIPOnet <wiponet@doubt.test>', clock: fixedClock(T0) });
}

const received = (messageId: string) => smtp.received.filter((m) => m.messageId === messageId);
const rowOf = async (id: number) => (await server.runtime.reminders.outbox.get(id))!;

/** Runs a pass of a dispatcher that dies once SMTP has accepted the message; resolves then. */
function crashAfterSending(at: Date): Promise<void> {
  return new Promise<void>((resolve) => void dyingDispatcher(resolve).runPass(at));
}

test('the attempt in doubt is retried once, with the same Message-ID, and flagged', async () => {
  const { id, messageId } = await email('Doubt 1');
  await crashAfterSending(T0);
  expect(received(messageId)).toHaveLength(1);
  expect(await rowOf(id)).toMatchObject({ status: 'sending', attempts: 1 });

  // The restarted process, once the dead one's lease has run out.
  const afterRestart = new Date(T0.getTime() + LEASE_MS + 1000);
  const pass = await server.runtime.reminders.dispatcher.runPass(afterRestart);
  expect(pass.sent).toBe(1);
  expect(received(messageId)).toHaveLength(2);
  expect(await rowOf(id)).toMatchObject({ status: 'sent', attempts: 2, in_doubt: 1 });

  const outbox = await api(server.url, 'GET', '/api/outbox?status=sent');
  expect(outbox.body.emails.find((e: { id: number }) => e.id === id)).toMatchObject({ messageId, possiblySentTwice: true });
  const page = await fetch(`${server.url}/offices/DOUBT`);
  expect(await page.text()).toContain('possibly sent twice');

  // Nothing more goes out for it.
  await server.runtime.reminders.dispatcher.runPass(new Date(afterRestart.getTime() + 10 * LEASE_MS));
  expect(received(messageId)).toHaveLength(2);
});

test('a second attempt in doubt is not risked: the message is failed with the reason, sent no third time', async () => {
  const { id, messageId } = await email('Doubt 2');
  await crashAfterSending(T0);
  const restart1 = new Date(T0.getTime() + LEASE_MS + 1000);
  await crashAfterSending(restart1);
  expect(received(messageId)).toHaveLength(2);
  const restart2 = new Date(restart1.getTime() + LEASE_MS + 1000);
  await server.runtime.reminders.dispatcher.runPass(restart2);
  expect(received(messageId)).toHaveLength(2);
  expect(await rowOf(id)).toMatchObject({ status: 'failed', in_doubt: 2 });
  expect((await rowOf(id)).last_error).toContain('not sent again');
  const ordinary = await email('Fine');
  await server.runtime.reminders.dispatcher.runPass(restart2);
  expect(await rowOf(ordinary.id)).toMatchObject({ status: 'sent', in_doubt: 0 });
  const listed = await api(server.url, 'GET', '/api/outbox?status=sent');
  expect(listed.body.emails.find((e: { id: number }) => e.id === ordinary.id).possiblySentTwice).toBe(false);
});
