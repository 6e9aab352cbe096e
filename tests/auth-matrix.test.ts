import type { Access, AnyRoute } from '../server/route';
import { registerOffice, startServer, type TestServer } from './helpers/server';
import { rawRequest, type RawResponse } from './helpers/raw-http';

/**
 * Every route of the route table × every kind of caller → the status access control must give.
 * The table is read from the running app, so a new route is covered the day it is added.
 */
type Caller = 'anonymous' | 'viewer' | 'coordinator' | 'admin' | 'revoked';
const CALLERS: Caller[] = ['anonymous', 'viewer', 'coordinator', 'admin', 'revoked'];
const RANK: Record<Access, number> = { public: 0, viewer: 1, coordinator: 2, admin: 3 };

let server: TestServer;
let officeId: string;
const tokens: Partial<Record<Caller, string>> = {};

beforeAll(async () => {
  server = await startServer();
  officeId = await registerOffice(server.url, { name: 'Matrix office' });
  const auth = server.app.auth;
  for (const role of ['viewer', 'coordinator', 'admin'] as const) {
    const user = await auth.service.createUser(
      { username: `matrix-${role}`, displayName: role, role, password: 'correct horse battery' },
      'test',
    );
    const principal = { kind: 'session' as const, role, userId: user.id, actor: `user:${user.username}` };
    tokens[role] = (await auth.service.createToken(principal, `${role} script`)).token;
  }
  const viewer = (await auth.accounts.users()).find((u) => u.username === 'matrix-viewer')!;
  const principal = { kind: 'session' as const, role: 'viewer' as const, userId: viewer.id, actor: 'user:matrix-viewer' };
  const revoked = await auth.service.createToken(principal, 'old script');
  await auth.service.revokeToken(principal, revoked.record.id);
  tokens.revoked = revoked.token;
});

afterAll(async () => {
  await server.close();
});

function concretePath(spec: AnyRoute): string {
  return spec.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    if (name === 'id' && spec.path.startsWith('/api/offices')) return encodeURIComponent(officeId);
    if (name === 'id' && spec.path.startsWith('/offices')) return encodeURIComponent(officeId);
    return '999999';
  });
}

function call(spec: AnyRoute, caller: Caller): Promise<RawResponse> {
  const headers: Record<string, string> = { Accept: spec.produces === 'html' ? 'text/html' : 'application/json' };
  if (caller !== 'anonymous') headers.Authorization = `Bearer ${tokens[caller]}`;
  let body: string | undefined;
  if (spec.method !== 'get' && spec.method !== 'delete') {
    headers['Content-Type'] = 'application/json';
    body = '{}';
  }
  return rawRequest(server.url + concretePath(spec), { method: spec.method.toUpperCase(), headers, body });
}

function expected(spec: AnyRoute, caller: Caller): 'pass' | 401 | 403 | 'signin' {
  if (spec.access === 'public') return 'pass';
  if (caller === 'revoked') return 401;
  if (caller === 'anonymous') return spec.produces === 'html' && spec.method === 'get' ? 'signin' : 401;
  return RANK[caller] >= RANK[spec.access] ? 'pass' : 403;
}

test('the route table is not empty and every route declares its access', () => {
  expect(server.app.routes.length).toBeGreaterThan(20);
  for (const spec of server.app.routes) expect(['public', 'viewer', 'coordinator', 'admin']).toContain(spec.access);
});

/**
 * What an allowed caller gets from each route with the requests above (an empty JSON body, ids
 * that do not exist, the one office that does): the exact status, the same for every role the
 * route allows. A 404 here is the route's own "no such thing", never a missing route.
 */
