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
    tokens[role] = auth.service.createToken(principal, `${role} script`).token;
  }
  const viewer = auth.accounts.users().find((u) => u.username === 'matrix-viewer')!;
  const principal = { kind: 'session' as const, role: 'viewer' as const, userId: viewer.id, actor: 'user:matrix-viewer' };
  const revoked = auth.service.createToken(principal, 'old script');
  auth.service.revokeToken(principal, revoked.record.id);
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

test('every route × every caller gets the status its access level demands', async () => {
  const failures: string[] = [];
  for (const spec of server.app.routes) {
    for (const caller of CALLERS) {
      const res = await call(spec, caller);
      const want = expected(spec, caller);
      const ok =
        want === 'pass'
          ? res.status < 500 && res.status !== 403 && (spec.access === 'public' || res.status !== 401)
          : want === 'signin'
            ? res.status === 303 && String(res.headers.location).startsWith('/signin')
            : res.status === want && JSON.parse(res.body).error.code !== undefined;
      if (!ok) failures.push(`${spec.method.toUpperCase()} ${spec.path} as ${caller}: expected ${want}, got ${res.status} ${res.body.slice(0, 120)}`);
    }
  }
  expect(failures).toEqual([]);
});
