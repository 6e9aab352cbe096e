/**
 * OpenTelemetry traces. With OTEL_EXPORTER_OTLP_ENDPOINT the server process sends one span per request,
 * named after the declared route, and one per transition, the child of the request that caused it,
 * to a real OTLP/HTTP (JSON) receiver on loopback. Without the variable the SDK is never loaded.
 */
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { api, makeTempDir, TEST_ADMIN_TOKEN, registerOffice, removeTempDir, spawnServer, type ChildServer } from './helpers/server';
import { sampleEvent } from './fixtures/events';

jest.setTimeout(120_000);

/** An OTLP AnyValue in its JSON encoding. */
interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}

interface ExportRequest {
  resourceSpans?: { resource?: { attributes?: { key: string; value: OtlpValue }[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;

function plain(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

function attributesOf(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries((span.attributes ?? []).map((a) => [a.key, plain(a.value)]));
}

interface Receiver {
  url: string;
  spans: OtlpSpan[];
  serviceNames: Set<string>;
  /** Resolves once `found` returns something for the spans received so far; rejects after `ms`. */
  until<T>(found: (spans: OtlpSpan[]) => T | undefined, ms?: number): Promise<T>;
  close(): Promise<void>;
}

/** A collector's OTLP/HTTP trace endpoint: POST /v1/traces with a JSON ExportTraceServiceRequest. */
async function startReceiver(): Promise<Receiver> {
  const spans: OtlpSpan[] = [];
  const serviceNames = new Set<string>();
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest;
      for (const rs of body.resourceSpans ?? []) {
        const service = (rs.resource?.attributes ?? []).find((a) => a.key === 'service.name');
        if (service) serviceNames.add(String(plain(service.value)));
        for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    serviceNames,
    until<T>(found: (all: OtlpSpan[]) => T | undefined, ms = 30_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const result = found(spans);
          if (result === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(result);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`spans not received within ${ms} ms; got: ${spans.map((s) => s.name).join(', ')}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * POSTs one event per office, each on its own connection, all written in the same moment once every
 * connection is open, so the server parses them in one turn and group commit stores them in one
 * batch. Resolves with the status of each answer.
 */
async function eventsAtOnce(port: number, requests: { officeId: string; requestId: string }[]): Promise<number[]> {
  const sockets = await Promise.all(
    requests.map(() => new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    })),
  );
  const answers = sockets.map(
    (socket) =>
      new Promise<number>((resolve) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
      }),
  );
  requests.forEach(({ officeId, requestId }, i) => {
    const body = JSON.stringify(sampleEvent('SEND_CIRCULAR'));
    sockets[i]!.end(
      `POST /api/offices/${officeId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return await Promise.all(answers);
}

/** Commits that stored more than one transition, from the server's onboarding_commit_batch_size histogram. */
async function batchedCommits(url: string): Promise<number> {
  const text = (await api<string>(url, 'GET', '/metrics')).body;
  const count = Number(/^onboarding_commit_batch_size_count (\d+)/m.exec(text)?.[1]);
  const single = Number(/^onboarding_commit_batch_size_bucket\{le="1"\} (\d+)/m.exec(text)?.[1]);
  return count - single;
}

const PRELOAD = path.join(__dirname, 'helpers', 'loaded-modules.cjs');
const SDK_MODULE = /[\\/]node_modules[\\/]@opentelemetry[\\/](sdk-node|exporter-trace-otlp-http|sdk-trace-base)[\\/]/;

let dir: string;
let receiver: Receiver;
const servers: ChildServer[] = [];

beforeEach(async () => {
  dir = makeTempDir('onboarding-tracing-');
  receiver = await startReceiver();
});

afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill('SIGKILL');
  await receiver.close();
  removeTempDir(dir);
});

/** Starts server/main.ts; at its exit the child writes every module it loaded to the returned file. */
async function start(env: NodeJS.ProcessEnv): Promise<{ server: ChildServer; loadedModules: () => string[] }> {
  const file = path.join(dir, `modules-${servers.length}.json`);
  const server = await spawnServer(path.join(dir, `onboarding-${servers.length}.db`), {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`.trim(),
    LOADED_MODULES_FILE: file,
    ...env,
  });
  servers.push(server);
  return { server, loadedModules: () => JSON.parse(fs.readFileSync(file, 'utf8')) as string[] };
}

test('a request span per request and a transition span as its child reach the OTLP endpoint', async () => {
  const { server, loadedModules } = await start({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    // The batch processor's default is five seconds between exports.
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: '',
  });
  const officeId = await registerOffice(server.url, { name: 'Traced Office', country: 'SE' });
  const res = await api(server.url, 'POST', `/api/offices/${officeId}/events`, sampleEvent('SEND_CIRCULAR'), { 'x-request-id': 'trace-me-1' });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('trace-me-1');

  const [request, transition] = await receiver.until((spans) => {
    const req = spans.find((s) => attributesOf(s)['request.id'] === 'trace-me-1' && s.kind === SPAN_KIND_SERVER);
    const tr = spans.find((s) => s.name === 'transition SEND_CIRCULAR');
    return req && tr ? ([req, tr] as const) : undefined;
  });

  expect(request.name).toBe('POST /api/offices/:id/events');
  expect(attributesOf(request)).toEqual({
    'http.request.method': 'POST',
    'http.route': '/api/offices/:id/events',
    'http.response.status_code': 200,
    'request.id': 'trace-me-1',
  });
  expect(transition.kind).toBe(SPAN_KIND_INTERNAL);
  expect(transition.traceId).toBe(request.traceId);
  expect(transition.parentSpanId).toBe(request.spanId);
  expect(attributesOf(transition)).toEqual({
    'office.id': officeId,
    'office.version': 1,
    'office.event.type': 'SEND_CIRCULAR',
    'office.state.from': ['prospect'],
    'office.state.to': ['invited'],
    'request.id': 'trace-me-1',
  });

  // The registration is traced the same way, under its own request.
  const registered = await receiver.until((spans) => spans.find((s) => s.name === 'transition REGISTERED'));
  const registration = receiver.spans.find((s) => s.spanId === registered.parentSpanId);
  expect(registration?.name).toBe('POST /api/offices');
  expect(attributesOf(registration!)['http.response.status_code']).toBe(201);
  // Route names only: the raw path, with the office id in it, names no span.
  expect(receiver.spans.filter((s) => s.name.includes(officeId))).toEqual([]);
  expect([...receiver.serviceNames]).toEqual(['office-onboarding']);

  expect(await server.kill('SIGTERM')).toBe(0);
  expect(loadedModules().filter((m) => SDK_MODULE.test(m)).length).toBeGreaterThan(0);
});

test('concurrent requests committed in one batch each parent their own transition; buffered spans go out at shutdown', async () => {
  // No scheduled export within the test: the spans can only arrive through the flush at SIGTERM.
  const { server } = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
  const sent: { officeId: string; requestId: string }[] = [];
  // Rounds until one went as a batch (group commit sizes batches on the recent ones): at most ten.
  for (let round = 0; round < 10 && (await batchedCommits(server.url)) === 0; round++) {
    const requests: { officeId: string; requestId: string }[] = [];
    for (let i = 0; i < 16; i++) {
      const officeId = await registerOffice(server.url, { name: `Batch Office ${round}-${i}`, country: 'NO' });
      requests.push({ officeId, requestId: `batch-${round}-${i}` });
    }
    expect(await eventsAtOnce(server.port, requests)).toEqual(requests.map(() => 200));
    sent.push(...requests);
  }
  expect(await batchedCommits(server.url)).toBeGreaterThan(0);
  expect(receiver.spans).toEqual([]);
  expect(await server.kill('SIGTERM')).toBe(0);

  const transitions = await receiver.until((spans) => {
    const found = spans.filter((s) => s.name === 'transition SEND_CIRCULAR');
    return found.length === sent.length ? found : undefined;
  });
  for (const transition of transitions) {
    const requestId = attributesOf(transition)['request.id'];
    const parent = receiver.spans.find((s) => s.spanId === transition.parentSpanId);
    expect(parent?.name).toBe('POST /api/offices/:id/events');
    expect(attributesOf(parent!)['request.id']).toBe(requestId);
    expect(attributesOf(transition)['office.id']).toBe(sent.find((r) => r.requestId === requestId)?.officeId);
  }
});

test('a request that matches no route is named by its method alone, and a 404 is not an error', async () => {
  const { server } = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
  const res = await api(server.url, 'GET', '/api/no-such-thing/12345', undefined, { 'x-request-id': 'unmatched-1' });
  expect(res.status).toBe(404);
  const span = await receiver.until((spans) => spans.find((s) => attributesOf(s)['request.id'] === 'unmatched-1'));
  expect(span.name).toBe('GET');
  expect(attributesOf(span)['http.route']).toBeUndefined();
  expect(attributesOf(span)['http.response.status_code']).toBe(404);
});

test('without OTEL_EXPORTER_OTLP_ENDPOINT no OpenTelemetry SDK module is loaded and nothing is sent', async () => {
  const { server, loadedModules } = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: '' });
  const officeId = await registerOffice(server.url);
  expect((await api(server.url, 'POST', `/api/offices/${officeId}/events`, sampleEvent('SEND_CIRCULAR'))).status).toBe(200);
  expect(await server.kill('SIGTERM')).toBe(0);
  const modules = loadedModules();
  // The list is the process's real one: the database driver and the server are in it.
  expect(modules.some((m) => m.includes(`${path.sep}better-sqlite3${path.sep}`))).toBe(true);
  expect(modules.some((m) => m.endsWith(path.join('server', 'app.ts')))).toBe(true);
  expect(modules.filter((m) => SDK_MODULE.test(m))).toEqual([]);
  expect(modules.filter((m) => m.endsWith(path.join('observability', 'otel.ts')))).toEqual([]);
  expect(receiver.spans).toEqual([]);
});
