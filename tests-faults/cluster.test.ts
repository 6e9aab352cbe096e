/**
 * Several servers on one PostgreSQL database (issue 15 §4): three server processes, 8 clients
 * spreading 5,000 events over them round-robin, one server killed with SIGKILL at a random moment
 * and restarted 2 s later. Afterwards every acknowledged event is in history, no office's history
 * has a gap or a fork, `verify` is clean, each reminder reached the SMTP server once, and a live
 * stream on server B saw every transition made through any server, each office in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { request, ADMIN_TOKEN, type HistoryBody } from './helpers/http';
import { HAPPY_PATH, Load } from './helpers/load';
import { runCli, sleep, startServer, tempDir, type ServerHandle } from './helpers/server';
import { describeIfPostgres, freshDatabase } from '../tests/helpers/postgres';
import { TestSmtp } from '../tests/helpers/smtp';

jest.setTimeout(25 * 60_000);

const TOTAL_EVENTS = Number(process.env.FAULT_EVENTS ?? 5_000);
const IDLE_OFFICES = 10;
const REMINDERS = 3;

/** The `transition` events of one live stream, as they arrive. */
async function follow(url: string, seen: { office: string; version: number; id: number }[]): Promise<AbortController> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/events/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const frames = (rest + decoder.decode(chunk, { stream: true })).split('\n\n');
        rest = frames.pop() ?? '';
        for (const frame of frames) {
          const id = /^id: (\d+)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (!id || !data) continue;
          const message = JSON.parse(data) as { office: string; version: number };
          seen.push({ office: message.office, version: message.version, id: Number(id) });
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  return abort;
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

describeIfPostgres('three servers on one PostgreSQL database', () => {
  test(`${TOTAL_EVENTS} events over three servers, one killed -9 and restarted: nothing acknowledged lost, no fork, each reminder once, every server's transitions on B's stream`, async () => {
    const { dir, cleanup } = tempDir('fault-cluster');
    const database = await freshDatabase();
    const smtp = new TestSmtp();
    await smtp.start();
    const policies = path.join(dir, 'policies.json');
    fs.writeFileSync(policies, JSON.stringify({ states: { invited: { sla: 'PT2S', every: 'PT3S', reminders: REMINDERS, recipient: 'coordinator' } } }));
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '4',
      SMTP_URL: smtp.url,
      // A killed server's claimed messages go to another once their lease (8 × this) has run out.
      SMTP_TIMEOUT_MS: '5000',
      POLICIES_PATH: policies,
      SCHEDULER_INTERVAL_MS: '250',
      DISPATCH_INTERVAL_MS: '250',
      LINK_SECRET: 'cluster-test-link-secret-0123456789',
    };
    const file = path.join(dir, 'unused.db');
    const servers: ServerHandle[] = [];
    const load = new Load({ clients: 8, totalEvents: TOTAL_EVENTS, prefix: 'cl' });
    const seen: { office: string; version: number; id: number }[] = [];
    let stream: AbortController | undefined;
    try {
      // Three servers starting together on an empty database: one set of migrations.
      servers.push(...(await Promise.all([0, 1, 2].map(() => startServer({ databasePath: file, env, startTimeoutMs: 120_000 })))));
      const [a, b] = servers as [ServerHandle, ServerHandle, ServerHandle];
      stream = await follow(b.url, seen);
      for (let i = 0; i < IDLE_OFFICES; i++) {
        expect((await request(a.url, 'POST', '/api/offices', { body: { id: `idle-${i}`, name: `Waiting ${i}`, country: 'KE' } })).status).toBe(201);
        expect((await request(servers[2]!.url, 'POST', `/api/offices/idle-${i}/events`, { body: { type: 'SEND_CIRCULAR' } })).status).toBe(200);
      }

      load.setBases(servers.map((s) => s.url));
      load.start();
      // FAULT_KILL_AT fixes the moment of the kill (in acknowledged events) to revisit a failed run; the victim stays random.
      const killAt = Number(process.env.FAULT_KILL_AT ?? 500 + Math.floor(Math.random() * (TOTAL_EVENTS - 1500)));
      await until(() => load.ackedEvents >= killAt, 15 * 60_000, `${killAt} acknowledged events`);
      await sleep(Math.floor(Math.random() * 40));
      const victim = Math.random() < 0.5 ? 0 : 2;
      const killed = servers[victim]!;
      const ackedAtKill = load.ackedEvents;
      expect((await killed.kill9()).signal).toBe('SIGKILL');
      load.setBases(servers.map((s, i) => (i === victim ? null : s.url)));
      await sleep(2000);
      servers[victim] = await startServer({ databasePath: file, port: killed.port, env, startTimeoutMs: 120_000 });
      load.setBases(servers.map((s) => s.url));
      process.stderr.write(`cluster: server ${victim} killed at ${ackedAtKill} acknowledged events and restarted\n`);
      await load.done();

      expect(load.stats.unexpected).toEqual([]);
      expect(load.ackedEvents).toBeGreaterThanOrEqual(TOTAL_EVENTS);

      // Every acknowledged event at the sequence it was answered with; each history a prefix of
      // the happy path, numbered without a gap.
      const acked = new Map<string, Map<number, string>>();
      for (const ack of load.stats.acked) acked.set(ack.officeId, (acked.get(ack.officeId) ?? new Map()).set(ack.seq, ack.type));
      const finalVersion = new Map<string, number>();
      let missing = 0;
      for (const id of new Set(load.stats.registered)) {
        const history = await request<HistoryBody>(b.url, 'GET', `/api/offices/${id}/history`);
        const types = history.body.events.map((e) => e.type);
        expect(types).toEqual(['REGISTERED', ...HAPPY_PATH.slice(0, types.length - 1).map((s) => s.type)]);
        history.body.events.forEach((e, i) => expect(e.seq).toBe(i));
        for (const [seq, type] of acked.get(id) ?? []) if (history.body.events[seq]?.type !== type) missing++;
        finalVersion.set(id, types.length - 1);
      }
      expect(missing).toBe(0);

      // B's stream: every transition of every server, each office's versions in order, once.
      await until(() => [...finalVersion].every(([id, v]) => seen.some((s) => s.office === id && s.version === v)), 30_000, "B's stream to catch up");
      for (const [id, v] of finalVersion) {
        expect({ id, versions: seen.filter((s) => s.office === id).map((s) => s.version) }).toEqual({ id, versions: Array.from({ length: v + 1 }, (_, i) => i) });
      }
      expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);

      // The waiting offices' reminders and escalations, each sent once across the cluster.
      const pg = new Client({ connectionString: database.url });
      await pg.connect();
      try {
        const expected = IDLE_OFFICES * (REMINDERS + 1);
        const reminderRows = async () =>
          (await pg.query<{ office_id: string; timer_id: number; message_id: string; status: string }>(
            "SELECT office_id, timer_id, message_id, status FROM outbox WHERE office_id LIKE 'idle-%' AND kind <> 'circular'",
          )).rows;
        await until(async () => (await reminderRows()).filter((r) => r.status === 'sent').length >= expected, 180_000, 'every reminder sent').catch(
          async (error: unknown) => {
            // Which messages are missing, and who holds them, say why the wait ran out.
            const unsent = await pg.query(
              "SELECT office_id, timer_id, kind, status, attempts, lease_owner, lease_until, last_error FROM outbox WHERE office_id LIKE 'idle-%' AND status <> 'sent'",
            );
            const clocks = await pg.query("SELECT office_id, state, reminders_sent, next_level, next_reminder_at, lease_owner, lease_until FROM sla_clocks WHERE office_id LIKE 'idle-%'");
            throw new Error(`${(error as Error).message}; at ${new Date().toISOString()}, unsent ${JSON.stringify(unsent.rows)}; clocks ${JSON.stringify(clocks.rows)}`);
          },
        );
        const rows = await reminderRows();
        expect(rows).toHaveLength(expected);
        for (let i = 0; i < IDLE_OFFICES; i++) expect(new Set(rows.filter((r) => r.office_id === `idle-${i}`).map((r) => r.timer_id)).size).toBe(REMINDERS + 1);
        // Sent twice only when the kill cut an attempt short after the SMTP server had accepted it:
        // that message was retried once, and says so (in_doubt).
        const inDoubt = new Set((await pg.query<{ message_id: string }>('SELECT message_id FROM outbox WHERE in_doubt > 0')).rows.map((r) => r.message_id));
        expect(smtp.duplicates().filter((id) => !inDoubt.has(id))).toEqual([]);
        expect(smtp.received.filter((m) => inDoubt.has(m.messageId)).length).toBeLessThanOrEqual(2 * inDoubt.size);
        const received = new Set(smtp.received.map((m) => m.messageId));
        expect(rows.filter((r) => !received.has(r.message_id))).toEqual([]);
      } finally {
        await pg.end();
      }

      const verify = await runCli(file, ['verify'], { DATABASE_URL: database.url });
      expect(verify.stdout).toMatch(/: 0 difference\(s\)\./);
      expect(verify.code).toBe(0);
      console.log(JSON.stringify({ ackedEvents: load.ackedEvents, appliedWithoutAck: load.stats.appliedWithoutAck, networkErrors: load.stats.networkErrors, killedServer: victim, ackedAtKill, streamMessages: seen.length, emails: smtp.received.length }));
    } finally {
      load.stop();
      stream?.abort();
      for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await s.kill9();
      await smtp.stop();
      await database.drop();
      cleanup();
    }
  });
});
