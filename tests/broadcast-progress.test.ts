import { api, startServer, type TestServer } from './helpers/server';

/**
 * A broadcast over thousands of offices is background work: while a 2,000-office hold runs, the
 * server keeps answering and GET /api/broadcasts/:id shows the counts moving.
 */

jest.setTimeout(300_000);

const OFFICES = 2000;
let server: TestServer;

beforeAll(async () => {
  // NORMAL: no fsync per office, so the set-up and the run take seconds, not minutes, on a busy machine.
  server = await startServer({ config: { DB_SYNCHRONOUS: 'NORMAL' } });
  const { engine } = server.runtime;
  const steps = [
    { type: 'SEND_CIRCULAR' },
    { type: 'REPLY_AFFIRMATIVE' },
    { type: 'SITE_SURVEYED' },
    { type: 'SITE_READY' },
    { type: 'FOCAL_POINT_NOMINATED', name: 'Focal Point', email: 'fp@example.org' },
    { type: 'ENROLLED', workshopId: 'WS-1' },
    { type: 'TRAINING_COMPLETED' },
  ] as const;
  await engine.transact(async () => {
    for (let i = 0; i < OFFICES; i++) {
      const id = `BP-${String(i).padStart(4, '0')}`;
      await engine.register({ id, name: id, country: 'KE', language: 'en', track: 'kit', contacts: [] }, { actor: 'test' });
      for (const step of steps) await engine.apply(id, step, { actor: 'test' });
    }
  });
  expect((await server.runtime.store.getOffice('BP-1999'))!.states).toEqual(['deployment.awaitingKit']);
});

afterAll(async () => {
  await server?.close();
});

test('a 2,000-office hold: /healthz answers throughout and the progress is seen moving', async () => {
  let finished = false;
  const hold = api(server.url, 'POST', '/api/gold-disk/hold', { reason: 'Customs strike' }).finally(() => {
    finished = true;
  });
  const healthz: number[] = [];
  const progress: number[] = [];
  let id: string | undefined;
  let pageSeen: number | undefined;
  while (!finished) {
    healthz.push((await api(server.url, 'GET', '/healthz')).status);
    id ??= (await api(server.url, 'GET', '/api/broadcasts?limit=1')).body.broadcasts[0]?.id;
    if (id && !finished) {
      const view = await api(server.url, 'GET', `/api/broadcasts/${id}`);
      expect(view.status).toBe(200);
      if (view.body.running) progress.push(view.body.counts.done);
      if (view.body.running && pageSeen === undefined) {
        const page = await fetch(`${server.url}/programme/broadcasts/${id}`);
        const text = await page.text();
        if (/Running: \d+ of 2000 office\(s\) processed/.test(text)) pageSeen = page.status;
      }
    }
  }
  const res = await hold;
  expect(res.status).toBe(200);
  expect(res.body.broadcast).toMatchObject({ running: false, total: OFFICES, counts: { done: OFFICES, pending: 0, skipped: 0, failed: 0 } });
  expect(res.body.broadcast.id).toBe(id);
  expect(healthz.length).toBeGreaterThan(2);
  expect(healthz.every((s) => s === 200)).toBe(true);
  // Counts observed while it ran, strictly between none and all, and at least two different ones.
  const between = progress.filter((done) => done > 0 && done < OFFICES);
  expect(new Set(between).size).toBeGreaterThanOrEqual(2);
  expect([...between].sort((a, b) => a - b)).toEqual(between);
  expect(pageSeen).toBe(200); // the broadcast's page showed the run in progress
  expect((await server.runtime.store.getOffice('BP-0000'))!.states).toEqual(['deployment.onHold']);
});
