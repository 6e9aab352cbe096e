import net from 'node:net';
import { fixedClock } from '../engine/clock';
import { startServer, type TestServer } from './helpers/server';

/**
 * A message being sent stays claimed for eight SMTP timeouts: long enough for any attempt the
 * transport allows, short enough that a dead server's claims reach another soon after.
 */

const T0 = new Date('2026-03-02T09:00:00Z');
// Long enough that the row is read while the attempt hangs, even on a loaded machine.
const SMTP_TIMEOUT_MS = 2_000;
let silent: net.Server;
const sockets = new Set<net.Socket>();
let server: TestServer;

beforeAll(async () => {
  // Accepts connections and never greets: each attempt lasts until the greeting timeout.
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  server = await startServer({
    config: { SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_TIMEOUT_MS, MAIL_RETRY_BASE_MS: 60_000 },
    runtime: { clock: fixedClock(T0) },
  });
  await server.runtime.engine.register(
    { id: 'LEASE', name: 'Lease office', country: 'FR', language: 'en', track: 'kit', contacts: [{ name: 'Ada', email: 'ada@office.test' }] },
    { actor: 'test' },
  );
});

afterAll(async () => {
  await server?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

test('the claim of a message in flight lasts eight SMTP timeouts, and the attempt that timed out is retried later', async () => {
  const { outbox, dispatcher } = server.runtime.reminders;
  const { id } = await outbox.enqueue({
    officeId: 'LEASE',
    timerId: null,
    kind: 'reminder',
    language: 'en',
    recipients: ['ada@office.test'],
    subject: 'Lease',
    text: 'Hello',
    html: '<p>Hello</p>',
    createdAt: T0,
    sendAfter: T0,
  });
  const pass = dispatcher.runPass(T0);

  // While the silent server holds the attempt, the row is claimed until T0 + 8 × the timeout.
  const deadline = Date.now() + 10_000;
  let row = await outbox.get(id);
  while (row?.status !== 'sending' && Date.now() < deadline) row = await outbox.get(id);
  expect(row).toMatchObject({ status: 'sending', lease_until: new Date(T0.getTime() + 8 * SMTP_TIMEOUT_MS).toISOString() });

  expect(await pass).toEqual({ sent: 0, retried: 1, failed: 0 });
  expect(await outbox.get(id)).toMatchObject({ status: 'pending', lease_until: null, attempts: 1 });
});
