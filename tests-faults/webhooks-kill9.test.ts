import path from 'node:path';
import Database from 'better-sqlite3';
import { request } from './helpers/http';
import { sleep, startServer, tempDir, type ServerHandle } from './helpers/server';
import { startReceiver } from '../tests/helpers/webhook-receiver';

jest.setTimeout(5 * 60_000);

const OFFICES = 30;

test('kill -9 between the commit of transitions and their webhook deliveries loses none of them', async () => {
  const { dir, cleanup } = tempDir('fault-webhooks');
  const file = path.join(dir, 'webhooks.db');
  let secret = '';
  const receiver = await startReceiver(() => secret);
  // The receiver takes requests and never answers: deliveries are committed, some in flight, none done.
  receiver.setMode('hang');
  const env = {
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_INTERVAL_MS: '200',
    WEBHOOK_RETRY_BASE_MS: '200',
  };
  let server: ServerHandle = await startServer({ databasePath: file, env });
  try {
    const created = await request<{ id: string; secret: string }>(server.url, 'POST', '/api/webhooks', {
      body: { url: receiver.url, events: ['office.transition'] },
    });
    expect(created.status).toBe(201);
    secret = created.body.secret;

    const expected = new Set<string>();
    for (let i = 0; i < OFFICES; i++) {
      const id = `wh-${i}`;
      expect((await request(server.url, 'POST', '/api/offices', { body: { id, name: `Office ${i}`, country: 'KE' } })).status).toBe(201);
      expect((await request(server.url, 'POST', `/api/offices/${id}/events`, { body: { type: 'SEND_CIRCULAR' } })).status).toBe(200);
      expected.add(`${id}:REGISTERED`).add(`${id}:SEND_CIRCULAR`);
    }
    // The dispatcher has started sending (and is waiting on the receiver) when the process dies.
    await receiver.waitFor(1);
    const exit = await server.kill9();
    expect(exit.signal).toBe('SIGKILL');

    const db = new Database(file, { readonly: true });
    const unsent = db.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'").get() as { n: number };
    db.close();
    expect(unsent.n).toBe(expected.size);

    receiver.setMode('ok');
    server = await startServer({ databasePath: file, env });
    const deadline = Date.now() + 120_000;
    const got = () =>
      new Set(
        receiver.received
          .filter((r) => r.signatureValid)
          .map((r) => JSON.parse(r.body) as { data: { office: { id: string }; event: { type: string } } })
          .map((b) => `${b.data.office.id}:${b.data.event.type}`),
      );
    while ([...expected].some((key) => !got().has(key)) && Date.now() < deadline) await sleep(200);
    expect([...expected].filter((key) => !got().has(key))).toEqual([]);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);

    // Every delivery ends delivered; the ones cut off by the kill were sent again under their own webhook-id.
    let left = Infinity;
    while (left > 0 && Date.now() < deadline) {
      const check = new Database(file, { readonly: true });
      left = (check.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'").get() as { n: number }).n;
      check.close();
      if (left > 0) await sleep(200);
    }
    expect(left).toBe(0);
    const ids = new Set(receiver.received.map((r) => r.id));
    expect(ids.size).toBe(expected.size);
  } finally {
    await server.stop();
    await receiver.close();
    cleanup();
  }
});
