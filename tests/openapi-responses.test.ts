/**
 * Every answer the API gives matches the schema the OpenAPI document declares for it. The demo
 * programme is loaded into a real server (plus what it lacks: an account, a token, a workshop, a
 * Gold Disk release, a hold, reminder emails); then every GET of the route table is called, its path
 * parameters filled from that data, and each real answer is validated with Ajv (JSON Schema 2020-12,
 * the dialect of OpenAPI 3.1) against the document, and with the zod schema it was generated from.
 * A GET route without a 2xx schema fails here, so the document cannot drift from the code.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { ZodType } from 'zod';
import { loadDemoData } from '../demo/load';
import { SESSION_COOKIE } from '../server/auth/principal';
import { inDocument } from '../server/openapi';
import type { AnyRoute } from '../server/route';
import { sampleEvent } from './fixtures/events';
import { api, startServer, TEST_ADMIN_TOKEN, type ApiResponse, type TestServer } from './helpers/server';

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Json; 'x-event-data'?: Json }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

const DOC_ID = 'https://office-onboarding.invalid/openapi.json';
const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

let server: TestServer;
let doc: Document;
let ajv: Ajv2020;
/** Path parameter values, by the collection the parameter follows (`offices` for /api/offices/:id). */
const sample: Record<string, string> = {};
/** A bearer token of a viewer account, so its own token list is not empty. */
let viewerToken: string;
/** Answers of the writes made to set the data up, validated like the rest. */
const writes: { method: string; path: string; res: ApiResponse }[] = [];

async function write(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
  const res = await api(server.url, method, path, body, headers);
  writes.push({ method, path, res });
  return res;
}