const ALLOWED_STATUS: Record<string, number> = {
  'GET /api/me': 200,
  'GET /api/users': 200,
  'POST /api/users': 400,
  'PATCH /api/users/:id': 400,
  'GET /api/tokens': 200,
  'POST /api/tokens': 400,
  'DELETE /api/tokens/:id': 404,
  'GET /api/audit': 200,
  'GET /signin': 200,
  'POST /signin': 401,
  'POST /signout': 303,
  'GET /account': 200,
  'POST /account/tokens': 400,
  'POST /account/password': 400,
  'POST /account/tokens/revoke': 400,
  'GET /admin/users': 200,
  'POST /admin/users': 400,
  'POST /admin/users/change': 400,
  'GET /audit': 200,
  'POST /api/offices': 400,
  'GET /api/offices': 200,
  'GET /api/offices/:id': 200,
  'POST /api/offices/:id/events': 400,
  'GET /api/offices/:id/history': 200,
  'POST /api/offices/:id/notes': 400,
  'GET /api/offices/:id/notes': 200,
  'GET /api/stats': 200,
  'GET /api/machine': 200,
  'POST /api/import': 415,
  'GET /healthz': 200,
  'GET /readyz': 200,
  'GET /api/focal-points': 200,
  'GET /api/offices/:id/focal-points': 200,
  'POST /api/offices/:id/focal-points': 400,
  'GET /api/workshops': 200,
  'POST /api/workshops': 400,
  'GET /api/workshops/:id': 404,
  'GET /api/workshops/:id/candidates': 404,
  'POST /api/workshops/:id/enrolments': 400,
  'POST /api/workshops/:id/attendance': 400,
  'POST /api/workshops/:id/cancel': 404,
  'GET /api/gold-disk': 200,
  'POST /api/gold-disk/releases': 400,
  'POST /api/gold-disk/hold': 400,
  'POST /api/gold-disk/:version/recall': 400,
  'GET /api/broadcasts': 200,
  'GET /api/broadcasts/:id': 404,
  'POST /api/broadcasts/:id/resume': 404,
  'POST /api/letters/preview': 400,
  'POST /api/letters': 400,
  'POST /api/import/offices': 415,
  'GET /api/reports/progress': 200,
  'GET /api/stuck': 200,
  'GET /api/stuck/counts': 200,
  'GET /api/outbox': 200,
  'GET /api/offices/:id/emails': 200,
  'GET /api/offices/:id/reminders': 200,
  'POST /api/offices/:id/reminders/pause': 400,
  'POST /api/offices/:id/reminders/resume': 409,
  'PUT /api/offices/:id/reminder-settings': 200,
  'GET /reply-links.css': 200,
  'GET /r/:token': 400,
  'POST /r/:token': 400,
  'GET /api/events/stream': 200,
  'GET /': 200,
  'GET /stuck': 200,
  'GET /offices': 200,
  'GET /register': 200,
  'GET /offices/:id': 200,
  'GET /programme': 200,
  'GET /programme/report': 200,
  'GET /programme/workshops': 200,
  'POST /programme/workshops': 400,
  'GET /programme/workshops/:id': 404,
  'POST /programme/workshops/:id/enrol': 400,
  'POST /programme/workshops/:id/attendance': 404,
  'POST /programme/workshops/:id/cancel': 404,
  'GET /programme/gold-disk': 200,
  'POST /programme/gold-disk/release': 400,
  'POST /programme/gold-disk/hold': 400,
  'GET /programme/broadcasts/:id': 404,
  'POST /programme/broadcasts/:id/resume': 404,
  'GET /programme/letters': 200,
  'POST /programme/letters': 400,
  'GET /programme/import': 200,
  'POST /programme/import': 400,
  'GET /api/analytics/durations': 200,
  'GET /api/analytics/funnel': 200,
  'GET /api/analytics/flow': 200,
  'GET /api/analytics/sla': 200,
  'GET /api/analytics/slowest': 200,
  'GET /api/forecast': 200,
  'GET /api/analytics/countries': 200,
  'GET /analytics': 200,
  'GET /forecast': 200,
  'GET /map': 200,
  // Public to the loopback address the test client scrapes from (METRICS_ALLOW's default), so even a
  // revoked token gets the metrics; from elsewhere tests/metrics.test.ts checks the 401 and the 403.
  'GET /metrics': 200,
  'POST /api/webhooks': 400,
  'GET /api/webhooks': 200,
  'GET /api/webhooks/:id': 404,
  // Every field of the change is optional: the empty body is valid and the id is what is missing.
  'PATCH /api/webhooks/:id': 404,
  'DELETE /api/webhooks/:id': 404,
  'GET /api/webhooks/:id/deliveries': 404,
  'POST /api/webhooks/:id/deliveries/:deliveryId/redeliver': 404,
  'GET /programme/webhooks': 200,
  'POST /programme/webhooks': 400,
  'POST /programme/webhooks/:id/enable': 404,
  'POST /programme/webhooks/:id/disable': 404,
  'POST /programme/webhooks/:id/delete': 404,
  'POST /programme/webhooks/:id/deliveries/:deliveryId/redeliver': 404,
  'GET /programme/replies': 200,
  'POST /programme/replies/:id/assign': 400,
  'GET /api/workshops/:id/invitation.ics': 404,
  // The body is checked before the workshop is looked up.
  'PATCH /api/workshops/:id/dates': 400,
  'GET /api/export': 200,
  'GET /api/openapi.json': 200,
};

test('every route × every caller gets the exact status its access level demands', async () => {
  const failures: string[] = [];
  const observed: string[] = [];
  for (const spec of server.app.routes) {
    const key = `${spec.method.toUpperCase()} ${spec.path}`;
    for (const caller of CALLERS) {
      const res = await call(spec, caller);
      const want = expected(spec, caller);
      let ok: boolean;
      if (want === 'pass') {
        const status = ALLOWED_STATUS[key];
        if (caller === 'admin') observed.push(`  '${key}': ${res.status},`);
        const code = res.headers['content-type']?.includes('json') ? (JSON.parse(res.body) as { error?: { code?: string } }).error?.code : undefined;
        ok = res.status === status && code !== 'route_not_found';
      } else if (want === 'signin') {
        ok = res.status === 303 && String(res.headers.location).startsWith('/signin');
      } else {
        ok = res.status === want && JSON.parse(res.body).error.code !== undefined;
      }
      if (!ok) failures.push(`${key} as ${caller}: expected ${want === 'pass' ? ALLOWED_STATUS[key] : want}, got ${res.status} ${res.body.slice(0, 120)}`);
    }
  }
  // A route missing from the table prints the whole table as observed, ready to review and paste.
  if (failures.some((f) => f.includes('expected undefined'))) console.log(observed.join('\n'));
  expect(failures).toEqual([]);
});
