/**
 * The request log: one line per request with its id, method, path, route and status, and none of the
 * credentials a request carries (bearer tokens, session cookies, a reply link's signed token).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { openRuntime, type Runtime } from '../app/runtime';
import { createApp } from '../server/app';
import { makeTempDir, registerOffice, removeTempDir, TEST_ADMIN_TOKEN, testConfig } from './helpers/server';

interface LogLine {
  msg: string;
  level: number;
  route?: string;
  req: Record<string, unknown>;
  res: Record<string, unknown>;
}

let dir: string;
let runtime: Runtime;
let server: Server;
let base: string;
const lines: LogLine[] = [];
const raw: string[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  runtime = await openRuntime(testConfig(`${dir}/onboarding.db`));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  const { app } = createApp(runtime, pino({ level: 'info' }, sink));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  runtime.close();
  removeTempDir(dir);
});

/** The line logged for the request that answered with this X-Request-Id (logged once the response finished). */
async function lineFor(res: Response): Promise<LogLine> {
  const id = res.headers.get('x-request-id');
  expect(id).toBeTruthy();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = lines.find((l) => l.req.id === id);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no log line for request ${id}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a request is logged with its id, method, path, route and status, and without its bearer token', async () => {
  const id = await registerOffice(base);
  const res = await fetch(`${base}/api/offices/${id}?x=1`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'x-request-id': 'log-test-1' } });
  expect(res.status).toBe(200);
  const line = await lineFor(res);
  expect(line).toMatchObject({ msg: 'request completed', level: 30, route: '/api/offices/:id', req: { id: 'log-test-1', method: 'GET', url: `/api/offices/${id}?x=1` }, res: { statusCode: 200 } });
  expect(raw.join('\n')).not.toContain(TEST_ADMIN_TOKEN);
  expect(line.req).not.toHaveProperty('headers');
  expect(line.res).not.toHaveProperty('headers');
});

test('a session cookie and a reply link token stay out of the log', async () => {
  const cookie = 'oo_session=session-secret-7f3a9c';
  const page = await fetch(`${base}/offices`, { headers: { cookie } });
  await lineFor(page);
  const token = 'eyJvIjoiWCJ9.signature-secret-41d2';
  const link = await fetch(`${base}/r/${token}`);
  expect(link.status).toBeGreaterThanOrEqual(400);
  const line = await lineFor(link);
  expect(line.req.url).toBe('/r/…');
  const all = raw.join('\n');
  expect(all).not.toContain('session-secret-7f3a9c');
  expect(all).not.toContain('signature-secret-41d2');
});

test("a refused request is logged at info: the client's mistake is not the server's error", async () => {
  const bad = await fetch(`${base}/api/offices/NOPE/events`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"type":"NOPE"}' });
  expect(bad.status).toBe(400);
  expect((await lineFor(bad)).level).toBe(30);
});