beforeAll(async () => {
  server = await startServer();
  const { runtime } = server;
  expect(await loadDemoData(runtime)).not.toBeNull();
  // The demo has offices past their SLA: a pass of the scheduler writes their reminder emails.
  await runtime.reminders.sweep(runtime.engine.clock.now());

  const user = await write('POST', '/api/users', { username: 'doc-viewer', displayName: 'Document Viewer', password: 'viewer-password-1', role: 'viewer' });
  expect(user.status).toBe(201);
  sample.users = String(user.body.id);
  const created = await server.app.auth.service.createToken({ kind: 'admin-token', role: 'admin', userId: null, actor: 'admin-token' }, 'doc script', user.body.id);
  viewerToken = created.token;
  const token = await write('POST', '/api/tokens', { name: 'doc second' }, { authorization: `Bearer ${viewerToken}` });
  expect(token.status).toBe(201);
  sample.tokens = String(token.body.id);

  const today = runtime.engine.clock.now().toISOString().slice(0, 10);
  const workshop = await write('POST', '/api/workshops', { title: 'Document workshop', city: 'Geneva', country: 'CH', start: today, end: today, capacity: 20 });
  expect(workshop.status).toBe(201);
  sample.workshops = workshop.body.id;

  // Disabled, so nothing is sent to its (unresolvable) address while the data is set up.
  const webhook = await write('POST', '/api/webhooks', { url: 'https://hooks.example.invalid/onboarding', events: ['office.transition'], enabled: false });
  expect(webhook.status).toBe(201);
  sample.webhooks = webhook.body.id;

  const release = await write('POST', '/api/gold-disk/releases', { version: '9.9-doc', notes: 'for the document check' });
  expect(release.status).toBe(200);
  sample['gold-disk'] = '9.9-doc';
  const hold = await write('POST', '/api/gold-disk/hold', { reason: 'document check' });
  expect(hold.status).toBe(200);
  sample.broadcasts = hold.body.broadcast.id;
  expect((await write('POST', '/api/letters/preview', { selection: { state: 'prospect' } })).status).toBe(200);
  expect((await write('POST', '/api/import/offices?dryRun=true', 'id,name,country\nOA-DOC-CSV,Document CSV office,PE\n', { 'content-type': 'text/csv' })).status).toBe(200);

  // An office with emails and focal points, so those lists are not empty.
  const focal = new Set((await runtime.programme.listFocalPoints({ limit: 10_000 })).focalPoints.map((f) => f.officeId));
  const emailed = (await runtime.reminders.outbox.list(undefined, 10_000, 0)).emails.map((e) => e.officeId);
  const office = emailed.find((id) => id !== null && focal.has(id));
  expect(office).toEqual(expect.any(String));
  sample.offices = office!;

  const res = await api<Document>(server.url, 'GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  // Strict: an unknown keyword in the document is an error. The string formats are checked by the
  // patterns zod writes beside them; `components` only carries the schemas the `$ref`s point into.
  ajv = new Ajv2020({ strict: true, allErrors: true, formats: { 'date-time': true, date: true, email: true } });
  ajv.addKeyword('components');
  ajv.addSchema({ $id: DOC_ID, components: doc.components });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const validators = new Map<string, ValidateFunction>();

/** The document's JSON schema of one answer, compiled; every response schema is a component `$ref`. */
function documented(method: string, path: string, status: number): ValidateFunction {
  const responses = doc.paths[toOpenApiPath(path)]?.[method]?.responses ?? {};
  const response = responses[String(status)] ?? (status >= 400 && status < 500 ? responses['4XX'] : undefined);
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the document has no JSON answer for ${method.toUpperCase()} ${path} ${status}`);
  return compiled(schema, `${method.toUpperCase()} ${path} ${status}`);
}

function compiled(schema: Json, where: string): ValidateFunction {
  if (typeof schema.$ref !== 'string' || !schema.$ref.startsWith('#/components/schemas/')) {
    throw new Error(`${where}: expected a component $ref, got ${JSON.stringify(schema)}`);
  }
  const ref = `${DOC_ID}${schema.$ref}`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  return validate;
}

function routeOf(method: string, path: string): AnyRoute {
  const spec = server.app.routes.find((r) => r.method === method && r.path === path);
  if (!spec) throw new Error(`no route ${method} ${path}`);
  return spec;
}

/** Where a real answer departs from the document and from the route's zod schema (none: []). */
function problems(spec: AnyRoute, res: ApiResponse): string[] {
  const validate = documented(spec.method, spec.path, res.status);
  const ajvErrors = validate(res.body) ? [] : (validate.errors ?? []).map((e) => `document: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  const schema: ZodType | undefined = spec.responses?.[res.status]?.schema;
  const zodErrors = schema ? (schema.safeParse(res.body).error?.issues ?? []).map((i) => `zod: ${i.path.join('.')} ${i.message}`) : [];
  return [...ajvErrors, ...zodErrors];
}

/** `/api/offices/:id/emails` with the sample office: each parameter from the collection before it. */
function fill(path: string): string {
  return path.replace(/\/([^/]+)\/:([A-Za-z0-9_]+)/g, (_match, collection: string, name: string) => {
    const value = sample[collection];
    if (value === undefined) throw new Error(`no sample ${collection} for :${name} in ${path}`);
    return `/${collection}/${encodeURIComponent(value)}`;
  });
}

const plainGets = () => server.app.routes.filter((r) => r.method === 'get' && inDocument(r) && r.produces !== 'event-stream');
const streams = () => server.app.routes.filter((r) => r.method === 'get' && r.produces === 'event-stream');

test('every component schema of the document compiles as strict JSON Schema 2020-12', () => {
  const names = Object.keys(doc.components.schemas);
  expect(names.length).toBeGreaterThanOrEqual(40);
  for (const name of names) {
    expect({ name, compiles: typeof compiled({ $ref: `#/components/schemas/${name}` }, name) }).toEqual({ name, compiles: 'function' });
  }
});

describe('every GET of the route table, on the demo data', () => {
  const answers = new Map<string, ApiResponse>();

  beforeAll(async () => {
    for (const spec of plainGets()) answers.set(spec.path, await api(server.url, 'GET', fill(spec.path)));
  });

  test('there are GET routes, and each declares the schema of its 2xx answer', () => {
    expect(plainGets().length).toBeGreaterThanOrEqual(20);
    const undeclared = plainGets()
      .filter((r) => !Object.entries(r.responses ?? {}).some(([status, response]) => Number(status) < 300 && response.schema))
      .map((r) => r.path);
    expect(undeclared).toEqual([]);
  });

  test('each answers 2xx, and its body matches the document and the zod schema', () => {
    for (const spec of plainGets()) {
      const res = answers.get(spec.path)!;
      const where = `GET ${fill(spec.path)}`;
      expect({ where, status: res.status }).toEqual({ where, status: expect.any(Number) });
      expect({ where, ok: res.status >= 200 && res.status < 300, body: res.status >= 300 ? res.body : undefined }).toEqual({ where, ok: true, body: undefined });
      expect({ where, problems: problems(spec, res) }).toEqual({ where, problems: [] });
    }
  });

  test('the lists hold items, so the item schemas were checked too', () => {
    const nonEmpty: [string, (body: Json) => unknown[]][] = [
      ['/api/users', (b) => b.users as unknown[]],
      ['/api/tokens', (b) => b.tokens as unknown[]],
      ['/api/audit', (b) => b.entries as unknown[]],
      ['/api/offices', (b) => b.offices as unknown[]],
      ['/api/focal-points', (b) => b.focalPoints as unknown[]],
      ['/api/offices/:id/focal-points', (b) => b.focalPoints as unknown[]],
      ['/api/workshops', (b) => b.workshops as unknown[]],
      ['/api/gold-disk', (b) => b.versions as unknown[]],
      ['/api/broadcasts', (b) => b.broadcasts as unknown[]],
      ['/api/broadcasts/:id', (b) => b.offices as unknown[]],
      ['/api/stuck', (b) => b.rows as unknown[]],
      ['/api/stuck/counts', (b) => Object.keys(b)],
      ['/api/outbox', (b) => b.emails as unknown[]],
      ['/api/offices/:id/emails', (b) => b.emails as unknown[]],
      ['/api/offices/:id/reminders', (b) => b.timers as unknown[]],
      ['/api/offices/:id/history', (b) => b.events as unknown[]],
      ['/api/reports/progress', (b) => (b.keyIssues as Json).groups as unknown[]],
    ];
    for (const [path, items] of nonEmpty) {
      const body = answers.get(path)?.body as Json | undefined;
      expect({ path, items: body ? items(body).length > 0 : 'no answer' }).toEqual({ path, items: true });
    }
  });

  test("a viewer's own token list matches the document too", async () => {
    const res = await api(server.url, 'GET', '/api/tokens', undefined, { authorization: `Bearer ${viewerToken}` });
    expect(res.status).toBe(200);
    expect(res.body.tokens.length).toBe(2);
    expect(problems(routeOf('get', '/api/tokens'), res)).toEqual([]);
    const me = await api(server.url, 'GET', '/api/me', undefined, { authorization: `Bearer ${viewerToken}` });
    expect(me.body.user).toEqual(expect.objectContaining({ username: 'doc-viewer' }));
    expect(problems(routeOf('get', '/api/me'), me)).toEqual([]);
  });

  test('each stream declares the data of its events, and a real event matches it', async () => {
    expect(streams().map((r) => r.path)).toEqual(['/api/events/stream']);
    for (const spec of streams()) expect({ path: spec.path, events: Boolean(spec.responses?.[200]?.events) }).toEqual({ path: spec.path, events: true });
    const media = doc.paths['/api/events/stream']!.get!.responses['200']!.content!;
    expect(Object.keys(media)).toEqual(['text/event-stream']);
    // Inlined (lint tools do not follow a $ref in an extension), so it compiles on its own.
    const validate = ajv.compile(media['text/event-stream']!['x-event-data']!);

    expect((await api(server.url, 'POST', '/api/offices', { id: 'OA-DOC-LIVE', name: 'Document live office', country: 'PY' })).status).toBe(201);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30_000);
    const stream = await fetch(`${server.url}/api/events/stream`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, signal: controller.signal });
    expect(stream.status).toBe(200);
    let text = '';
    let sent = false;
    const decoder = new TextDecoder();
    const transitions = () => [...text.matchAll(/event: transition\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]!) as Json);
    // On PostgreSQL the stream is fed by LISTEN/NOTIFY, so the office's registration, committed
    // just before the stream opened, may still be announced after it: the event sent is the one looked for.
    const circular = () => transitions().find((m) => m.office === 'OA-DOC-LIVE' && m.type === 'SEND_CIRCULAR');
    try {
      // The stream says `: connected` first; the event is sent once the stream is open.
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (!sent && text.includes(': connected')) {
          sent = true;
          expect((await api(server.url, 'POST', '/api/offices/OA-DOC-LIVE/events', sampleEvent('SEND_CIRCULAR'))).status).toBe(200);
        }
        if (circular()) break;
      }
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    const message = circular();
    expect(message).toEqual(expect.objectContaining({ office: 'OA-DOC-LIVE', type: 'SEND_CIRCULAR' }));
    for (const seen of transitions()) {
      expect(validate(seen) ? [] : validate.errors).toEqual([]);
      expect(streams()[0]!.responses![200]!.events!.safeParse(seen).success).toBe(true);
    }
  });

  test('the report documents are documented as what they are', async () => {
    const report = doc.paths['/api/reports/progress']!.get!.responses['200']!;
    expect(Object.keys(report.content ?? {}).sort()).toEqual(['application/json', 'application/pdf', 'text/html', 'text/markdown']);
    for (const [format, type] of [
      ['md', 'text/markdown'],
      ['html', 'text/html'],
      ['pdf', 'application/pdf'],
    ] as const) {
      const res = await api(server.url, 'GET', `/api/reports/progress?format=${format}`);
      expect({ format, status: res.status, type: res.headers.get('content-type')?.split(';')[0] }).toEqual({ format, status: 200, type });
    }
  });

  test('the analytics and the forecast document their CSV beside the JSON, and format=csv answers it', async () => {
    for (const path of ['/api/analytics/durations', '/api/analytics/funnel', '/api/analytics/flow', '/api/analytics/sla', '/api/analytics/slowest', '/api/forecast']) {
      const content = doc.paths[path]!.get!.responses['200']!.content ?? {};
      expect({ path, types: Object.keys(content).sort() }).toEqual({ path, types: ['application/json', 'text/csv'] });
      const res = await api(server.url, 'GET', `${path}?format=csv`);
      expect({ path, status: res.status, type: res.headers.get('content-type')?.split(';')[0] }).toEqual({ path, status: 200, type: 'text/csv' });
    }
  });
});

