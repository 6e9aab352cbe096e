/**
 * An export reads one snapshot: changes committed while it streams are not in it (the file is the
 * one an export taken before them gives), and they commit at once, not after the download. The
 * snapshot is closed when the stream ends and when the client goes away.
 */
import http from 'node:http';
import { importJsonLines } from '../engine/import';
import { exportJsonLines } from '../programme/export';
import type { ExportSnapshot, ExportStore } from '../storage/export-store';
import { rawRequest } from './helpers/raw-http';
import { api, startServer, TEST_ADMIN_TOKEN, type TestServer } from './helpers/server';

jest.setTimeout(180_000);

const OFFICES = 3000;
const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const officeId = (i: number) => `SNAP-${String(i).padStart(5, '0')}`;

let server: TestServer;

/**
 * Counts the snapshots the export route opens and closes. Its history read stops after `HOLD_AFTER`
 * rows until `release()`: the download is then provably mid-stream, whatever the socket buffers
 * would hold, as it is for a slow client.
 */
interface Watch {
  open: number;
  closed: number;
  /** History rows handed to the route so far. */
  rows: number;
  release(): void;
  nextClose(ms?: number): Promise<void>;
}

const HOLD_AFTER = 1000;

function watchSnapshots(): Watch {
  const real: ExportStore = server.runtime.storage.exports;
  const closers = new Set<() => void>();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const watch: Watch = {
    open: 0,
    closed: 0,
    rows: 0,
    release,
    nextClose: (ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no snapshot closed within ${ms} ms`)), ms);
        closers.add(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
  server.runtime.storage.exports = {
    async openSnapshot(): Promise<ExportSnapshot> {
      const snapshot = await real.openSnapshot();
      watch.open++;
      return {
        workshops: () => snapshot.workshops(),
        history: async function* () {
          for await (const row of snapshot.history()) {
            if (++watch.rows === HOLD_AFTER) await held;
            yield row;
          }
        },
        auditTrail: (period) => snapshot.auditTrail(period),
        close: async () => {
          await snapshot.close();
          watch.open--;
          watch.closed++;
          for (const wake of [...closers]) wake();
          closers.clear();
        },
      };
    },
  };
  return watch;
}

/** GET /api/export with the response paused after its first chunk; `rest()` resumes and reads to the end. */
function startExport(): Promise<{ first: string; rest(): Promise<string>; abort(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}/api/export?format=jsonl`, { headers: auth }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`export answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.once('data', (first: string) => {
        res.pause();
        resolve({
          first,
          rest: () =>
            new Promise<string>((done, failed) => {
              let body = '';
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () => done(body));
              res.on('error', failed);
              res.resume();
            }),
          abort: () => req.destroy(),
        });
      });
    });
    req.on('error', reject);
  });
}

/** Changes that touch the start, the middle and the end of the history, and add an office. */
async function commitChanges(): Promise<void> {
  for (const i of [0, 1, Math.floor(OFFICES / 2), OFFICES - 1]) {
    const res = await api(server.url, 'POST', `/api/offices/${officeId(i)}/events`, { type: 'REPLY_AFFIRMATIVE' });
    expect(res.status).toBe(200);
  }
  const added = await api(server.url, 'POST', '/api/offices', { id: 'SNAP-NEW', name: 'Added While Streaming', country: 'PT' });
  expect(added.status).toBe(201);
  const workshop = await api(server.url, 'POST', '/api/workshops', { id: 'SNAP-WS', title: 'Added while streaming', city: 'Lisbon', country: 'PT', start: '2031-03-01', end: '2031-03-02', capacity: 5 });
  expect(workshop.status).toBe(201);
}

beforeEach(async () => {
  server = await startServer();
  const lines: string[] = [];
  for (let i = 0; i < OFFICES; i++) {
    const day = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
    lines.push(JSON.stringify({ kind: 'office', id: officeId(i), name: `Snapshot Office ${i}`, country: 'FR', contacts: [{ name: 'Ada Test', email: `office${i}@example.org` }], at: day.toISOString() }));
    lines.push(JSON.stringify({ kind: 'event', office: officeId(i), type: 'SEND_CIRCULAR', at: new Date(day.getTime() + 1000).toISOString() }));
  }
  await importJsonLines(server.runtime.engine, lines.join('\n'), 'test:import', server.runtime.importKinds);
});

afterEach(async () => {
  await server.close();
});

test('GET /api/export streams the state it began with while writes commit beside it', async () => {
  const before = (await rawRequest(`${server.url}/api/export?format=jsonl`, { headers: auth })).body;
  const watch = watchSnapshots();

  const download = await startExport();
  expect(watch.open).toBe(1);
  const started = performance.now();
  await commitChanges();
  const writesMs = performance.now() - started;
  // Every write above was answered, so committed, while the download's snapshot was open mid-read.
  expect(watch).toMatchObject({ open: 1, closed: 0, rows: HOLD_AFTER });
  const closed = watch.nextClose();
  watch.release();
  const whole = download.first + (await download.rest());
  await closed;

  expect(whole).toBe(before);
  expect(watch).toMatchObject({ open: 0, closed: 1 });
  // The writes are real: an export taken now has them.
  const after = (await rawRequest(`${server.url}/api/export?format=jsonl`, { headers: auth })).body;
  expect(after).not.toBe(before);
  expect(after).toContain('"id":"SNAP-NEW"');
  expect(after).toContain('"id":"SNAP-WS"');
  expect(after.split('\n').filter((l) => l.includes('REPLY_AFFIRMATIVE'))).toHaveLength(4);
  // Not held up by the download: six writes take far less than a busy timeout.
  expect(writesMs).toBeLessThan(server.runtime.config.DB_BUSY_TIMEOUT_MS);
});

test('the snapshot closes when the client goes away mid-download', async () => {
  const watch = watchSnapshots();
  const download = await startExport();
  expect(watch.open).toBe(1);
  const closed = watch.nextClose();
  download.abort();
  watch.release();
  await closed;
  expect(watch).toMatchObject({ open: 0, closed: 1 });
  // Closed because the client left, not because the history ran out.
  expect(watch.rows).toBeLessThan(OFFICES * 2);
  // The server goes on answering, and the next export opens a snapshot of its own.
  expect((await rawRequest(`${server.url}/api/export?format=jsonl`, { headers: auth })).status).toBe(200);
  expect(watch.closed).toBe(2);
  expect(watch.open).toBe(0);
});

test('exportJsonLines reads one snapshot from the first line to the last, whatever the engine commits meanwhile', async () => {
  const collect = async (lines: AsyncIterable<string>) => {
    const all: string[] = [];
    for await (const line of lines) all.push(line);
    return all;
  };
  const before = await collect(exportJsonLines(server.runtime.storage.exports));
  const lines = exportJsonLines(server.runtime.storage.exports)[Symbol.asyncIterator]();
  const first = await lines.next();
  await server.runtime.engine.apply(officeId(OFFICES - 1), { type: 'REPLY_AFFIRMATIVE' }, { actor: 'test' });
  await server.runtime.engine.register({ id: 'SNAP-LATE', name: 'Registered Late', country: 'PT', language: 'pt', track: 'kit', contacts: [] }, { actor: 'test' });
  const rest: string[] = [];
  for (let next = await lines.next(); !next.done; next = await lines.next()) rest.push(next.value);
  expect([first.value as string, ...rest]).toEqual(before);
  const now = await collect(exportJsonLines(server.runtime.storage.exports));
  expect(now).toHaveLength(before.length + 2);
});
