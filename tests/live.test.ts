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
    async waitFor(count: number, timeoutMs = 3000): Promise<void> {
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
  expect(() =>
    server.runtime.engine.unitOfWork(() => {
      server.runtime.engine.apply(id, { type: 'SEND_CIRCULAR' }, { actor: 'test' });
      throw new Error('roll back');
    }),
  ).toThrow('roll back');
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
  const settled = Date.now() + 2000;
  while (server.runtime.live.clientCount > 0 && Date.now() < settled) await new Promise((r) => setTimeout(r, 20));
  const before = server.runtime.live.clientCount;
  expect(before).toBe(0);
  const stream = await openStream();
  await registerOffice(server.url, { id: 'SSE-4' });
  await stream.waitFor(1);
  expect(server.runtime.live.clientCount).toBe(before + 1);
  await stream.close();
  const deadline = Date.now() + 2000;
  while (server.runtime.live.clientCount > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(server.runtime.live.clientCount).toBe(before);
});