describe('writes and errors', () => {
  test('the answers of the writes that set the data up match the document', () => {
    expect(writes.length).toBeGreaterThanOrEqual(7);
    for (const { method, path, res } of writes) {
      const spec = server.app.routes.find((r) => r.method === method.toLowerCase() && new RegExp(`^${r.path.replace(/:[A-Za-z0-9_]+/g, '[^/]+')}$`).test(path.split('?')[0]!));
      expect({ path, spec: Boolean(spec) }).toEqual({ path, spec: true });
      expect({ path, status: res.status < 300 }).toEqual({ path, status: true });
      expect({ path, problems: problems(spec!, res) }).toEqual({ path, problems: [] });
    }
  });

  test('registering an office (201) and sending it an event (200)', async () => {
    const office = await api(server.url, 'POST', '/api/offices', { id: 'OA-DOC-RESP', name: 'Document response office', country: 'UY', contacts: [{ name: 'Ana Doc', email: 'ana@example.org' }] });
    expect(office.status).toBe(201);
    expect(problems(routeOf('post', '/api/offices'), office)).toEqual([]);
    const event = await api(server.url, 'POST', '/api/offices/OA-DOC-RESP/events', sampleEvent('SEND_CIRCULAR'), { 'If-Match': '"0"' });
    expect(event.status).toBe(200);
    expect(problems(routeOf('post', '/api/offices/:id/events'), event)).toEqual([]);
  });

  test('errors 400, 403, 404, 409 and 412 have the shared error shape the document declares', async () => {
    const cases: [string, string, string, unknown, Record<string, string>, number, string][] = [
      ['post', '/api/offices', '/api/offices', { name: '' }, {}, 400, 'invalid_input'],
      ['get', '/api/offices/:id', '/api/offices/NO-SUCH-OFFICE', undefined, {}, 404, 'office_not_found'],
      ['get', '/api/workshops/:id', '/api/workshops/NO-SUCH-WORKSHOP', undefined, {}, 404, 'not_found'],
      ['post', '/api/offices/:id/events', `/api/offices/${encodeURIComponent(sample.offices!)}/events`, sampleEvent('SEND_CIRCULAR'), {}, 409, 'event_not_allowed'],
      ['post', '/api/offices/:id/events', '/api/offices/OA-DOC-ERR/events', sampleEvent('SEND_CIRCULAR'), { 'If-Match': '"7"' }, 412, 'version_mismatch'],
      ['post', '/api/users', '/api/users', { username: 'doc-viewer', displayName: 'Again', password: 'viewer-password-1', role: 'viewer' }, {}, 409, 'user_exists'],
      ['get', '/api/users', '/api/users', undefined, { authorization: `Bearer ${viewerToken}` }, 403, 'forbidden'],
    ];
    expect((await api(server.url, 'POST', '/api/offices', { id: 'OA-DOC-ERR', name: 'Document error office', country: 'BO' })).status).toBe(201);
    for (const [method, path, url, body, headers, status, code] of cases) {
      const res = await api(server.url, method.toUpperCase(), url, body, headers);
      expect({ url, status: res.status, code: res.body?.error?.code }).toEqual({ url, status, code });
      // Each of these statuses is listed on its operation, not only under 4XX.
      expect({ url, listed: String(status) in doc.paths[toOpenApiPath(path)]![method]!.responses }).toEqual({ url, listed: true });
      expect({ url, problems: problems(routeOf(method, path), res) }).toEqual({ url, problems: [] });
    }
  });

  test('a request with no credentials gets the documented 401', async () => {
    // A cookie of no session and no bearer token: nobody (the test client adds its token only when neither is sent).
    const res = await fetch(`${server.url}/api/offices`, { headers: { cookie: `${SESSION_COOKIE}=no-such-session` } });
    const answer: ApiResponse = { status: res.status, headers: res.headers, body: await res.json() };
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 401, code: 'unauthenticated' });
    expect('401' in doc.paths['/api/offices']!.get!.responses).toBe(true);
    expect(problems(routeOf('get', '/api/offices'), answer)).toEqual([]);
  });

  test('a body that departs from the document fails the check (the check can fail)', async () => {
    const res = await api(server.url, 'GET', '/api/workshops');
    const spec = routeOf('get', '/api/workshops');
    expect(problems(spec, res)).toEqual([]);
    const extra = { ...res, body: { workshops: [{ ...res.body.workshops[0], colour: 'blue' }] } };
    const missing = { ...res, body: { workshops: [{ ...res.body.workshops[0], placesLeft: undefined }] } };
    const wrongType = { ...res, body: { workshops: [{ ...res.body.workshops[0], capacity: '20' }] } };
    for (const variant of [extra, missing, wrongType]) {
      const found = problems(spec, variant);
      expect(found.some((p) => p.startsWith('document:'))).toBe(true);
      expect(found.some((p) => p.startsWith('zod:'))).toBe(true);
    }
  });
});
