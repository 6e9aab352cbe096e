import { accountService } from '../server/auth/service';
import { api, registerOffice, startServer, type TestServer } from './helpers/server';

/** `GET /api/events/stream`: one Server-Sent Event per committed transition, readable by any script. */

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.close();
});

interface Frame {
  id?: string;
  event?: string;
  data?: string;
}

/** Opens the stream and collects its frames until `close()`. */
async function openStream(headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/api/events/stream`, { headers, signal: controller.signal });
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reading = (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Frame = {};
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(': ');
            if (field === 'id' || field === 'event' || field === 'data') frame[field] = rest.join(': ');
          }
          if (frame.data) frames.push(frame);
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch {
      // aborted
    }
  })();
  const messages = () => frames.map((f) => JSON.parse(f.data!) as Record<string, unknown>);
  return {
    res,
    frames,
    messages,
    /** Settles when the server ends the stream (or it is closed here). */
    ended: reading,
    async waitFor(count: number, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (frames.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} frames, got ${frames.length}: ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

test('every committed transition is one message {office, type, from, to, at}, in order', async () => {
  const stream = await openStream();
  expect(stream.res.status).toBe(200);
  expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const id = await registerOffice(server.url, { id: 'SSE-1' });
  await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' });
  await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'REPLY_AFFIRMATIVE' });
  await stream.waitFor(3);
  const [registered, circular, affirmative] = stream.messages();
  expect(registered).toMatchObject({ office: 'SSE-1', type: 'REGISTERED', from: [], to: ['prospect'], version: 0 });
  expect(circular).toMatchObject({ office: 'SSE-1', type: 'SEND_CIRCULAR', from: ['prospect'], to: ['invited'], version: 1 });
  expect(affirmative).toMatchObject({
    office: 'SSE-1',
    type: 'REPLY_AFFIRMATIVE',
    from: ['invited'],
    to: ['preparing.site.surveying', 'preparing.training.awaitingNomination'],
  });
  expect(new Date(affirmative!.at as string).toISOString()).toBe(affirmative!.at);
  expect(stream.frames.every((f) => f.event === 'transition')).toBe(true);
  await stream.close();
});

test('nothing is announced for a rejected event or a rolled-back transaction', async () => {
  const stream = await openStream();
  const id = await registerOffice(server.url, { id: 'SSE-2' });
  await stream.waitFor(1);
  const refused = await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'KIT_INSTALLED' });
  expect(refused.status).toBe(409);
  const stale = await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' }, { 'If-Match': '"7"' });
  expect(stale.status).toBe(412);
  await expect(server.runtime.engine.transact(async () => {
      await server.runtime.engine.apply(id, { type: 'SEND_CIRCULAR' }, { actor: 'test' });
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
  // A marker transition: once it arrives, anything sent before it would have arrived too.
  await registerOffice(server.url, { id: 'SSE-2b' });
  await stream.waitFor(2);
  expect(stream.messages().map((m) => `${m.office} ${m.type}`)).toEqual(['SSE-2 REGISTERED', 'SSE-2b REGISTERED']);
  await stream.close();
});

test('a client that reconnects with Last-Event-ID gets what it missed', async () => {
  const first = await openStream();
  await registerOffice(server.url, { id: 'SSE-3' });
  await first.waitFor(1);
  const lastId = first.frames[0]!.id!;
  await first.close();
  await api(server.url, 'POST', '/api/offices/SSE-3/events', { type: 'SEND_CIRCULAR' });
  const again = await openStream({ 'Last-Event-ID': lastId });
  await again.waitFor(1);
  expect(again.messages()[0]).toMatchObject({ office: 'SSE-3', type: 'SEND_CIRCULAR' });
  await again.close();
});

test('closed streams are forgotten', async () => {
  const settled = Date.now() + 20_000;
  while (server.runtime.live.clientCount > 0 && Date.now() < settled) await new Promise((r) => setTimeout(r, 20));
  const before = server.runtime.live.clientCount;
  expect(before).toBe(0);
  const stream = await openStream();
  await registerOffice(server.url, { id: 'SSE-4' });
  await stream.waitFor(1);
  expect(server.runtime.live.clientCount).toBe(before + 1);
  await stream.close();
  const deadline = Date.now() + 20_000;
  while (server.runtime.live.clientCount > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(server.runtime.live.clientCount).toBe(before);
});

/** Resolves with "ended" when the stream ends, or "open" if it is still open after `ms`. */
const endsWithin = (stream: { ended: Promise<void> }, ms: number) =>
  Promise.race([stream.ended.then(() => 'ended' as const), new Promise<'open'>((r) => setTimeout(() => r('open'), ms).unref())]);

describe('a stream ends once its credentials no longer hold', () => {
  /** A viewer with a real API token, made as the CLI makes one. */
  const viewerWithToken = async (username: string) => {
    const user = await api(server.url, 'POST', '/api/users', { username, displayName: username, role: 'viewer', password: 'a long password 1' });
    expect(user.status).toBe(201);
    const service = accountService(server.runtime.accounts, () => new Date());
    const { token, record } = await service.createToken({ kind: 'admin-token', role: 'admin', userId: null, actor: 'test' }, 'stream', user.body.id);
    return { userId: user.body.id as number, token, tokenId: record.id };
  };

  test('a revoked token', async () => {
    const { token, tokenId } = await viewerWithToken('streamer');
    const stream = await openStream({ authorization: `Bearer ${token}` });
    expect(stream.res.status).toBe(200);
    await registerOffice(server.url, { id: 'SSE-R1' });
    await stream.waitFor(1);
    expect((await api(server.url, 'DELETE', `/api/tokens/${tokenId}`)).status).toBe(200);
    // Nothing else happens: the periodic check alone must end it.
    expect(await endsWithin(stream, 30_000)).toBe('ended');
    expect(stream.messages().map((m) => m.office)).toEqual(['SSE-R1']);
    expect((await openStream({ authorization: `Bearer ${token}` })).res.status).toBe(401);
  });

  test('a disabled user, and no event after the check reaches it', async () => {
    const { userId, token } = await viewerWithToken('disabled-streamer');
    const stream = await openStream({ authorization: `Bearer ${token}` });
    expect(stream.res.status).toBe(200);
    expect((await api(server.url, 'PATCH', `/api/users/${userId}`, { disabled: true })).status).toBe(200);
    expect(await endsWithin(stream, 30_000)).toBe('ended');
    await registerOffice(server.url, { id: 'SSE-R2' });
    expect(stream.messages().map((m) => m.office)).not.toContain('SSE-R2');
  });
});
