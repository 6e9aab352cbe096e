/**
 * Crash: a server process takes a stream of registrations and events from several concurrent
 * clients and is killed with SIGKILL in the middle of it. Restarted on the same file, every request
 * that was acknowledged (2xx) is in history, and `verify` finds no difference.
 */
import path from 'node:path';
import { kitHappyPath, sampleEvent } from './fixtures/events';
import { openRuntime } from '../app/runtime';
import { verify } from '../engine/verify';
import { api, makeTempDir, removeTempDir, runCli, spawnServer, testConfig, type ChildServer } from './helpers/server';

// These tests start Node processes (server, CLI): allow for a slow, busy machine.
jest.setTimeout(180_000);

const CLIENTS = 8;
const KILL_AFTER_ACKS = 250;

interface Ack {
  officeId: string;
  seq: number;
  type: string;
}

let dir: string;
const servers: ChildServer[] = [];
beforeAll(() => {
  dir = makeTempDir('onboarding-crash-');
});
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  removeTempDir(dir);
});

test('every acknowledged event survives a SIGKILL mid-stream, and verify finds no difference', async () => {
  const dbPath = path.join(dir, 'crash.db');
  const first = await spawnServer(dbPath);
  servers.push(first);

  const acks: Ack[] = [];
  let killed = false;
  let failedInFlight = 0;

  const acknowledge = (ack: Ack) => {
    acks.push(ack);
    if (!killed && acks.length >= KILL_AFTER_ACKS) {
      killed = true;
      first.child.kill('SIGKILL');
    }
  };

  // Each client registers offices and takes each along the happy path until the server dies.
  const client = async (c: number) => {
    for (let n = 0; ; n++) {
      const officeId = `CRASH-${c}-${n}`;
      try {
        const reg = await api(first.url, 'POST', '/api/offices', { id: officeId, name: `Crash ${c}/${n}`, country: 'NO' });
        if (reg.status !== 201) throw new Error(`unexpected ${reg.status}: ${JSON.stringify(reg.body)}`);
        acknowledge({ officeId, seq: 0, type: 'REGISTERED' });
        for (const type of kitHappyPath) {
          const res = await api(first.url, 'POST', `/api/offices/${officeId}/events`, sampleEvent(type));
          if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
          acknowledge({ officeId, seq: res.body.version as number, type });
        }
      } catch (error) {
        if (!killed) throw error;
        failedInFlight++;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  expect(await first.exited).toBe('SIGKILL');
  expect(acks.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
  // The kill landed while requests were on the wire, not between two quiet moments.
  expect(failedInFlight).toBeGreaterThan(0);

  const second = await spawnServer(dbPath);
  servers.push(second);
  const byOffice = new Map<string, Ack[]>();
  for (const ack of acks) byOffice.set(ack.officeId, [...(byOffice.get(ack.officeId) ?? []), ack]);
  const missing: Ack[] = [];
  for (const [officeId, officeAcks] of byOffice) {
    const history = await api<{ events: { seq: number; type: string }[] }>(second.url, 'GET', `/api/offices/${officeId}/history`);
    const stored = new Map((history.status === 200 ? history.body.events : []).map((e) => [e.seq, e.type]));
    for (const ack of officeAcks) if (stored.get(ack.seq) !== ack.type) missing.push(ack);
  }
  expect(missing).toEqual([]);

  // verify, through the operator command, while the restarted server runs on the same file.
  const cli = await runCli(dbPath, ['verify']);
  expect(cli.stderr).toBe('');
  expect(cli.stdout).toMatch(/: 0 difference\(s\)\./);
  expect(cli.code).toBe(0);
  const offices = Number(/Verified (\d+) offices/.exec(cli.stdout)?.[1]);
  expect(offices).toBeGreaterThanOrEqual(byOffice.size);

  await second.kill('SIGTERM');
  expect(await second.exited).toBe(0);

  // …and engine/verify.ts directly, once nothing else has the file open.
  const runtime = await openRuntime(testConfig(dbPath));
  try {
    const report = await verify(runtime.store);
    expect(report.differences).toEqual([]);
    expect(report.offices).toBe(offices);
  } finally {
    runtime.close();
  }
});
