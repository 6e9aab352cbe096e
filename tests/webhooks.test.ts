import { rawRequest } from './helpers/raw-http';
import { api, registerOffice, startServer, type TestServer } from './helpers/server';
import { startReceiver, verifyStandardWebhook } from './helpers/webhook-receiver';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
const HOUR = 3_600_000;

describe('outbound webhooks against a real receiver', () => {
  let server: TestServer;
  let receiver: Receiver;
  let secret = '';
  let hookId = '';

  beforeAll(async () => {
    server = await startServer({ config: { WEBHOOK_ALLOW_PRIVATE: true, WEBHOOK_TIMEOUT_MS: 1000, WEBHOOK_RETRY_BASE_MS: 60_000 } });
    receiver = await startReceiver(() => secret);
    const res = await api(server.url, 'POST', '/api/webhooks', {
      url: receiver.url,
      description: 'ticketing',
      events: ['office.transition', 'office.stalled', 'office.stuck', 'email.failed', 'broadcast.finished'],
    });
    expect(res.status).toBe(201);
    secret = res.body.secret;
    hookId = res.body.id;
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const deliveries = async (id = hookId) => (await api(server.url, 'GET', `/api/webhooks/${id}/deliveries`)).body;
  const pass = (at?: Date) => server.runtime.webhooks.dispatcher.runPass(at);
  const bodyOf = (i: number) => JSON.parse(receiver.received[i]!.body) as { type: string; timestamp: string; data: Record<string, unknown> };

  it('shows the secret once, in the Standard Webhooks form, and never again', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const list = await api(server.url, 'GET', '/api/webhooks');
    expect(list.status).toBe(200);
    expect(list.body.webhooks).toEqual([expect.objectContaining({ id: hookId, url: receiver.url, enabled: true, failingSince: null })]);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(6, 20));
    expect(JSON.stringify((await api(server.url, 'GET', `/api/webhooks/${hookId}`)).body)).not.toContain(secret.slice(6, 20));
  });

  it('writes the delivery with the transition, then sends it signed', async () => {
    const id = await registerOffice(server.url, { name: 'Webhook Office' });
    const before = (await deliveries()).total;
    const res = await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' }, { 'X-Request-Id': 'wh-req-1' });
    expect(res.status).toBe(200);
    // Committed with the transition: there before any dispatcher ran.
    const listed = await deliveries();
    expect(listed.total).toBe(before + 1);
    expect(listed.deliveries[0]).toMatchObject({ event: 'office.transition', status: 'pending', attempts: 0, responseStatus: null });

    const now = new Date();
    const result = await pass(now);
    expect(result.delivered).toBeGreaterThanOrEqual(1);
    const mine = receiver.received.findIndex((r) => JSON.parse(r.body).data.event?.type === 'SEND_CIRCULAR');
    expect(mine).toBeGreaterThanOrEqual(0);
    const got = receiver.received[mine]!;
    expect(got.signatureValid).toBe(true);
    expect(got.id).toBe(listed.deliveries[0].id);
    expect(got.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(got.timestamp).toBe(Math.floor(now.getTime() / 1000));
    expect(bodyOf(mine)).toMatchObject({
      type: 'office.transition',
      data: { office: { id, name: 'Webhook Office', stage: 'invited' }, event: { type: 'SEND_CIRCULAR' }, from: ['prospect'], to: ['invited'], requestId: 'wh-req-1' },
    });
    const after = (await deliveries()).deliveries.find((d: { id: string }) => d.id === got.id);
    expect(after).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 204, lastError: null });
    expect(after.deliveredAt).toBe(now.toISOString());

    // A tampered body or another secret does not verify: the check above could fail.
    expect(verifyStandardWebhook(secret, { 'webhook-id': got.id, 'webhook-timestamp': String(got.timestamp), 'webhook-signature': 'v1,AAAA' }, got.body)).toBe(false);
  });

  it('writes nothing for a change that rolls back', async () => {
    const id = await registerOffice(server.url);
    await pass();
    const before = (await deliveries()).total;
    await expect(server.runtime.engine.transact(async () => {
        await server.runtime.engine.apply(id, { type: 'SEND_CIRCULAR' }, { actor: 'test' });
        throw new Error('roll back');
      })).rejects.toThrow('roll back');
    expect((await deliveries()).total).toBe(before);
  });

  it('applies the event type and stage filters', async () => {
    const filtered = await api(server.url, 'POST', '/api/webhooks', {
      url: receiver.url,
      events: ['office.transition'],
      filter: { eventTypes: ['REPLY_AFFIRMATIVE'], stages: ['preparing'] },
    });
    expect(filtered.status).toBe(201);
    const id = await registerOffice(server.url);
    await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
    expect((await deliveries(filtered.body.id)).total).toBe(0);
    const reply = await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'REPLY_AFFIRMATIVE' });
    expect(reply.status).toBe(200);
    const got = await deliveries(filtered.body.id);
    expect(got.total).toBe(1);
    expect(got.deliveries[0].event).toBe('office.transition');
    const deleted = await api(server.url, 'DELETE', `/api/webhooks/${filtered.body.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: filtered.body.id, events: filtered.body.events });
    expect((await api(server.url, 'GET', `/api/webhooks/${filtered.body.id}`)).status).toBe(404);
  });

  it('retries a failing receiver with backoff, keeps the webhook-id, and delivers once it recovers', async () => {
    await pass();
    receiver.setMode('fail');
    const id = await registerOffice(server.url);
    await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
    const t0 = new Date();
    const count = receiver.received.length;
    expect((await pass(t0)).retried).toBeGreaterThanOrEqual(1);
    // Newest first: the SEND_CIRCULAR delivery.
    const failed = (await deliveries()).deliveries[0];
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, responseStatus: 500, lastError: expect.stringContaining('HTTP 500') });
    const next = Date.parse(failed.nextAttemptAt);
    expect(next).toBeGreaterThan(t0.getTime());
    expect((await api(server.url, 'GET', `/api/webhooks/${hookId}`)).body.failingSince).toBe(t0.toISOString());

    // Not due yet: not sent again.
    await pass(new Date(next - 1));
    expect((await deliveries()).deliveries[0]).toMatchObject({ id: failed.id, attempts: 1 });
    receiver.setMode('ok');
    expect((await pass(new Date(next))).delivered).toBeGreaterThanOrEqual(1);
    const ids = receiver.received.slice(count).map((r) => r.id);
    expect(ids.filter((x) => x === failed.id)).toHaveLength(2);
    expect((await deliveries()).deliveries[0]).toMatchObject({ id: failed.id, status: 'delivered', attempts: 2, responseStatus: 204 });
    expect((await api(server.url, 'GET', `/api/webhooks/${hookId}`)).body.failingSince).toBeNull();
  });

  it('gives up on a receiver that does not answer within the timeout, then retries it', async () => {
    await pass();
    receiver.setMode('hang');
    const id = await registerOffice(server.url);
    await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
    const result = await pass();
    expect(result.retried).toBeGreaterThanOrEqual(1);
    receiver.setMode('ok');
    const pending = (await deliveries()).deliveries[0];
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null, lastError: expect.stringContaining('no answer within 1000 ms') });
    expect((await pass(new Date(Date.parse(pending.nextAttemptAt)))).delivered).toBeGreaterThanOrEqual(1);
  });

  it('does not follow a redirect', async () => {
    await pass();
    receiver.setMode('redirect');
    const id = await registerOffice(server.url);
    await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
    await pass();
    receiver.setMode('ok');
    const pending = (await deliveries()).deliveries[0];
    expect(pending).toMatchObject({ status: 'pending', responseStatus: 302, lastError: expect.stringContaining('HTTP 302') });
    expect(receiver.received.some((r) => r.path === '/elsewhere')).toBe(false);
    await pass(new Date(Date.parse(pending.nextAttemptAt)));
    expect((await deliveries()).deliveries[0]).toMatchObject({ id: pending.id, status: 'delivered' });
  });

  it('redelivers on request, with the same webhook-id', async () => {
    const delivered = (await deliveries()).deliveries.find((d: { status: string }) => d.status === 'delivered');
    const res = await api(server.url, 'POST', `/api/webhooks/${hookId}/deliveries/${delivered.id}/redeliver`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: delivered.id, status: 'pending' });
    const count = receiver.received.length;
    await pass();
    expect(receiver.received.slice(count).map((r) => r.id)).toContain(delivered.id);
    expect((await api(server.url, 'POST', `/api/webhooks/${hookId}/deliveries/msg_nope/redeliver`)).status).toBe(404);
  });

  it('sends broadcast.finished, email.failed, office.stalled and office.stuck, each written with its cause', async () => {
    await pass();
    const hold = await api(server.url, 'POST', '/api/gold-disk/hold', { reason: 'Image under review.' });
    expect(hold.status).toBeLessThan(300);
    await server.runtime.engine.transact(() =>
      server.runtime.reminders.outbox.enqueue(
        { officeId: null, timerId: null, kind: 'test', language: 'en', recipients: ['nobody@example.org'], subject: 's', text: 't', html: 'h', createdAt: new Date(), sendAfter: new Date() },
        'template could not be rendered',
      ),
    );
    const id = await registerOffice(server.url, { name: 'Silent Office' });
    await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
    const start = Date.now();
    for (let day = 7; day <= 120; day += 7) await server.runtime.reminders.sweep(new Date(start + day * 24 * HOUR));
    const count = receiver.received.length;
    await pass(new Date(start + 121 * 24 * HOUR));
    const types = receiver.received.slice(count).map((r) => JSON.parse(r.body) as { type: string; data: { office?: { id: string } } });
    expect(types.map((t) => t.type)).toEqual(expect.arrayContaining(['broadcast.finished', 'email.failed', 'office.stalled', 'office.stuck']));
    expect(types.filter((t) => t.type === 'office.stuck' && t.data.office!.id === id)).toHaveLength(1);
    expect(types.find((t) => t.type === 'office.stalled' && t.data.office!.id === id)!.data).toMatchObject({
      office: { id, name: 'Silent Office' },
      state: 'invited',
    });
    expect(receiver.received.slice(count).every((r) => r.signatureValid)).toBe(true);
  });

  it('disables a subscription after a day of consecutive failures and tells the coordinator by email', async () => {
    const down = await startReceiver(() => created.body.secret as string);
    const created = await api(server.url, 'POST', '/api/webhooks', { url: down.url, events: ['office.transition'] });
    const sub = () => api(server.url, 'GET', `/api/webhooks/${created.body.id}`).then((r) => r.body);
    try {
      down.setMode('fail');
      const id = await registerOffice(server.url);
      const t0 = Date.now();
      for (let h = 0; h <= 26 && (await sub()).enabled; h += 1) await pass(new Date(t0 + h * HOUR));
      const disabled = await sub();
      expect(disabled).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('HTTP 500') });
      expect(Date.parse(disabled.updatedAt) - t0).toBeGreaterThanOrEqual(24 * HOUR);
      const gaveUp = (await api(server.url, 'GET', `/api/webhooks/${created.body.id}/deliveries?status=failed`)).body;
      expect(gaveUp.total).toBe(1);
      expect(down.received.length).toBeGreaterThan(3);
      const mail = (await server.runtime.reminders.outbox.list(undefined, 50, 0)).emails.find((e) => e.kind === 'webhook-disabled');
      expect(mail).toMatchObject({ recipients: [server.runtime.config.COORDINATOR_EMAIL], subject: expect.stringContaining(down.url) });

      // Disabled: nothing is written for it; enabled again, it gets the next events.
      down.setMode('ok');
      const total = (await deliveries(created.body.id)).total;
      await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
      expect((await deliveries(created.body.id)).total).toBe(total);
      const enabled = await api(server.url, 'PATCH', `/api/webhooks/${created.body.id}`, { enabled: true });
      expect(enabled.body).toMatchObject({ enabled: true, failingSince: null, disabledReason: null });
      const count = down.received.length;
      await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'REPLY_DECLINED', reason: 'No budget.' });
      await pass(new Date(t0 + 27 * HOUR));
      expect(down.received.slice(count).map((r) => JSON.parse(r.body).data.event.type)).toEqual(['REPLY_DECLINED']);
      expect(down.received.every((r) => r.signatureValid)).toBe(true);
    } finally {
      await down.close();
      await api(server.url, 'DELETE', `/api/webhooks/${created.body.id}`);
    }

    const metrics = await rawRequest(`${server.url}/metrics`);
    expect(metrics.body).toMatch(/onboarding_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(metrics.body).toMatch(/onboarding_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(metrics.body).toMatch(/onboarding_webhook_deliveries_total\{outcome="error"\} [1-9]/);
  });

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const before = (await api(server.url, 'GET', '/api/webhooks')).body.webhooks.length;
    for (const body of [
      { url: 'ftp://example.org/x', events: ['office.transition'] },
      { url: 'not a url', events: ['office.transition'] },
      { url: 'https://example.org/x', events: [] },
      { url: 'https://example.org/x', events: ['office.exploded'] },
      { url: 'https://example.org/x', events: ['office.transition'], filter: { stages: ['nowhere'] } },
      { url: 'https://example.org/x', events: ['office.transition'], secret: 'mine' },
    ]) {
      const res = await api(server.url, 'POST', '/api/webhooks', body);
      expect([res.status, res.body.error.code]).toEqual([400, 'invalid_input']);
    }
    expect((await api(server.url, 'PATCH', '/api/webhooks/wh_none', { enabled: false })).status).toBe(404);
    expect((await api(server.url, 'GET', '/api/webhooks')).body.webhooks.length).toBe(before);
    const viewer = await rawRequest(`${server.url}/api/webhooks`);
    expect(viewer.status).toBe(401);
  });
});

describe('webhook targets on private addresses', () => {
  let server: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    server = await startServer({ config: { WEBHOOK_ALLOW_PRIVATE: false } });
    receiver = await startReceiver(() => '');
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  it('refuses a loopback, private or link-local literal at subscription time', async () => {
    for (const url of ['http://127.0.0.1:9/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]:8080/x', 'http://192.168.1.1/x']) {
      const res = await api(server.url, 'POST', '/api/webhooks', { url, events: ['office.transition'] });
      expect([url, res.status, res.body.error.code]).toEqual([url, 400, 'webhook_url_refused']);
    }
  });

  it('refuses to connect when a name resolves to loopback, and sends nothing', async () => {
    const res = await api(server.url, 'POST', '/api/webhooks', { url: `http://localhost:${receiver.port}/hook`, events: ['office.transition'] });
    expect(res.status).toBe(201);
    await registerOffice(server.url);
    await server.runtime.webhooks.dispatcher.runPass();
    expect(receiver.received).toHaveLength(0);
    const listed = (await api(server.url, 'GET', `/api/webhooks/${res.body.id}/deliveries`)).body;
    expect(listed.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('private or reserved') });
    const metrics = await rawRequest(`${server.url}/metrics`);
    expect(metrics.body).toMatch(/onboarding_webhook_deliveries_total\{outcome="refused"\} 1/);
  });
});
