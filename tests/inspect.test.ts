import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { openRuntime, type Runtime } from '../app/runtime';
import { makeTempDir, removeTempDir, testConfig } from './helpers/server';

/**
 * Live inspection: with INSPECT_URL set, every transition reaches a WebSocket listener as XState
 * inspection events (what the Stately inspector reads). The listener here is a local `ws` server
 * on 127.0.0.1 that records what arrives.
 */

interface Received {
  type: string;
  sessionId: string;
  name?: string;
  definition?: string;
  event?: { type: string; [k: string]: unknown };
  snapshot?: { value?: unknown; status?: string; context?: Record<string, unknown> };
}

let wss: WebSocketServer;
let received: Received[];
let dir: string;
let runtime: Runtime | undefined;

beforeEach(async () => {
  received = [];
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket) => socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Received)));
  dir = makeTempDir();
});

afterEach(async () => {
  runtime?.close();
  runtime = undefined;
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  removeTempDir(dir);
});

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; received: ${JSON.stringify(received.map((r) => [r.type, r.event?.type]))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('every transition is streamed as @xstate.actor (with the machine), @xstate.event and @xstate.snapshot', async () => {
  const { port } = wss.address() as AddressInfo;
  runtime = await openRuntime(testConfig(path.join(dir, 'db.sqlite'), { INSPECT_URL: `ws://127.0.0.1:${port}` }));
  const { engine } = runtime;
  await engine.register({ id: 'INS-1', name: 'Inspected Office', country: 'FR', language: 'fr', track: 'kit', contacts: [] }, { actor: 'test' });
  await engine.apply('INS-1', { type: 'SEND_CIRCULAR', letterRef: 'C.1' }, { actor: 'test' });
  await engine.apply('INS-1', { type: 'REPLY_AFFIRMATIVE' }, { actor: 'test' });

  await until(() => received.filter((r) => r.type === '@xstate.snapshot').length >= 2);
  const mine = received.filter((r) => r.sessionId === 'office:INS-1');
  expect(mine.map((r) => `${r.type} ${r.event?.type ?? ''}`.trim())).toEqual([
    '@xstate.actor',
    '@xstate.event SEND_CIRCULAR',
    '@xstate.snapshot SEND_CIRCULAR',
    '@xstate.event REPLY_AFFIRMATIVE',
    '@xstate.snapshot REPLY_AFFIRMATIVE',
  ]);
  const actor = mine[0]!;
  expect(actor.name).toBe('office');
  // The definition is the machine itself, so the inspector can draw the chart.
  const definition = JSON.parse(actor.definition!) as { id: string; states: Record<string, unknown> };
  expect(definition.id).toBe('office');
  expect(Object.keys(definition.states)).toEqual(expect.arrayContaining(['prospect', 'invited', 'preparing', 'handedOver']));
  expect(actor.snapshot).toMatchObject({ value: 'prospect', status: 'active' });
  expect(mine[1]!.event).toEqual({ type: 'SEND_CIRCULAR', letterRef: 'C.1' });
  expect(mine[2]!.snapshot).toMatchObject({ value: 'invited', status: 'active' });
  expect(mine[4]!.snapshot!.value).toEqual({ preparing: { site: 'surveying', training: 'awaitingNomination' } });
});

test('an office first seen mid-life is registered in the state it was in, then follows', async () => {
  const dbPath = path.join(dir, 'db.sqlite');
  const plain = await openRuntime(testConfig(dbPath));
  await plain.engine.register({ id: 'INS-2', name: 'Older Office', country: 'KE', language: 'en', track: 'kit', contacts: [] }, { actor: 'test' });
  await plain.engine.apply('INS-2', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
  plain.close();

  const { port } = wss.address() as AddressInfo;
  runtime = await openRuntime(testConfig(dbPath, { INSPECT_URL: `ws://127.0.0.1:${port}` }));
  await runtime.engine.apply('INS-2', { type: 'REPLY_DECLINED', reason: 'No budget' }, { actor: 'test' });
  await until(() => received.some((r) => r.type === '@xstate.snapshot'));
  expect(received.map((r) => r.type)).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
  expect(received[0]!.snapshot!.value).toBe('invited');
  expect(received[2]!.snapshot).toMatchObject({ value: 'declined', context: { reason: 'No budget' } });
});

test('off by default: no connection is made without INSPECT_URL', async () => {
  let connections = 0;
  wss.on('connection', () => connections++);
  runtime = await openRuntime(testConfig(path.join(dir, 'db.sqlite')));
  expect(runtime.config.INSPECT_URL).toBeUndefined();
  await runtime.engine.register({ id: 'INS-3', name: 'Quiet Office', country: 'FR', language: 'fr', track: 'kit', contacts: [] }, { actor: 'test' });
  // A marker: a second runtime that does inspect, started after the quiet one. Once its office has
  // arrived, a connection the quiet one had opened (it would have started first) would have too.
  const { port } = wss.address() as AddressInfo;
  const marker = await openRuntime(testConfig(path.join(dir, 'marker.sqlite'), { INSPECT_URL: `ws://127.0.0.1:${port}` }));
  try {
    await marker.engine.register({ id: 'INS-M', name: 'Marker Office', country: 'FR', language: 'fr', track: 'kit', contacts: [] }, { actor: 'test' });
    await until(() => received.some((r) => r.type === '@xstate.actor'), 30_000);
  } finally {
    marker.close();
  }
  expect(connections).toBe(1);
  expect(received.map((r) => r.sessionId)).toEqual(['office:INS-M']);
});
