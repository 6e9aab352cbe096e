import { fixedClock } from '../engine/clock';
import { ensureAdminAccount } from '../server/auth/bootstrap';
import { hashSecret } from '../server/auth/secrets';
import { registerOffice, startServer, type TestServer } from './helpers/server';
import { rawRequest } from './helpers/raw-http';
import { runSql } from './helpers/sqlite';

const clock = fixedClock('2026-03-02T10:00:00Z');
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ config: { SESSION_TTL_HOURS: 2, TRUST_PROXY: true }, runtime: { clock } });
  await server.app.auth.service.createUser(
    { username: 'alice', displayName: 'Alice Coordinator', role: 'coordinator', password: 'alice-password-1' },
    'test',
  );
  await server.app.auth.service.createUser(
    { username: 'victor', displayName: 'Victor Viewer', role: 'viewer', password: 'victor-password-1' },
    'test',
  );
});

afterAll(async () => {
  await server.close();
});

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

async function signIn(username: string, password: string, forwardedFor: string) {
  const res = await rawRequest(`${server.url}/signin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': forwardedFor },
    body: form({ username, password, next: '/offices' }),
  });
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  return { res, setCookie, cookie };
}

async function csrfOf(cookie: string): Promise<string> {
  const page = await rawRequest(`${server.url}/account`, { headers: { Cookie: cookie } });
  const match = /name="csrf-token" content="([^"]+)"/.exec(page.body);
  if (!match) throw new Error(`no csrf meta in page: ${page.status}`);
  return match[1]!;
}

test('first start creates one admin, with ADMIN_PASSWORD or a random password printed once', async () => {
  const fresh = await startServer();
  try {
    const accounts = fresh.app.auth.accounts;
    const first = await ensureAdminAccount(accounts, undefined, new Date());
    expect(first?.username).toBe('admin');
    expect(first?.generatedPassword).toMatch(/^.{20}$/);
    expect(await ensureAdminAccount(accounts, 'another-password', new Date())).toBeNull();
    const signedIn = await rawRequest(`${fresh.url}/signin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form({ username: 'admin', password: first!.generatedPassword! }),
    });
    expect(signedIn.status).toBe(303);
  } finally {
    await fresh.close();
  }
});

test('sign-in sets an HttpOnly SameSite=Lax session cookie; a wrong password does not', async () => {
  const wrong = await signIn('alice', 'not-her-password', '10.0.0.1');
  expect(wrong.res.status).toBe(401);
  expect(wrong.setCookie).toEqual([]);
  expect(wrong.res.body).toContain('Wrong user name or password');

  const { res, setCookie, cookie } = await signIn('alice', 'alice-password-1', '10.0.0.2');
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/offices');
  expect(setCookie[0]).toMatch(/HttpOnly/i);
  expect(setCookie[0]).toMatch(/SameSite=Lax/i);
  const me = await rawRequest(`${server.url}/api/me`, { headers: { Cookie: cookie } });
  expect(JSON.parse(me.body)).toMatchObject({ actor: 'user:alice', role: 'coordinator' });
  // Only a hash of the session id is stored.
  const sessionId = decodeURIComponent(cookie.split('=')[1]!);
  const stored = (await runSql(server.runtime, 'SELECT id_hash FROM sessions')).map((r) => r.id_hash);
  expect(stored).toContain(hashSecret(sessionId));
  expect(stored).not.toContain(sessionId);
});

test('a cookie-signed write needs the CSRF token, and history names the user', async () => {
  const { cookie } = await signIn('alice', 'alice-password-1', '10.0.0.3');
  const body = JSON.stringify({ name: 'Signed-in office', country: 'KE' });
  const noToken = await rawRequest(`${server.url}/api/offices`, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json' },
    body,
  });
  expect(noToken.status).toBe(403);
  expect(JSON.parse(noToken.body).error.code).toBe('csrf_token_invalid');

  const crossSite = await rawRequest(`${server.url}/api/offices`, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': await csrfOf(cookie), Origin: 'https://evil.example' },
    body,
  });
  expect(crossSite.status).toBe(403);
  expect(JSON.parse(crossSite.body).error.code).toBe('cross_site_request');
  expect((await server.runtime.store.listOffices({ q: 'Signed-in office' })).total).toBe(0);

  const ok = await rawRequest(`${server.url}/api/offices`, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': await csrfOf(cookie), Origin: server.url },
    body,
  });
  expect(ok.status).toBe(201);
  const id = JSON.parse(ok.body).id as string;
  expect((await server.runtime.store.history(id))[0]!.actor).toBe('user:alice');
});

