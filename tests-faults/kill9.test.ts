import path from 'node:path';
import Database from 'better-sqlite3';
import { request, type HistoryBody, type OfficeBody } from './helpers/http';
import { HAPPY_PATH, Load } from './helpers/load';
import { runCli, sleep, startServer, tempDir, type ServerHandle } from './helpers/server';

jest.setTimeout(8 * 60_000);

const KILLS = 5;
const TOTAL_EVENTS = 10_000;

test(`kill -9 at ${KILLS} random moments under ${TOTAL_EVENTS} events from 4 clients loses no acknowledged event`, async () => {
  const { dir, cleanup } = tempDir('fault-kill9');
  const file = path.join(dir, 'kill9.db');
  const started = Date.now();
  let server: ServerHandle = await startServer({ databasePath: file, env: { DB_SYNCHRONOUS: 'FULL' } });
  const port = server.port;
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
      server = await startServer({ databasePath: file, port, env: { DB_SYNCHRONOUS: 'FULL' } });
      const restartMs = Date.now() - restartAt;
      load.setBase(server.url);
      kills.push({ afterMs: delay, ackedBefore, restartMs });
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

    const verify = await runCli(file, ['verify']);
    expect(verify.stdout).toMatch(/: 0 difference\(s\)\./);
    expect(verify.code).toBe(0);

    await server.stop();
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
        totalSeconds: (Date.now() - started) / 1000,
      }),
    );
  } finally {
    load.stop();
    if (server.proc.exitCode === null && server.proc.signalCode === null) await server.kill9();
    cleanup();
  }
});
