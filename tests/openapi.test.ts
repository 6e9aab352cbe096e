/**
 * `GET /api/openapi.json` is generated from the route table: every JSON route is in it with its
 * method, its path parameters and request body, and the document has the OpenAPI 3.1 structure.
 */
import { z, type ZodType } from 'zod';
import { officeEventTypes } from '../machines/events';
import { parseIfMatch } from '../server/api/offices';
import { SESSION_COOKIE } from '../server/auth/principal';
import { inDocument, operationIdOf } from '../server/openapi';
import { route, type AnyRoute } from '../server/route';
import { sampleEvent } from './fixtures/events';
import { api, startServer, type ApiResponse, type TestServer } from './helpers/server';

type Json = Record<string, unknown>;
interface MediaType {
  schema: Json;
}
interface Operation {
  operationId: string;
  summary?: string;
  'x-access'?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Json }[];
  requestBody?: { required?: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, { description: string; headers?: Record<string, { required?: boolean; schema: Json }>; content?: Record<string, MediaType> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string; license: { name: string } };
  servers: { url: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
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
const jsonRoutes = () => server.app.routes.filter(inDocument);

test('is an OpenAPI 3.1 document with info, a licence, a server and paths', () => {
  expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  expect(doc.info).toEqual({ title: expect.any(String), version: expect.any(String), license: { name: 'UNLICENSED' } });
  // Relative to the document: the server that served it.
  expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
});

test('pages and the stylesheet of the reply-link pages are not API operations', () => {
  expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/') && p !== '/healthz' && p !== '/readyz')).toEqual([]);
  const pages = server.app.routes.filter((r) => !inDocument(r));
  expect(pages.map((r) => r.path)).toEqual(expect.arrayContaining(['/reply-links.css', '/r/:token', '/signin']));
});

test('every operation has an operationId derived from its method and path, unique in the document', () => {
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  expect(ids).toHaveLength(jsonRoutes().length);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  for (const id of ids) expect(id).toMatch(/^(get|post|put|patch|delete)[A-Z][A-Za-z0-9]*$/);
  expect(doc.paths['/api/offices/{id}/events']!.post!.operationId).toBe('postOfficesByIdEvents');
  expect(doc.paths['/api/openapi.json']!.get!.operationId).toBe('getOpenapiJson');
  expect(doc.paths['/healthz']!.get!.operationId).toBe('getHealthz');
  expect(doc.paths['/api/gold-disk/{version}/recall']!.post!.operationId).toBe('postGoldDiskByVersionRecall');
  // Two routes that differ only in punctuation would collide: the test above is what catches it.
  expect(operationIdOf({ method: 'get', path: '/api/gold-disk' })).toBe(operationIdOf({ method: 'get', path: '/api/gold/disk' }));
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

test('every operation documents the body of its 2xx answer, JSON from a zod schema unless it streams', () => {
  const undocumented = jsonRoutes()
    .filter((spec) => {
      const declared = Object.entries(spec.responses ?? {}).filter(([status]) => Number(status) < 300);
      return !declared.some(([, response]) => (spec.produces === 'event-stream' ? response.events : response.schema));
    })
    .map((spec) => `${spec.method.toUpperCase()} ${spec.path}`);
  expect(undocumented).toEqual([]);
  for (const spec of jsonRoutes().filter((r) => r.produces !== 'event-stream')) {
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    const responses = doc.paths[toOpenApiPath(spec.path)]![spec.method]!.responses;
    const json = Object.entries(responses).filter(([status, r]) => /^2\d\d$/.test(status) && r.content?.['application/json']);
    expect({ where, json: json.length }).toEqual({ where, json: 1 });
  }
});

test("route() types a handler's return by its declared 2xx schema", () => {
  const schema = z.strictObject({ count: z.number().int() });
  const typed = route({
    method: 'get',
    path: '/typed',
    summary: 'A route whose handler departs from its schema',
    tag: 'test',
    access: 'public',
    responses: { 200: { description: 'A count', schema } },
    // @ts-expect-error `tsc` refuses a handler whose body is not what the schema describes
    handler: () => ({ count: 'three' }),
  });
  expect(schema.safeParse(typed.handler({} as never)).success).toBe(false);
  const untyped = route({ method: 'get', path: '/untyped', summary: 'No schema', tag: 'test', access: 'public', handler: () => ({ anything: true }) });
  expect(untyped.handler({} as never)).toEqual({ anything: true });
});

test('each operation lists the errors its kind of route gives: 400 when it takes input, 404 with a path parameter, 401 unless public, 403 for a role or a CSRF check', () => {
  for (const spec of jsonRoutes()) {
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    const statuses = Object.keys(doc.paths[toOpenApiPath(spec.path)]![spec.method]!.responses);
    const takesInput = Boolean(spec.params ?? spec.query ?? spec.body ?? spec.textBody);
    const forbids = spec.access === 'coordinator' || spec.access === 'admin' || spec.method !== 'get';
    expect({ where, 400: statuses.includes('400'), 404: statuses.includes('404'), 401: statuses.includes('401'), 403: statuses.includes('403') }).toEqual({
      where,
      400: takesInput,
      404: spec.params !== undefined,
      401: spec.access !== 'public',
      403: forbids,
    });
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
  const difficulty = eventSchema.oneOf.find((o) => o.properties.type.const === 'SITE_DIFFICULTY')!;
  expect(difficulty.required).toEqual(expect.arrayContaining(['type', 'reason']));
  // A no may come without its reason.
  const declined = eventSchema.oneOf.find((o) => o.properties.type.const === 'REPLY_DECLINED')!;
  expect(declined.required ?? []).not.toContain('reason');
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

// --- Helpers for reading the document -------------------------------------------------------

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const sorted = (keys: readonly string[]) => [...keys].sort();

/** The node a local `$ref` ("#/components/schemas/X") points to in the document, if any. */
function resolveRef(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  const keys = ref.slice(2).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  return keys.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), doc);
}

function deref(schema: Json): Json {
  if (typeof schema.$ref !== 'string') return schema;
  const target = resolveRef(schema.$ref);
  if (!isObject(target)) throw new Error(`unresolved $ref ${schema.$ref}`);
  return deref(target);
}

const typesOf = (schema: Json): unknown[] => (Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]);

/**
 * Where a JSON value departs from the document's schema for it: a required field absent, a field
 * the schema does not declare, or null where the schema does not allow it. Formats and numbers are
 * left to the zod schemas; this checks the structure the document shows clients.
 */
function shapeMismatches(schema: Json, value: unknown, at: string): string[] {
  const s = deref(schema);
  const branches = s.anyOf ?? s.oneOf;
  if (Array.isArray(branches)) {
    return branches.some((b: Json) => shapeMismatches(b, value, at).length === 0) ? [] : [`${at}: matches none of its alternatives`];
  }
  if (value === null) return typesOf(s).length === 0 || typesOf(s).includes('null') ? [] : [`${at}: null is not allowed`];
  if (Array.isArray(value)) {
    return isObject(s.items) ? value.flatMap((item, i) => shapeMismatches(s.items as Json, item, `${at}[${i}]`)) : [];
  }
  if (!isObject(value) || !isObject(s.properties)) return [];
  const properties = s.properties as Record<string, Json>;
  const required = Array.isArray(s.required) ? (s.required as string[]) : [];
  return [
    ...required.filter((k) => !(k in value)).map((k) => `${at}.${k}: required but absent`),
    ...Object.keys(value)
      .filter((k) => !(k in properties))
      .map((k) => `${at}.${k}: not in the document`),
    ...Object.keys(value)
      .filter((k) => k in properties)
      .flatMap((k) => shapeMismatches(properties[k]!, value[k], `${at}.${k}`)),
  ];
}

/** Every object node of the document with its JSON pointer-ish location. */
function objectNodes(value: unknown, at = '#'): [string, Json][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => objectNodes(item, `${at}/${i}`));
  if (!isObject(value)) return [];
  return [[at, value], ...Object.entries(value).flatMap(([k, v]) => objectNodes(v, `${at}/${k}`))];
}

function routeSpec(method: string, path: string): AnyRoute {
  const spec = server.app.routes.find((r) => r.method === method && r.path === path);
  if (!spec) throw new Error(`no route ${method} ${path}`);
  return spec;
}

function responseSchemaOf(method: string, path: string, status: number): ZodType {
  const schema = routeSpec(method, path).responses?.[status]?.schema;
  if (!schema) throw new Error(`${method} ${path} declares no schema for ${status}`);
  return schema;
}

function documentedBody(method: string, path: string, status: number): Json {
  const schema = doc.paths[toOpenApiPath(path)]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the document has no JSON body for ${method} ${path} ${status}`);
  return schema;
}

const issuesOf = (schema: ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

// --- Office responses against the document -------------------------------------------------

const OFFICE_ROUTES = [
  ['post', '/api/offices', 201],
  ['get', '/api/offices', 200],
  ['get', '/api/offices/:id', 200],
  ['post', '/api/offices/:id/events', 200],
  ['get', '/api/offices/:id/history', 200],
  ['get', '/api/stats', 200],
] as const;

describe('office responses', () => {
  const real = new Map<string, ApiResponse>();
  const key = (method: string, path: string) => `${method} ${path}`;

  beforeAll(async () => {
    const office = {
      id: 'OA-DOC-1',
      name: 'Document check office',
      country: 'KE',
      city: 'Nairobi',
      language: 'sw',
      contacts: [{ name: 'Wanjiru Test', email: 'wanjiru@example.org', role: 'Director' }],
    };
    const id = encodeURIComponent(office.id);
    real.set(key('post', '/api/offices'), await api(server.url, 'POST', '/api/offices', office));
    real.set(key('post', '/api/offices/:id/events'), await api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent('SEND_CIRCULAR'), { 'If-Match': '"0"' }));
    real.set(key('get', '/api/offices'), await api(server.url, 'GET', '/api/offices'));
    real.set(key('get', '/api/offices/:id'), await api(server.url, 'GET', `/api/offices/${id}`));
    real.set(key('get', '/api/offices/:id/history'), await api(server.url, 'GET', `/api/offices/${id}/history`));
    real.set(key('get', '/api/stats'), await api(server.url, 'GET', '/api/stats'));
  });

  const bodyOf = (method: string, path: string, status: number): unknown => {
    const res = real.get(key(method, path))!;
    expect({ route: key(method, path), status: res.status }).toEqual({ route: key(method, path), status });
    return res.body;
  };

  test.each(OFFICE_ROUTES)('%s %s: the real %i body parses with the zod schema the document was generated from', (method, path, status) => {
    const body = bodyOf(method, path, status);
    expect(issuesOf(responseSchemaOf(method, path, status), body)).toEqual([]);
  });

  test.each(OFFICE_ROUTES)('%s %s: the document requires exactly the fields of the real %i body, at every level', (method, path, status) => {
    const body = bodyOf(method, path, status);
    const documented = deref(documentedBody(method, path, status));
    expect(sorted(documented.required as string[])).toEqual(sorted(Object.keys(body as Json)));
    // The document is the zod schema's: the same required fields as a fresh conversion of it.
    const fresh = z.toJSONSchema(responseSchemaOf(method, path, status), { unrepresentable: 'any' });
    expect(sorted(documented.required as string[])).toEqual(sorted(fresh.required ?? []));
    expect(shapeMismatches(documentedBody(method, path, status), body, 'body')).toEqual([]);
  });

  test('the office list and history bodies are not empty, so their items are checked too', () => {
    expect((bodyOf('get', '/api/offices', 200) as { offices: unknown[] }).offices.length).toBeGreaterThan(0);
    expect((bodyOf('get', '/api/offices/:id/history', 200) as { events: unknown[] }).events.length).toBeGreaterThan(0);
  });

  test('an office with a renamed, missing or extra field neither parses nor matches the document', () => {
    const office = bodyOf('get', '/api/offices/:id', 200) as Json & { contacts: Json[] };
    const { stage, version: _version, ...rest } = office;
    const variants: Record<string, unknown> = {
      renamed: { ...rest, version: office.version, phase: stage },
      missing: { ...rest, stage },
      extra: { ...office, colour: 'blue' },
      'renamed nested': { ...office, contacts: office.contacts.map(({ email, ...c }) => ({ ...c, mail: email })) },
    };
    const schema = responseSchemaOf('get', '/api/offices/:id', 200);
    const documented = documentedBody('get', '/api/offices/:id', 200);
    for (const [name, variant] of Object.entries(variants)) {
      expect({ name, parses: issuesOf(schema, variant).length === 0 }).toEqual({ name, parses: false });
      expect({ name, matches: shapeMismatches(documented, variant, 'body').length === 0 }).toEqual({ name, matches: false });
    }
  });

  test('the real ETag headers have the documented format', () => {
    for (const [method, path, status] of [
      ['post', '/api/offices', 201],
      ['get', '/api/offices/:id', 200],
      ['post', '/api/offices/:id/events', 200],
    ] as const) {
      const header = doc.paths[toOpenApiPath(path)]![method]!.responses[String(status)]!.headers?.ETag;
      expect({ route: key(method, path), header }).toEqual({ route: key(method, path), header: expect.objectContaining({ required: true }) });
      const etag = real.get(key(method, path))!.headers.get('etag');
      expect(etag).toMatch(new RegExp(header!.schema.pattern as string));
      expect(etag).toBe(`"${(real.get(key(method, path))!.body as { version: number }).version}"`);
    }
  });
});

// --- Headers, the import body and authentication -------------------------------------------

test('POST /api/offices/{id}/events documents the optional If-Match header in the format parseIfMatch reads', () => {
  const parameter = doc.paths['/api/offices/{id}/events']!.post!.parameters!.find((q) => q.in === 'header' && q.name === 'If-Match');
  expect(parameter).toEqual(expect.objectContaining({ required: false, description: expect.any(String), schema: expect.objectContaining({ type: 'string' }) }));
  const pattern = new RegExp(parameter!.schema!.pattern as string);
  const accepts = (value: string) => {
    try {
      parseIfMatch(value);
      return true;
    } catch {
      return false;
    }
  };
  for (const value of ['3', '"3"', 'W/"3"', ' "42" ', '"123456789012345"', '', '*', 'W/', '"-1"', '"3", "4"', 'abc', '"1234567890123456"']) {
    expect({ value, documented: pattern.test(value) }).toEqual({ value, documented: accepts(value) });
  }
});

test('POST /api/import documents its JSON Lines body, and the server takes every media type listed', async () => {
  const body = doc.paths['/api/import']!.post!.requestBody!;
  expect(body.required).toBe(true);
  expect(body.description).toEqual(expect.stringContaining('JSON Lines'));
  const types = Object.keys(body.content);
  expect(types).toEqual(expect.arrayContaining(['application/x-ndjson']));
  expect(types).not.toContain('application/json');
  for (const [i, type] of types.entries()) {
    expect(body.content[type]!.schema).toEqual({ type: 'string' });
    const line = JSON.stringify({ kind: 'office', id: `OA-IMPORT-${i}`, name: `Imported as ${type}`, country: 'CL' });
    const res = await api(server.url, 'POST', '/api/import', `${line}\n`, { 'content-type': type });
    expect({ type, status: res.status }).toEqual({ type, status: 200 });
    expect(issuesOf(responseSchemaOf('post', '/api/import', 200), res.body)).toEqual([]);
  }
  // A JSON body is not an import: the document must not offer it.
  const json = await api(server.url, 'POST', '/api/import', { kind: 'office' });
  expect(json.status).toBe(415);
});

test('POST /api/import/offices documents its CSV body, and the server takes it', async () => {
  const body = doc.paths['/api/import/offices']!.post!.requestBody!;
  expect(body.required).toBe(true);
  expect(Object.keys(body.content)).toEqual(['text/csv']);
  expect(body.content['text/csv']!.schema).toEqual({ type: 'string' });
  const csv = 'id,name,country\nOA-CSV-DOC,Imported from CSV,PE\n';
  const res = await api(server.url, 'POST', '/api/import/offices?dryRun=true', csv, { 'content-type': 'text/csv' });
  expect(res.status).toBe(200);
});

test('the security schemes are the bearer token, the session cookie and its CSRF header', () => {
  expect(doc.components.securitySchemes).toEqual({
    bearerToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    sessionCookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }),
    csrfToken: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' }),
  });
});

test("each operation's security follows its route's access: none when public, else a token or a session of that role", () => {
  for (const spec of jsonRoutes()) {
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    const op = doc.paths[toOpenApiPath(spec.path)]![spec.method]!;
    if (spec.access === 'public') {
      expect({ where, security: op.security }).toEqual({ where, security: [] });
      continue;
    }
    const session = ['post', 'put', 'patch', 'delete'].includes(spec.method)
      ? { sessionCookie: [spec.access], csrfToken: [] }
      : { sessionCookie: [spec.access] };
    expect({ where, security: op.security }).toEqual({ where, security: [{ bearerToken: [spec.access] }, session] });
  }
});

test('what the document calls public answers without credentials, and the rest asks for them', async () => {
  // A cookie of no session and no bearer token (the test client adds one only when neither is sent).
  const anonymous = (path: string) => fetch(server.url + path, { headers: { cookie: `${SESSION_COOKIE}=no-such-session` } });
  expect(doc.paths['/healthz']!.get!.security).toEqual([]);
  expect((await anonymous('/healthz')).status).toBe(200);
  expect(doc.paths['/api/offices']!.get!.security).not.toEqual([]);
  expect((await anonymous('/api/offices')).status).toBe(401);
});

// --- Structure -----------------------------------------------------------------------------

test('every $ref resolves, every component is used, and every required name is a declared property', () => {
  const nodes = objectNodes(doc);
  const refs = nodes.filter(([, node]) => '$ref' in node).map(([at, node]) => ({ at, ref: node.$ref }));
  expect(refs.length).toBeGreaterThan(0);
  for (const { at, ref } of refs) {
    expect({ at, ref, resolves: typeof ref === 'string' && ref.startsWith('#/components/') && isObject(resolveRef(ref)) }).toEqual({ at, ref, resolves: true });
  }
  const used = new Set(refs.map(({ ref }) => ref));
  expect(Object.keys(doc.components.schemas).filter((id) => !used.has(`#/components/schemas/${id}`))).toEqual([]);
  for (const [id, schema] of Object.entries(doc.components.schemas)) {
    // A component carries no `$id`/`$schema` of its own: a fragment `$id` is not valid JSON Schema.
    expect({ id, keys: Object.keys(schema).filter((k) => k === '$id' || k === '$schema') }).toEqual({ id, keys: [] });
  }
  // `required` as an array is JSON Schema's; parameters, headers and bodies use a boolean.
  for (const [at, node] of nodes.filter(([, n]) => Array.isArray(n.required))) {
    const declared = isObject(node.properties) ? Object.keys(node.properties) : [];
    const undeclared = (node.required as unknown[]).filter((name) => typeof name !== 'string' || !declared.includes(name));
    expect({ at, undeclared }).toEqual({ at, undeclared: [] });
  }
});

test('every operation names each parameter once and only security schemes that exist', () => {
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${p}`;
      const ids = (op.parameters ?? []).map((q) => `${q.in}:${q.name.toLowerCase()}`);
      expect({ where, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i) }).toEqual({ where, duplicates: [] });
      for (const parameter of op.parameters ?? []) expect({ where, required: typeof parameter.required }).toEqual({ where, required: 'boolean' });
      expect({ where, security: Array.isArray(op.security) }).toEqual({ where, security: true });
      const unknown = (op.security ?? []).flatMap((r) => Object.keys(r)).filter((name) => !(name in doc.components.securitySchemes));
      expect({ where, unknown }).toEqual({ where, unknown: [] });
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [name, header] of Object.entries(response.headers ?? {})) {
          expect({ where, status, name, header: isObject(header.schema) && typeof header.required === 'boolean' }).toEqual({ where, status, name, header: true });
        }
      }
    }
  }
});
