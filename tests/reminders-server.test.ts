import path from 'node:path';
import { fixedClock } from '../engine/clock';
import { api, makeTempDir, removeTempDir, spawnServer, startServer } from './helpers/server';
import { startSmtp, type TestSmtp } from './helpers/smtp';

const DAY = 86_400_000;

/** Waits (bounded) until the JSON log shows each message at least `count` times. */
async function waitForLines(output: () => string, messages: string[], count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = (message: string) => output().split('\n').filter((line) => line.includes(`"msg":"${message}"`)).length;
  while (messages.some((m) => seen(m) < count)) {
    if (Date.now() > deadline) throw new Error(`log lines ${messages.join(', ')} not seen ${count} times:\n${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reminders in the server process', () => {
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

  it('timers that fell due while the server was down fire once at start-up; a restart sends nothing again', async () => {
    const dbPath = path.join(dir, 'server.db');
    // Site work blocked 20 days ago, recorded while no server ran: the 14-day policy of
    // preparing.site.blocked sends its first reminder to the coordinator (no business-hours wait).
    const clock = fixedClock(new Date(Date.now() - 20 * DAY));
    const setup = await startServer({ dbPath, runtime: { clock } });
    const office = { id: 'BLOCKED', name: 'Office', country: 'GB', contacts: [{ name: 'C', email: 'c@office.example' }] };
    expect((await api(setup.url, 'POST', '/api/offices', office)).status).toBe(201);
    for (const event of [{ type: 'SEND_CIRCULAR' }, { type: 'REPLY_AFFIRMATIVE' }, { type: 'SITE_SURVEYED' }, { type: 'SITE_DIFFICULTY', reason: 'No power' }]) {
      expect((await api(setup.url, 'POST', '/api/offices/BLOCKED/events', event)).status).toBe(200);
    }
    await setup.close();

    const env = { SMTP_URL: smtp.url, COORDINATOR_EMAIL: 'coordinator@wipo.example', SCHEDULER_INTERVAL_MS: '200', DISPATCH_INTERVAL_MS: '200' };
    let server = await spawnServer(dbPath, env);
    // The circular letter, written with SEND_CIRCULAR 20 days ago and not sent then, goes too.
    const received = await smtp.waitFor(2);
    expect(received.map((m) => m.to)).toEqual(expect.arrayContaining([['c@office.example'], ['coordinator@wipo.example']]));
    const mail = received.find((m) => m.to.includes('coordinator@wipo.example'));
    expect(mail!.subject).toContain('Site difficulty');
    await server.kill('SIGTERM');

    server = await spawnServer(dbPath, { ...env, LOG_LEVEL: 'debug' });
    // Two full scheduler passes and two delivery passes after the restart: whatever the start-up
    // pass would have resent (a timer fired again, a sent row sent again) has been sent by then.
    await waitForLines(() => server.output(), ['scheduler pass', 'delivery pass'], 2);
    const emails = (await api(server.url, 'GET', '/api/offices/BLOCKED/emails')).body.emails as { status: string }[];
    expect(emails.map((e) => e.status)).toEqual(['sent', 'sent']);
    expect(smtp.received).toHaveLength(2);
    await server.kill('SIGTERM');
  });
});
