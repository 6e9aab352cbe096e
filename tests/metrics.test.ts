import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { openRuntime } from '../app/runtime';
import { createApp } from '../server/app';
import { fixedClock } from '../engine/clock';
import { rawRequest } from './helpers/raw-http';
import { TestSmtp } from './helpers/smtp';
import { api, makeTempDir, registerOffice, removeTempDir, startServer, testConfig, type TestServer } from './helpers/server';
import { runSql } from './helpers/sqlite';

/** The value of one sample line of a Prometheus text exposition, or undefined if absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter(Boolean);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

/** A scrape as Prometheus makes it: no credentials (node:http, which the test client leaves alone). */
async function scrape(base: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const res = await rawRequest(`${base}/metrics`, { headers });
  return { status: res.status, type: res.headers['content-type'] ?? null, text: res.body };
}

describe('GET /metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('is readable from loopback without a token, in the Prometheus text format, with the process metrics', async () => {
    const res = await scrape(server.url);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(res.text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(res.text).toContain('# TYPE onboarding_transition_duration_seconds histogram');
    expect(res.text).toContain('# TYPE onboarding_commit_batch_size histogram');
    expect(sample(res.text, 'onboarding_scheduler_lag_seconds')).toBe(0);
  });

  it('counts a transition, its duration and its batch, and the gauges follow the same figures as /api/stats', async () => {
    const id = await registerOffice(server.url);
    const before = (await scrape(server.url)).text;
    const count = (t: string) => sample(t, 'onboarding_transitions_total', { type: 'SEND_CIRCULAR' }) ?? 0;
    const res = await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
    expect(res.status).toBe(200);
    const after = (await scrape(server.url)).text;
    expect(count(after)).toBe(count(before) + 1);
    expect(sample(after, 'onboarding_transition_duration_seconds_count')).toBe((sample(before, 'onboarding_transition_duration_seconds_count') ?? 0) + 1);
    expect(sample(after, 'onboarding_commit_batch_size_count')).toBe((sample(before, 'onboarding_commit_batch_size_count') ?? 0) + 1);

    const stats = await api(server.url, 'GET', '/api/stats');
    for (const [stage, n] of Object.entries(stats.body.byStage as Record<string, number>)) {
      expect(sample(after, 'onboarding_offices', { stage })).toBe(n);
    }
    expect(sample(after, 'onboarding_stalled_offices', { owner: 'office' })).toBe(0);
    expect(sample(after, 'onboarding_stalled_offices', { owner: 'wipo' })).toBe(0);
    expect(sample(after, 'onboarding_outbox_messages', { status: 'pending' })).toBeGreaterThanOrEqual(0);

    // The route as declared, never the office id in the raw path.
    expect(sample(after, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/offices/:id/events', status: '200' })).toBe(1);
    expect(after).not.toContain(id);
  });

  it('labels a request no route matched as unmatched', async () => {
    await fetch(`${server.url}/no/such/path/here`);
    const text = (await scrape(server.url)).text;
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('/no/such/path');
  });
});

describe('GET /metrics from an address not in METRICS_ALLOW', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ config: { METRICS_ALLOW: '10.20.30.40,192.168.0.0/16' } });
  });
  afterAll(() => server.close());

  it('is refused without a token and served with one', async () => {
    const refused = await scrape(server.url);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error.code).toBe('metrics_forbidden');
    const res = await api(server.url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain('onboarding_transitions_total');
    const badToken = await scrape(server.url, { authorization: 'Bearer not-a-real-token-at-all' });
    expect(badToken.status).toBe(401);
  });
});

