/**
 * Optimistic concurrency: updates carrying the same If-Match race; exactly one wins, the others get
 * 412, and history grows by exactly one row. Checked within one server, and between two server
 * processes sharing one SQLite file (where only the database can decide).
 */
import { sampleEvent } from './fixtures/events';
import { api, registerOffice, spawnServer, startServer, type ApiResponse, type ChildServer, type TestServer } from './helpers/server';

// These tests start Node processes (server, CLI): allow for a slow, busy machine.
jest.setTimeout(180_000);

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

const historyLength = async (base: string, id: string) =>
  (await api<{ events: unknown[] }>(base, 'GET', `/api/offices/${id}/history`)).body.events.length;

function expectOneWinner(results: ApiResponse[]): void {
  const statuses = results.map((r) => r.status).sort();
  expect(statuses).toEqual([200, ...Array<number>(results.length - 1).fill(412)]);
  for (const loser of results.filter((r) => r.status === 412)) {
    expect(loser.body.error).toMatchObject({ code: 'version_mismatch', details: { expectedVersion: expect.any(Number), currentVersion: expect.any(Number) } });
  }
}

test('two updates with the same If-Match: one 200, one 412, one new history row', async () => {
  const id = await registerOffice(server.url);
  const before = await historyLength(server.url, id);
  const results = await Promise.all([
    api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('SEND_CIRCULAR'), { 'If-Match': '"0"' }),
    api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('WITHDRAWN'), { 'If-Match': '"0"' }),
  ]);
  expectOneWinner(results);
  expect(await historyLength(server.url, id)).toBe(before + 1);
  const office = await api(server.url, 'GET', `/api/offices/${id}`);
  expect(office.body.version).toBe(1);
  const winner = results.find((r) => r.status === 200)!;
  expect(office.body.states).toEqual(winner.body.states);
});

test('twenty racing updates with the same If-Match: still exactly one winner', async () => {
  const id = await registerOffice(server.url);
  await api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('SEND_CIRCULAR'));
  await api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('REPLY_AFFIRMATIVE'));
  // Both regions accept something here, so every loser is refused for its version alone.
  const types = ['SITE_SURVEYED', 'FOCAL_POINT_NOMINATED'] as const;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent(types[i % 2]!), { 'If-Match': '"2"' }),
    ),
  );
  expectOneWinner(results);
  expect(await historyLength(server.url, id)).toBe(4);
});

test('without If-Match, concurrent events are applied one after the other', async () => {
  const id = await registerOffice(server.url);
  await api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('SEND_CIRCULAR'));
  await api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('REPLY_AFFIRMATIVE'));
  const results = await Promise.all([
    api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('SITE_SURVEYED')),
    api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('FOCAL_POINT_NOMINATED')),
  ]);
  expect(results.map((r) => r.status)).toEqual([200, 200]);
  const office = await api(server.url, 'GET', `/api/offices/${id}`);
  expect(office.body).toMatchObject({ version: 4, states: ['preparing.site.inProgress', 'preparing.training.nominated'] });
});

describe('two server processes on one database file', () => {
  let child: ChildServer;
  beforeAll(async () => {
    child = await spawnServer(server.dbPath);
  });
  afterAll(async () => {
    await child?.kill('SIGTERM');
  });

  test('the same If-Match sent to each: one 200, one 412, one new history row', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await registerOffice(server.url);
      const results = await Promise.all([
        api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('SEND_CIRCULAR'), { 'If-Match': '"0"' }),
        api(child.url, 'POST', `/api/offices/${id}/events`, sampleEvent('SEND_CIRCULAR'), { 'If-Match': '"0"' }),
      ]);
      expectOneWinner(results);
      expect(await historyLength(child.url, id)).toBe(2);
      expect(await historyLength(server.url, id)).toBe(2);
    }
  });
});