test('a viewer cannot change anything', async () => {
  const { cookie } = await signIn('victor', 'victor-password-1', '10.0.0.4');
  const id = await registerOffice(server.url);
  const res = await rawRequest(`${server.url}/api/offices/${id}/events`, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': await csrfOf(cookie) },
    body: JSON.stringify({ type: 'SEND_CIRCULAR' }),
  });
  expect(res.status).toBe(403);
  expect((await server.runtime.store.getOffice(id))!.version).toBe(0);
});

test('sign-out ends the session; an expired session and a tampered cookie sign nobody in', async () => {
  const a = await signIn('alice', 'alice-password-1', '10.0.0.5');
  const csrf = await csrfOf(a.cookie);
  const out = await rawRequest(`${server.url}/signout`, {
    method: 'POST',
    headers: { Cookie: a.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form({ _csrf: csrf }),
  });
  expect(out.status).toBe(303);
  expect((await rawRequest(`${server.url}/api/me`, { headers: { Cookie: a.cookie } })).status).toBe(401);

  const b = await signIn('alice', 'alice-password-1', '10.0.0.6');
  const tampered = b.cookie.slice(0, -2) + (b.cookie.endsWith('AA') ? 'BB' : 'AA');
  expect((await rawRequest(`${server.url}/api/me`, { headers: { Cookie: tampered } })).status).toBe(401);
  const page = await rawRequest(`${server.url}/offices`, { headers: { Cookie: tampered } });
  expect(page.status).toBe(303);
  expect(page.headers.location).toMatch(/^\/signin\?next=/);

  expect((await rawRequest(`${server.url}/api/me`, { headers: { Cookie: b.cookie } })).status).toBe(200);
  clock.advance(2 * 3_600_000 + 1000);
  expect((await rawRequest(`${server.url}/api/me`, { headers: { Cookie: b.cookie } })).status).toBe(401);
});

test('API tokens are shown once, stored hashed, and stop working when revoked; a forged one is refused', async () => {
  const { cookie } = await signIn('alice', 'alice-password-1', '10.0.0.7');
  const csrf = await csrfOf(cookie);
  const created = await rawRequest(`${server.url}/api/tokens`, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify({ name: 'nightly import' }),
  });
  expect(created.status).toBe(201);
  const { token, id } = JSON.parse(created.body) as { token: string; id: number };
  const dump = JSON.stringify(await runSql(server.runtime, 'SELECT * FROM api_tokens'));
  expect(dump).not.toContain(token);

  const bearer = { Authorization: `Bearer ${token}` };
  const me = JSON.parse((await rawRequest(`${server.url}/api/me`, { headers: bearer })).body);
  expect(me.actor).toBe('token:nightly import (alice)');
  const listed = JSON.parse((await rawRequest(`${server.url}/api/tokens`, { headers: bearer })).body);
  expect(JSON.stringify(listed)).not.toContain(token);

  const forged = await rawRequest(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token.slice(0, -1)}x` } });
  expect(forged.status).toBe(401);
  expect(JSON.parse(forged.body).error.code).toBe('invalid_credentials');

  const revoked = await rawRequest(`${server.url}/api/tokens/${id}`, { method: 'DELETE', headers: bearer });
  expect(revoked.status).toBe(200);
  expect((await rawRequest(`${server.url}/api/me`, { headers: bearer })).status).toBe(401);
});

test('the audit trail lists who did what', async () => {
  const res = await rawRequest(`${server.url}/api/audit?limit=200`, {
    headers: { Authorization: `Bearer ${server.runtime.config.ADMIN_TOKEN}` },
  });
  const entries = JSON.parse(res.body).entries as { actor: string; action: string }[];
  expect(entries).toEqual(expect.arrayContaining([
    expect.objectContaining({ actor: 'user:alice', action: 'office.REGISTERED' }),
    expect.objectContaining({ actor: 'user:alice', action: 'token.created' }),
    expect.objectContaining({ actor: 'user:alice', action: 'signin' }),
    expect.objectContaining({ action: 'signin.failed' }),
  ]));
});

test('sign-in limits count failures only: ten people behind one proxy all sign in, again and again', async () => {
  for (let i = 0; i < 10; i++) {
    await server.app.auth.service.createUser(
      { username: `proxied${i}`, displayName: `Proxied ${i}`, role: 'coordinator', password: `proxied-password-${i}` },
      'test',
    );
  }
  const statuses: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) statuses.push((await signIn(`proxied${i}`, `proxied-password-${i}`, '10.7.7.7')).res.status);
  }
  expect(statuses).toHaveLength(30);
  expect(statuses.every((s) => s === 303)).toBe(true);
});

test('failures lock the account that failed, not the others behind the same address', async () => {
  const limit = server.app.auth.signInLimiter.perAccount;
  await server.app.auth.service.createUser({ username: 'guessed', displayName: 'Guessed', role: 'viewer', password: 'guessed-password-1' }, 'test');
  const statuses: number[] = [];
  for (let i = 0; i < limit + 2; i++) statuses.push((await signIn('guessed', 'wrong-password!', '10.9.9.9')).res.status);
  expect(statuses.slice(0, limit).every((s) => s === 401)).toBe(true);
  expect(statuses.slice(limit)).toEqual([429, 429]);
  // The right password no longer helps that account, from any address...
  expect((await signIn('guessed', 'guessed-password-1', '10.1.2.3')).res.status).toBe(429);
  // ...while another account signs in from the very address that failed.
  expect((await signIn('victor', 'victor-password-1', '10.9.9.9')).res.status).toBe(303);
});

test('an address that fails across many accounts is stopped too', async () => {
  const limit = server.app.auth.signInLimiter.perAddress;
  const statuses: number[] = [];
  for (let i = 0; i < limit + 1; i++) statuses.push((await signIn(`nobody${i}`, 'wrong-password!', '10.6.6.6')).res.status);
  expect(statuses.slice(0, limit).every((s) => s === 401)).toBe(true);
  expect(statuses[limit]).toBe(429);
  expect((await signIn('alice', 'alice-password-1', '10.6.6.6')).res.status).toBe(429);
  expect((await signIn('alice', 'alice-password-1', '10.6.6.7')).res.status).toBe(303);
});

test('a signed-in person can still use an office reply link (public pages need no session token)', async () => {
  const { cookie } = await signIn('alice', 'alice-password-1', '10.0.0.8');
  const id = await registerOffice(server.url, { name: 'Link office' });
  await server.runtime.engine.apply(id, { type: 'SEND_CIRCULAR' }, { actor: 'test' });
  const token = server.runtime.reminders.links.create(id, 'confirm', new Date(clock.now().getTime() + 86_400_000));
  const res = await rawRequest(`${server.url}/r/${token}`, {
    method: 'POST',
    headers: { Cookie: cookie, Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: '',
  });
  expect(res.status).toBe(200);
  expect((await server.runtime.store.getOffice(id))!.stage).toBe('preparing');
});

test('imports are in the audit trail with who made them', async () => {
  const { cookie } = await signIn('alice', 'alice-password-1', '10.0.0.9');
  const lines = JSON.stringify({ kind: 'office', id: 'AUDIT-IMP', name: 'Imported office', country: 'PE' });
  const asAlice = await rawRequest(`${server.url}/api/import`, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-ndjson', 'X-CSRF-Token': await csrfOf(cookie) },
    body: lines,
  });
  expect(asAlice.status).toBe(403);
  const token = server.runtime.config.ADMIN_TOKEN!;
  const asAdmin = await rawRequest(`${server.url}/api/import`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson' },
    body: lines,
  });
  expect(asAdmin.status).toBe(200);
  const trail = await server.runtime.accounts.auditTrail({ actor: 'admin-token' });
  expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['import', 'office.REGISTERED']));
});

test('public reply-link pages are rate limited per address', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 62; i++) {
    statuses.push((await rawRequest(`${server.url}/r/not-a-token`, { headers: { 'X-Forwarded-For': '10.8.8.8' } })).status);
  }
  expect(statuses.slice(0, 60).every((s) => s === 400)).toBe(true);
  expect(statuses.slice(60)).toEqual([429, 429]);
  expect((await rawRequest(`${server.url}/r/not-a-token`, { headers: { 'X-Forwarded-For': '10.8.8.9' } })).status).toBe(400);
});

test('a signed-in user changes their own password with the current one', async () => {
  await server.app.auth.service.createUser(
    { username: 'paula', displayName: 'Paula', role: 'viewer', password: 'paula-password-1' },
    'test',
  );
  const { cookie } = await signIn('paula', 'paula-password-1', '10.0.1.1');
  const change = async (current: string) =>
    rawRequest(`${server.url}/account/password`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form({ current, password: 'paula-password-2', _csrf: await csrfOf(cookie) }),
    });
  expect((await change('not-her-password')).status).toBe(403);
  expect((await signIn('paula', 'paula-password-2', '10.0.1.2')).res.status).toBe(401);
  expect((await change('paula-password-1')).status).toBe(200);
  expect((await signIn('paula', 'paula-password-2', '10.0.1.3')).res.status).toBe(303);
  expect((await signIn('paula', 'paula-password-1', '10.0.1.4')).res.status).toBe(401);
});
