import { api, registerOffice, startServer, type TestServer } from './helpers/server';

/** An after-commit hook that throws (a broken live stream, an inspector) never turns a committed change into an error. */

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.close();
});

test('the client gets 200 and history has the row; the failure is reported with office and version', async () => {
  const id = await registerOffice(server.url, { id: 'HOOK-1' });
  const reported: string[] = [];
  server.runtime.engine.onHookError = (error, record) => reported.push(`${record.office.id}@${record.office.version}: ${(error as Error).message}`);
  server.runtime.engine.addHooks({
    afterCommit: () => {
      throw new Error('subscriber gone');
    },
  });
  const res = await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
  expect(res.status).toBe(200);
  expect(res.body.version).toBe(1);
  const history = await api(server.url, 'GET', `/api/offices/${id}/history`);
  expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['REGISTERED', 'SEND_CIRCULAR']);
  expect(reported).toEqual(['HOOK-1@1: subscriber gone']);
});