describe('request ids', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let close: () => void;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dir = makeTempDir();
    const runtime = await openRuntime(testConfig(path.join(dir, 'onboarding.db')));
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const { app } = createApp(runtime, pino({ level: 'info' }, sink));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => runtime.close();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    close();
    removeTempDir(dir);
  });

  const history = async (id: string) => (await api(base, 'GET', `/api/offices/${id}/history`)).body.events as { type: string; requestId: string | null }[];

  it('keeps a sane X-Request-Id, returns it, stores it with the history row and logs it once', async () => {
    const id = await registerOffice(base);
    const res = await api(base, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' }, { 'X-Request-Id': 'ticket-4711.a' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('ticket-4711.a');
    const events = await history(id);
    expect(events.find((e) => e.type === 'SEND_CIRCULAR')!.requestId).toBe('ticket-4711.a');
    const logged = lines.filter((l) => (l.req as { id?: string } | undefined)?.id === 'ticket-4711.a');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ route: '/api/offices/:id/events', res: { statusCode: 200 } });
  });

  it('generates an id when none or an unusable one is sent, and the registration row has its own', async () => {
    const reg = await api(base, 'POST', '/api/offices', { name: 'Generated', country: 'SN', contacts: [] }, { 'X-Request-Id': 'x'.repeat(300) });
    expect(reg.status).toBe(201);
    const generated = reg.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect((await history(reg.body.id))[0]!.requestId).toBe(generated);
    expect(lines.some((l) => (l.req as { id?: string }).id === generated)).toBe(true);
  });

  it('gives each request of one group commit its own id', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => registerOffice(base)));
    const results = await Promise.all(
      ids.map((id, i) => api(base, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' }, { 'X-Request-Id': `batch-${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
    for (const [i, id] of ids.entries()) {
      expect((await history(id)).find((e) => e.type === 'SEND_CIRCULAR')!.requestId).toBe(`batch-${i}`);
    }
  });
});

describe('mail and scheduler metrics', () => {
  let server: TestServer;
  const smtp = new TestSmtp();
  const clock = fixedClock('2027-01-04T09:00:00.000Z');
  beforeAll(async () => {
    await smtp.start();
    server = await startServer({ config: { SMTP_URL: smtp.url, MAIL_MAX_ATTEMPTS: 1 }, runtime: { clock } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.stop();
  });

  it('reports the age of the oldest due reminder, the send time of each email and refusals by reason', async () => {
    const id = await registerOffice(server.url, { country: 'FR' });
    await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
    // The circular letter goes out while SMTP still accepts mail: only the reminder is refused below.
    await server.runtime.reminders.dispatcher.runPass(clock.now());
    expect(await smtp.waitFor(1)).toHaveLength(1);
    expect(sample((await scrape(server.url)).text, 'onboarding_scheduler_lag_seconds')).toBe(0);
    // Past the 30-day SLA with no scheduler pass: the first reminder is due and waiting.
    clock.advance(40 * 86_400_000);
    const [due] = await runSql(server.runtime, 'SELECT min(next_reminder_at) AS at FROM sla_clocks');
    const lag = sample((await scrape(server.url)).text, 'onboarding_scheduler_lag_seconds')!;
    expect(lag).toBe((clock.now().getTime() - new Date(due!.at as string | Date).getTime()) / 1000);
    expect(lag).toBeGreaterThan(0);

    smtp.mode = 'permfail';
    const hook = await api(server.url, 'POST', '/api/webhooks', { url: 'https://hooks.example.org/mail', events: ['email.failed'] });
    await server.runtime.reminders.sweep(clock.now());
    // The reminder waits for the office's business hours (it fell due on a Saturday).
    const sent = await server.runtime.reminders.dispatcher.runPass(new Date(clock.now().getTime() + 3 * 86_400_000));
    expect(sent.failed).toBe(1);
    // Given up by the real dispatcher: the email.failed webhook is written with the outbox row's update.
    const deliveries = (await api(server.url, 'GET', `/api/webhooks/${hook.body.id}/deliveries`)).body;
    expect(deliveries.deliveries.map((d: { event: string }) => d.event)).toEqual(['email.failed']);
    const text = (await scrape(server.url)).text;
    expect(sample(text, 'onboarding_scheduler_lag_seconds')).toBe(0);
    expect(sample(text, 'onboarding_email_failures_total', { reason: 'rejected' })).toBe(1);
    expect(sample(text, 'onboarding_email_send_duration_seconds_count')).toBe(2);
    expect(sample(text, 'onboarding_outbox_messages', { status: 'failed' })).toBe(1);
    expect(sample(text, 'onboarding_stalled_offices', { owner: 'office' })).toBe(1);
  });
});
