/**
 * `GET /api/openapi.json` is generated from the route table: every JSON route is in it with its
 * method, its path parameters and request body, and the document has the OpenAPI 3.1 structure.
 */
import { officeEventTypes } from '../machines/events';
import { api, startServer, type TestServer } from './helpers/server';

interface Operation {
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
}

let server: TestServer;
let doc: Document;
beforeAll(async () => {
  server = await startServer();
  const res = await api<Document>(server.url, 'GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => {
  await server?.close();
});

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const jsonRoutes = () => server.app.routes.filter((r) => r.produces !== 'html');

test('is an OpenAPI 3.1 document with info and paths', () => {
  expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  expect(doc.info).toEqual({ title: expect.any(String), version: expect.any(String) });
  expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
});

test('every route of the route table is in it, with its method', () => {
  const missing = jsonRoutes()
    .filter((r) => !doc.paths[toOpenApiPath(r.path)]?.[r.method])
    .map((r) => `${r.method.toUpperCase()} ${r.path}`);
  expect(missing).toEqual([]);
  for (const core of [
    'post /api/offices',
    'get /api/offices',
    'get /api/offices/{id}',
    'post /api/offices/{id}/events',
    'get /api/offices/{id}/history',
    'get /api/stats',
    'get /api/machine',
    'post /api/import',
    'get /api/openapi.json',
    'get /healthz',
  ]) {
    const [method, p] = core.split(' ') as [string, string];
    expect({ core, present: Boolean(doc.paths[p]?.[method]) }).toEqual({ core, present: true });
  }
});

test('it documents no operation the server does not serve', () => {
  const served = new Set(jsonRoutes().map((r) => `${r.method} ${toOpenApiPath(r.path)}`));
  const extra = Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => `${m} ${p}`)
      .filter((op) => !served.has(op)),
  );
  expect(extra).toEqual([]);
});

test('every operation is well formed: responses, path parameters, request bodies', () => {
  for (const [p, item] of Object.entries(doc.paths)) {
    expect(p.startsWith('/')).toBe(true);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${p}`;
      expect({ where, method: METHODS.includes(method) }).toEqual({ where, method: true });
      const statuses = Object.keys(op.responses ?? {});
      expect({ where, hasSuccess: statuses.some((s) => /^[23]\d\d$/.test(s)) }).toEqual({ where, hasSuccess: true });
      for (const [status, response] of Object.entries(op.responses)) {
        expect({ where, status, ok: /^([1-5]\d\d|[1-5]XX|default)$/.test(status) && typeof response.description === 'string' }).toEqual({ where, status, ok: true });
      }
      const declared = (op.parameters ?? []).filter((q) => q.in === 'path').map((q) => q.name).sort();
      const inPath = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      expect({ where, pathParameters: declared }).toEqual({ where, pathParameters: inPath });
      for (const parameter of op.parameters ?? []) {
        expect(['path', 'query', 'header', 'cookie']).toContain(parameter.in);
        if (parameter.in === 'path') expect(parameter.required).toBe(true);
        expect(parameter.schema).toEqual(expect.any(Object));
      }
      if (op.requestBody) {
        for (const media of Object.values(op.requestBody.content)) expect(media.schema).toEqual(expect.any(Object));
      }
    }
  }
});

test('bodies and query parameters come from the zod schemas', () => {
  const register = doc.paths['/api/offices']!.post!;
  const schema = register.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown>; required: string[] };
  expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'name', 'country', 'city', 'language', 'track', 'contacts']));
  expect(schema.required).toEqual(expect.arrayContaining(['name', 'country']));
  const list = doc.paths['/api/offices']!.get!;
  expect(list.parameters!.map((q) => q.name)).toEqual(expect.arrayContaining(['stage', 'state', 'country', 'q']));
  const events = doc.paths['/api/offices/{id}/events']!.post!;
  expect(Object.keys(events.responses)).toEqual(expect.arrayContaining(['200', '409', '412']));
  // The event body is one of the payloads of machines/events.ts, told apart by `type`.
  const eventSchema = events.requestBody!.content['application/json']!.schema as {
    oneOf: { properties: { type: { const: string } } & Record<string, unknown>; required?: string[] }[];
  };
  expect(eventSchema.oneOf.map((o) => o.properties.type.const).sort()).toEqual([...officeEventTypes].sort());
  const declined = eventSchema.oneOf.find((o) => o.properties.type.const === 'REPLY_DECLINED')!;
  expect(declined.required).toEqual(expect.arrayContaining(['type', 'reason']));
});

test('every documented JSON GET without parameters is served, without a 5xx', async () => {
  const json = new Set(jsonRoutes().filter((r) => (r.produces ?? 'json') === 'json').map((r) => toOpenApiPath(r.path)));
  for (const [p, item] of Object.entries(doc.paths)) {
    if (!item.get || !json.has(p) || p.includes('{') || item.get.parameters?.some((q) => q.required)) continue;
    const res = await api(server.url, 'GET', p);
    const served = res.status < 500 && res.body?.error?.code !== 'route_not_found';
    expect({ p, status: res.status, served }).toEqual({ p, status: res.status, served: true });
    if (res.status >= 400) expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) } });
  }
});
