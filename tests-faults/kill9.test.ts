import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { request, type HistoryBody, type OfficeBody } from './helpers/http';
import { HAPPY_PATH, Load } from './helpers/load';
import { runCli, sleep, startServer, tempDir, type ServerHandle } from './helpers/server';
import { TestSmtp } from '../tests/helpers/smtp';

// About 2 minutes on an idle 2-core machine; far longer when the machine is shared.
jest.setTimeout(25 * 60_000);

const KILLS = 5;
/** FAULT_EVENTS shortens a local run; CI and the figures in docs/reliability.md use 10,000. */
const TOTAL_EVENTS = Number(process.env.FAULT_EVENTS ?? 10_000);
/** Offices left waiting in `invited`: their reminders keep the scheduler and the dispatcher busy. */
const IDLE_OFFICES = 40;
const REMINDERS = 20;

test(`kill -9 at ${KILLS} random moments under ${TOTAL_EVENTS} events from 4 clients loses no acknowledged event`, async () => {
  const { dir, cleanup } = tempDir('fault-kill9');
  const file = path.join(dir, 'kill9.db');
  const policies = path.join(dir, 'policies.json');
  // A waiting office reminds its coordinator 2 s after the letter, then every 4 s, 20 times, then
  // escalates: about 840 emails spread over the run, sent by the server's own scheduler and dispatcher.
  fs.writeFileSync(
    policies,
    JSON.stringify({ states: { invited: { sla: 'PT2S', every: 'PT4S', reminders: REMINDERS, recipient: 'coordinator' } } }),
  );
  const smtp = new TestSmtp();
  await smtp.start();
  const env = {
    DB_SYNCHRONOUS: 'FULL',
    SMTP_URL: smtp.url,
    POLICIES_PATH: policies,
    SCHEDULER_INTERVAL_MS: '250',
    DISPATCH_INTERVAL_MS: '250',
  };
  const started = Date.now();
  let server: ServerHandle = await startServer({ databasePath: file, env });
  const port = server.port;
  for (let i = 0; i < IDLE_OFFICES; i++) {
    expect((await request(server.url, 'POST', '/api/offices', { body: { id: `idle-${i}`, name: `Waiting ${i}`, country: 'KE' } })).status).toBe(201);
    expect((await request(server.url, 'POST', `/api/offices/idle-${i}/events`, { body: { type: 'SEND_CIRCULAR' } })).status).toBe(200);
  }
  const load = new Load({ clients: 4, totalEvents: TOTAL_EVENTS, prefix: 'k9' });
  const kills: { afterMs: number; ackedBefore: number; restartMs: number }[] = [];
  try {
    load.setBase(server.url);
    load.start();
    // Random moments spread over the whole load: a random number of acknowledged events, then a
    // random few milliseconds so the kill falls anywhere inside request handling.
    const killPoints = Array.from({ length: KILLS }, () => 300 + Math.floor(Math.random() * (TOTAL_EVENTS - 600))).sort((a, b) => a - b);
    for (const point of killPoints) {
      while (load.ackedEvents < point) await sleep(5);
      const delay = Math.floor(Math.random() * 40);
      await sleep(delay);
      const ackedBefore = load.ackedEvents;
      expect(ackedBefore).toBeLessThan(TOTAL_EVENTS);
      const exit = await server.kill9();
      expect(exit.signal).toBe('SIGKILL');
      load.setBase(null);
      const restartAt = Date.now();
      server = await startServer({ databasePath: file, port, env, startTimeoutMs: 120_000 });
      const restartMs = Date.now() - restartAt;
      load.setBase(server.url);
      kills.push({ afterMs: delay, ackedBefore, restartMs });
      process.stderr.write(`kill9: killed at ${ackedBefore} acknowledged events, restarted in ${restartMs} ms\n`);
    }
    await load.done();
    const loadSeconds = (Date.now() - started) / 1000;

    expect(load.stats.unexpected).toEqual([]);
    expect(load.ackedEvents).toBeGreaterThanOrEqual(TOTAL_EVENTS);

    // Every acknowledged event is in history at the sequence number the server answered with,
    // and each history is exactly a prefix of the happy path: nothing twice, nothing out of order.
    const acksByOffice = new Map<string, Map<number, string>>();
    for (const ack of load.stats.acked) {
      const seqs = acksByOffice.get(ack.officeId) ?? new Map<number, string>();
      seqs.set(ack.seq, ack.type);
      acksByOffice.set(ack.officeId, seqs);
    }
    let eventsInHistory = 0;
    let missing = 0;
    for (const id of new Set(load.stats.registered)) {
      const history = await request<HistoryBody>(server.url, 'GET', `/api/offices/${id}/history`);
      expect(history.status).toBe(200);
      const types = history.body.events.map((e) => e.type);
      expect(types).toEqual(['REGISTERED', ...HAPPY_PATH.slice(0, types.length - 1).map((s) => s.type)]);
      history.body.events.forEach((e, i) => expect(e.seq).toBe(i));
      eventsInHistory += types.length - 1;
      for (const [seq, type] of acksByOffice.get(id) ?? []) {
        if (history.body.events[seq]?.type !== type) missing++;
      }
      const office = await request<OfficeBody>(server.url, 'GET', `/api/offices/${id}`);
      expect(office.body.version).toBe(types.length - 1);
    }
    expect(missing).toBe(0);
    // What is stored is exactly what was acknowledged plus the in-flight requests the server
    // committed before it died (the clients found those when they re-read the office).
    expect(eventsInHistory).toBe(load.ackedEvents + load.stats.appliedWithoutAck);

    // Let the waiting offices run through all their reminders and the dispatcher drain.
    const probe = new Database(file, { readonly: true });
    const pendingTimers = probe.prepare("SELECT count(*) AS n FROM sla_clocks WHERE next_reminder_at IS NOT NULL AND office_id LIKE 'idle-%'");
    const pendingMail = probe.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'");
    const drainDeadline = Date.now() + 180_000;
    while (Date.now() < drainDeadline) {
      const timers = (pendingTimers.get() as { n: number }).n;
      const mail = (pendingMail.get() as { n: number }).n;
      if (timers === 0 && mail === 0) break;
      await sleep(250);
    }
    probe.close();
    // A graceful stop waits for the message in flight, so every row left `sending` was stranded by a kill.
    await server.stop();
    const after = new Database(file, { readonly: true });
    // The reminders' rows: the circular letters of these contact-less offices are failed by design.
    const rows = after.prepare("SELECT office_id, timer_id, message_id, status FROM outbox WHERE kind <> 'circular'").all() as {
      office_id: string;
      timer_id: number;
      message_id: string;
      status: string;
    }[];
    after.close();

    // No Message-ID reached the SMTP server twice; every `sent` row arrived exactly once.
    expect(smtp.duplicates()).toEqual([]);
    const received = new Set(smtp.received.map((m) => m.messageId));
    const known = new Set(rows.map((r) => r.message_id));
    expect([...received].filter((id) => !known.has(id))).toEqual([]);
    const sentRows = rows.filter((r) => r.status === 'sent');
    expect(sentRows.filter((r) => !received.has(r.message_id))).toEqual([]);
    expect(rows.filter((r) => r.status === 'pending' || r.status === 'failed')).toEqual([]);
    // Rows a kill left leased (`sending`): they go again when the lease expires. Those the SMTP
    // server had already accepted are the at-least-once window between its 250 and our commit.
    const orphaned = rows.filter((r) => r.status === 'sending');
    const acceptedButUnmarked = orphaned.filter((r) => received.has(r.message_id)).length;
    // The dispatcher claims one round of concurrent sends (4) at a time: a kill strands no more.
    expect(orphaned.length).toBeLessThanOrEqual(KILLS * 4);
    // Every waiting office got each reminder level and the escalation exactly once.
    for (let i = 0; i < IDLE_OFFICES; i++) {
      const mine = rows.filter((r) => r.office_id === `idle-${i}`);
      expect(mine).toHaveLength(REMINDERS + 1);
      expect(new Set(mine.map((r) => r.timer_id)).size).toBe(REMINDERS + 1);
    }

    const verify = await runCli(file, ['verify']);
    expect(verify.stdout).toMatch(/: 0 difference\(s\)\./);
    expect(verify.code).toBe(0);

    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    console.log(
      JSON.stringify({
        kills,
        ackedEvents: load.ackedEvents,
        appliedWithoutAck: load.stats.appliedWithoutAck,
        networkErrors: load.stats.networkErrors,
        offices: new Set(load.stats.registered).size,
        loadSeconds,
        emails: { outboxRows: rows.length, received: smtp.received.length, sent: sentRows.length, orphanedSending: orphaned.length, acceptedButUnmarked },
        totalSeconds: (Date.now() - started) / 1000,
      }),
    );
  } finally {
    load.stop();
    if (server.proc.exitCode === null && server.proc.signalCode === null) await server.kill9();
    await smtp.stop();
    cleanup();
  }
});
