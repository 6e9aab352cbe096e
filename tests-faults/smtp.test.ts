import path from 'node:path';
import { loadConfig } from '../config/env';
import { openRuntime, type Runtime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import type { OutboxRow } from '../notifications/outbox';
import { verify } from '../engine/verify';
import { TestSmtp } from '../tests/helpers/smtp';
import { tempDir } from './helpers/server';
import { sqliteDb } from '../tests/helpers/sqlite';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Monday 5 January 2026, 09:00 UTC (10:00 in Paris): circular letters go out. */
const T0 = new Date('2026-01-05T09:00:00Z');
const OFFICES = 6;
const MAX_ATTEMPTS = 5;
const SMTP_TIMEOUT_MS = 800;

describe('SMTP faults: refused, timing out, 4xx then recovering, 5xx for good', () => {
  const { dir, cleanup } = tempDir('fault-smtp');
  const smtp = new TestSmtp();
  const clock = fixedClock(T0);
  let runtime: Runtime;
  const rows = (): OutboxRow[] => (sqliteDb(runtime).prepare('SELECT * FROM outbox ORDER BY id').all() as OutboxRow[]);

  beforeAll(async () => {
    await smtp.start();
    const config = loadConfig({
      DATABASE_PATH: path.join(dir, 'smtp.db'),
      DEMO_DATA: 'off',
      SMTP_URL: smtp.url,
      SMTP_TIMEOUT_MS: String(SMTP_TIMEOUT_MS),
      MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      MAIL_RETRY_BASE_MS: '60000',
      MAIL_FROM: 'WIPOnet Project <wiponet@fault.test>',
      LINK_SECRET: 'fault-test-link-secret-0123456789',
    });
    runtime = await openRuntime(config, { clock });
    // The offices were invited at T0, recorded afterwards: their circular letters went then, so
    // only the reminders are sent here.
    clock.set(new Date(T0.getTime() + HOUR));
    for (let i = 0; i < OFFICES; i++) {
      const id = `smtp-${i}`;
      await runtime.engine.register(
        { id, name: `Office ${i}`, country: 'FR', language: 'fr', track: 'kit', contacts: [{ name: 'Registry', email: `registry${i}@office.test` }] },
        { actor: 'test', at: T0 },
      );
      await runtime.engine.apply(id, { type: 'SEND_CIRCULAR' }, { actor: 'test', at: T0 });
    }
    clock.set(T0);
  });

  afterAll(async () => {
    await smtp.stop();
    runtime?.close();
    cleanup();
  });

  test('messages retry through refusal, timeouts and 4xx, then each is delivered exactly once', async () => {
    // 31 days later, a Thursday morning: the first reminder of every office falls due.
    let now = new Date(T0.getTime() + 31 * DAY);
    await smtp.stop(); // nothing listens: connection refused
    const refused = await runtime.reminders.sweep(now);
    expect(refused.scheduler.reminders).toBe(OFFICES);
    expect(refused.delivery).toEqual({ sent: 0, retried: OFFICES, failed: 0 });
    for (const row of rows()) {
      expect(row.status).toBe('pending');
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/ECONNREFUSED/);
      expect(new Date(row.send_after).getTime()).toBeGreaterThan(now.getTime()); // backoff
    }
    // Nothing is resent before its backoff has passed.
    expect((await runtime.reminders.dispatcher.runPass(now)).sent + smtp.dataAttempts).toBe(0);

    // The server accepts connections but never answers DATA: the client times out.
    smtp.mode = 'hang';
    await smtp.start();
    now = new Date(now.getTime() + 2 * HOUR);
    const hung = await runtime.reminders.dispatcher.runPass(now);
    expect(hung).toEqual({ sent: 0, retried: OFFICES, failed: 0 });
    for (const row of rows()) {
      expect(row.attempts).toBe(2);
      expect(row.last_error).toMatch(/time/i);
    }

    // 451: try again later.
    smtp.mode = 'tempfail';
    now = new Date(now.getTime() + 2 * HOUR);
    const temp = await runtime.reminders.dispatcher.runPass(now);
    expect(temp).toEqual({ sent: 0, retried: OFFICES, failed: 0 });
    for (const row of rows()) {
      expect(row.status).toBe('pending');
      expect(row.attempts).toBe(3);
      expect(row.last_error).toMatch(/451/);
    }
    expect(smtp.received).toHaveLength(0);

    // Recovery: everything goes, once.
    smtp.mode = 'accept';
    now = new Date(now.getTime() + 4 * HOUR);
    const ok = await runtime.reminders.dispatcher.runPass(now);
    expect(ok).toEqual({ sent: OFFICES, retried: 0, failed: 0 });
    for (const row of rows()) {
      expect(row.status).toBe('sent');
      expect(row.attempts).toBe(4);
    }
    expect(smtp.received.map((m) => m.messageId).sort()).toEqual(rows().map((r) => r.message_id).sort());
    expect(smtp.duplicates()).toEqual([]);

    // Later passes, from two dispatchers on two connections to the same file, send nothing again.
    const second = await openRuntime(runtime.config, { clock });
    try {
      const later = new Date(now.getTime() + DAY);
      const [a, b] = await Promise.all([runtime.reminders.dispatcher.runPass(later), second.reminders.dispatcher.runPass(later)]);
      expect(a.sent + b.sent).toBe(0);
    } finally {
      second.close();
    }
    expect(smtp.received).toHaveLength(OFFICES);
  });

  test('a 5xx answer fails the message at once with the reason; 4xx until the last attempt fails it too', async () => {
    const before = rows().length;
    // 14 days after the first reminder: the second one.
    smtp.mode = 'permfail';
    let now = new Date(T0.getTime() + 45 * DAY + 2 * HOUR);
    const perm = await runtime.reminders.sweep(now);
    expect(perm.scheduler.reminders).toBe(OFFICES);
    expect(perm.delivery).toEqual({ sent: 0, retried: 0, failed: OFFICES });
    const permRows = rows().slice(before);
    for (const row of permRows) {
      expect(row.status).toBe('failed');
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/550/);
    }
    // The failure is visible per office through the API's view of the outbox.
    expect((await runtime.reminders.outbox.list('failed', 100, 0)).total).toBe(OFFICES);

    // Third reminder: 451 on every attempt until MAIL_MAX_ATTEMPTS, then `failed` with the last reason.
    smtp.mode = 'tempfail';
    now = new Date(T0.getTime() + 59 * DAY + 2 * HOUR);
    const third = await runtime.reminders.sweep(now);
    expect(third.scheduler.reminders).toBe(OFFICES);
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      now = new Date(now.getTime() + 8 * HOUR); // past any backoff of these attempts
      await runtime.reminders.dispatcher.runPass(now);
    }
    const thirdRows = rows().slice(before + OFFICES);
    expect(thirdRows).toHaveLength(OFFICES);
    for (const row of thirdRows) {
      expect(row.status).toBe('failed');
      expect(row.attempts).toBe(MAX_ATTEMPTS);
      expect(row.last_error).toMatch(/451/);
    }

    // Failed messages are not sent when the server recovers; nothing was lost, nothing sent twice.
    smtp.mode = 'accept';
    expect((await runtime.reminders.dispatcher.runPass(new Date(now.getTime() + DAY))).sent).toBe(0);
    expect(smtp.received).toHaveLength(OFFICES);
    expect(smtp.duplicates()).toEqual([]);
    const statuses = rows().map((r) => r.status);
    expect(statuses.filter((s) => s === 'pending' || s === 'sending')).toEqual([]);
    expect((await verify(runtime.store)).differences).toEqual([]);
  });
});
