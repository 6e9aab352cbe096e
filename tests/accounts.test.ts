import path from 'node:path';
import { api, makeTempDir, removeTempDir, runCli, startServer, type TestServer } from './helpers/server';
import { rawRequest } from './helpers/raw-http';

/** Account changes: sessions after a password change, the last admin, strict ids and flags, races. */

jest.setTimeout(180_000);

let server: TestServer;
let address = 0;

beforeAll(async () => {
  server = await startServer({ config: { TRUST_PROXY: true } });
});

afterAll(async () => {
  await server.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Each sign-in from its own address, so the per-address limit never decides a test. */
async function signIn(username: string, password: string): Promise<string> {
  const res = await rawRequest(`${server.url}/signin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': `10.7.0.${++address}` },
    body: form({ username, password, next: '/' }),
  });
  expect(res.status).toBe(303);
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
}

const signedIn = async (cookie: string) => (await rawRequest(`${server.url}/api/me`, { headers: { Cookie: cookie } })).status;

async function csrfOf(cookie: string): Promise<string> {
  const page = await rawRequest(`${server.url}/account`, { headers: { Cookie: cookie } });
  return /name="csrf-token" content="([^"]+)"/.exec(page.body)![1]!;
}

async function createUser(username: string, role: string, password = 'first-password-1'): Promise<number> {
  const res = await api(server.url, 'POST', '/api/users', { username, displayName: username, role, password });
  expect(res.status).toBe(201);
  return res.body.id as number;
}

describe('a new password ends the other sessions of the account', () => {
  test('changed by the user: the session that changed it stays, the others end', async () => {
    await createUser('pat', 'viewer');
    const here = await signIn('pat', 'first-password-1');
    const elsewhere = await signIn('pat', 'first-password-1');
    expect([await signedIn(here), await signedIn(elsewhere)]).toEqual([200, 200]);
    const res = await rawRequest(`${server.url}/account/password`, {
      method: 'POST',
      headers: { Cookie: here, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form({ current: 'first-password-1', password: 'second-password-2', _csrf: await csrfOf(here) }),
    });
    expect(res.status).toBe(200);
    expect([await signedIn(here), await signedIn(elsewhere)]).toEqual([200, 401]);
  });

  test('changed by an admin: every session of the account ends', async () => {
    const id = await createUser('quinn', 'coordinator');
    const one = await signIn('quinn', 'first-password-1');
    const two = await signIn('quinn', 'first-password-1');
    expect((await api(server.url, 'PATCH', `/api/users/${id}`, { password: 'reset-password-3' })).status).toBe(200);
    expect([await signedIn(one), await signedIn(two)]).toEqual([401, 401]);
    expect(await signedIn(await signIn('quinn', 'reset-password-3'))).toBe(200);
  });
});

describe('the last admin', () => {
  test('cannot be demoted or disabled through the API; another admin first makes it possible', async () => {
    const admins = await server.runtime.accounts.enabledAdminIds();
    expect(admins).toEqual([]);
    const solo = await createUser('solo-admin', 'admin');
    for (const change of [{ role: 'viewer' }, { disabled: true }, { role: 'coordinator', disabled: true }]) {
      const res = await api(server.url, 'PATCH', `/api/users/${solo}`, change);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_admin');
      expect(res.body.error.message).toContain('last active admin');
    }
    expect(await server.runtime.accounts.userById(solo)).toMatchObject({ role: 'admin', disabledAt: null });
    const second = await createUser('second-admin', 'admin');
    expect((await api(server.url, 'PATCH', `/api/users/${solo}`, { role: 'viewer' })).status).toBe(200);
    expect((await api(server.url, 'PATCH', `/api/users/${second}`, { disabled: true })).status).toBe(409);
    // Put things back for the next test.
    expect((await api(server.url, 'PATCH', `/api/users/${solo}`, { role: 'admin' })).status).toBe(200);
    expect((await api(server.url, 'PATCH', `/api/users/${second}`, { role: 'viewer' })).status).toBe(200);
  });

  test('cannot demote or disable itself through the page', async () => {
    const solo = (await server.runtime.accounts.credentials('solo-admin'))!.user;
    const cookie = await signIn('solo-admin', 'first-password-1');
    const res = await rawRequest(`${server.url}/admin/users/change`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form({ id: String(solo.id), role: 'viewer', disabled: 'false', _csrf: await csrfOf(cookie) }),
    });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect((await server.runtime.accounts.userById(solo.id))!.role).toBe('admin');
  });
});

describe('strict ids and flags', () => {
  test('a numeric id is digits only', async () => {
    const id = await createUser('target-16', 'viewer');
    expect(id).toBeGreaterThan(1);
    const hex = `0x${id.toString(16)}`;
    for (const spelled of [hex, `${id}e0`, `+${id}`, ` ${id} `, `0${id}`, `${id}.0`, '-1', '0']) {
      const res = await api(server.url, 'PATCH', `/api/users/${encodeURIComponent(spelled)}`, { role: 'coordinator' });
      expect([spelled, res.status]).toEqual([spelled, 400]);
      const token = await api(server.url, 'DELETE', `/api/tokens/${encodeURIComponent(spelled)}`);
      expect([spelled, token.status]).toEqual([spelled, 400]);
    }
    expect((await server.runtime.accounts.userById(id))!.role).toBe('viewer');
    expect((await api(server.url, 'PATCH', `/api/users/${id}`, { role: 'coordinator' })).status).toBe(200);
  });

  test('a flag is true/false or 1/0: dryRun=TRUE, yes or on imports nothing', async () => {
    const csv = 'id,name,country\nFLAG-1,Flag office,FR\n';
    for (const value of ['TRUE', 'yes', 'on', 'True', '', 'truee']) {
      const res = await api(server.url, 'POST', `/api/import/offices?dryRun=${encodeURIComponent(value)}`, csv, { 'content-type': 'text/csv' });
      expect([value, res.status]).toEqual([value, 400]);
    }
    expect(await server.runtime.store.getOffice('FLAG-1')).toBeUndefined();
    for (const value of ['true', '1']) {
      const res = await api(server.url, 'POST', `/api/import/offices?dryRun=${value}`, csv, { 'content-type': 'text/csv' });
      expect(res.status).toBe(200);
      expect(res.body.dryRun).toBe(true);
    }
    expect(await server.runtime.store.getOffice('FLAG-1')).toBeUndefined();
    expect((await api(server.url, 'GET', '/api/offices?stalled=yes')).status).toBe(400);
    expect((await api(server.url, 'GET', '/api/offices?stalled=0')).status).toBe(200);
    const real = await api(server.url, 'POST', '/api/import/offices?dryRun=false', csv, { 'content-type': 'text/csv' });
    expect(real.body).toMatchObject({ dryRun: false, created: 1 });
  });
});

test('two requests creating the same user at once: one 201, one 409, one account', async () => {
  const body = { username: 'racer', displayName: 'Racer', role: 'viewer', password: 'racer-password-1' };
  const results = await Promise.all([1, 2, 3].map(() => api(server.url, 'POST', '/api/users', body)));
  expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'user_exists')).toBe(true);
  expect((await server.runtime.accounts.users()).filter((u) => u.username === 'racer')).toHaveLength(1);
});

describe('CLI recovery for a locked-out operator', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
  });
  afterAll(() => removeTempDir(dir));

  test('users reset-password and users enable', async () => {
    const db = path.join(dir, 'cli.db');
    expect((await runCli(db, ['users', 'add', 'ops', '--role', 'admin', '--password', 'ops-password-1'])).code).toBe(0);
    // The only admin cannot be disabled, not even from the CLI.
    const refused = await runCli(db, ['users', 'set-role', 'ops', 'viewer']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('last active admin');
    const reset = await runCli(db, ['users', 'reset-password', 'ops']);
    expect(reset.code).toBe(0);
    const printed = /is now: (\S+)/.exec(reset.stdout)?.[1];
    expect(printed).toBeDefined();
    expect((await runCli(db, ['users', 'add', 'ada', '--role', 'viewer', '--password', 'ada-password-1'])).code).toBe(0);
    const local = await startServer({ dbPath: db, config: { TRUST_PROXY: true } });
    try {
      const ada = (await local.runtime.accounts.credentials('ada'))!.user;
      await local.runtime.accounts.setDisabled(ada.id, new Date().toISOString());
      const signInStatus = async (username: string, password: string) =>
        (
          await rawRequest(`${local.url}/signin`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': `10.8.0.${++address}` },
            body: form({ username, password }),
          })
        ).status;
      expect(await signInStatus('ops', printed!)).toBe(303);
      expect(await signInStatus('ops', 'ops-password-1')).toBe(401);
      expect(await signInStatus('ada', 'ada-password-1')).toBe(401);
      expect((await runCli(db, ['users', 'enable', 'ada'])).code).toBe(0);
      expect(await signInStatus('ada', 'ada-password-1')).toBe(303);
    } finally {
      await local.close();
    }
  });
});
