/** AccountStore: the same answers from storage/account-store.ts and storage/postgres/account-store.ts. */
import type { AccountStore, NewUser, Role } from '../../storage/account-store';
import { forEachBackend, officeRecord } from './backends';

const T = (minute: number) => new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString();

const newUser = (username: string, role: Role = 'coordinator', minute = 0): NewUser => ({
  username,
  displayName: `${username} display`,
  email: `${username.toLowerCase()}@office.example`,
  role,
  passwordHash: `hash-of-${username}`,
  createdAt: T(minute),
});

forEachBackend('AccountStore', (backend) => {
  let accounts: AccountStore;
  beforeEach(() => void (accounts = backend().accounts));

  test('users: insert, read by id, list by name whatever its case, count', async () => {
    expect(await accounts.countUsers()).toBe(0);
    const zoe = await accounts.insertUser(newUser('zoe', 'admin', 1));
    expect(zoe).toEqual({
      id: 1, username: 'zoe', displayName: 'zoe display', email: 'zoe@office.example', role: 'admin', createdAt: T(1), disabledAt: null,
    });
    await accounts.insertUser(newUser('Alice', 'viewer', 2));
    await accounts.insertUser({ ...newUser('bob'), email: null });
    expect(await accounts.countUsers()).toBe(3);
    expect(await accounts.userById(zoe.id)).toEqual(zoe);
    expect(await accounts.userById(99)).toBeUndefined();
    expect((await accounts.users()).map((u) => u.username)).toEqual(['Alice', 'bob', 'zoe']);
    expect((await accounts.users())[1]!.email).toBeNull();
  });

  test('a username is unique regardless of case, and signs in regardless of case', async () => {
    const alice = await accounts.insertUser(newUser('Alice'));
    await expect(accounts.insertUser(newUser('ALICE'))).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    expect(await accounts.credentials('aLiCe')).toEqual({ user: alice, passwordHash: 'hash-of-Alice' });
    expect(await accounts.credentials('nobody')).toBeUndefined();
  });

  test('role, password and disabling answer whether the user exists; the enabled admins', async () => {
    const a = await accounts.insertUser(newUser('a', 'admin'));
    const b = await accounts.insertUser(newUser('b', 'admin'));
    const c = await accounts.insertUser(newUser('c'));
    expect(await accounts.enabledAdminIds()).toEqual([a.id, b.id]);
    expect(await accounts.setRole(c.id, 'admin')).toBe(true);
    expect(await accounts.setRole(99, 'admin')).toBe(false);
    expect(await accounts.setDisabled(b.id, T(5))).toBe(true);
    expect(await accounts.setDisabled(99, T(5))).toBe(false);
    expect(await accounts.enabledAdminIds()).toEqual([a.id, c.id]);
    expect((await accounts.userById(b.id))!.disabledAt).toBe(T(5));
    expect(await accounts.setDisabled(b.id, null)).toBe(true);
    expect((await accounts.userById(b.id))!.disabledAt).toBeNull();
    expect(await accounts.setPassword(a.id, 'new-hash')).toBe(true);
    expect(await accounts.setPassword(99, 'new-hash')).toBe(false);
    expect((await accounts.credentials('a'))!.passwordHash).toBe('new-hash');
  });

  test('sessions: found until they expire, purged after, ended one by one, by user, or all but one', async () => {
    const u = await accounts.insertUser(newUser('u'));
    const v = await accounts.insertUser(newUser('v'));
    await accounts.insertSession('s1', u.id, 'csrf1', T(0), T(30));
    await accounts.insertSession('s2', u.id, 'csrf2', T(0), T(60));
    await accounts.insertSession('s3', v.id, 'csrf3', T(0), T(60));
    expect(await accounts.session('s1', T(29))).toEqual({ user_id: u.id, csrf_token: 'csrf1', expires_at: T(30) });
    expect(await accounts.session('s1', T(30))).toBeUndefined();
    expect(await accounts.session('nope', T(0))).toBeUndefined();
    expect(await accounts.purgeSessions(T(30))).toBe(1);
    expect(await accounts.purgeSessions(T(30))).toBe(0);
    expect(await accounts.session('s2', T(30))).toBeDefined();

    await accounts.insertSession('s4', u.id, 'csrf4', T(0), T(60));
    await accounts.insertSession('s5', u.id, 'csrf5', T(0), T(60));
    expect(await accounts.endOtherSessions(u.id, 's4')).toBe(2);
    expect(await accounts.session('s4', T(1))).toBeDefined();
    expect(await accounts.session('s3', T(1))).toBeDefined();
    expect(await accounts.endOtherSessions(u.id, null)).toBe(1);
    expect(await accounts.session('s4', T(1))).toBeUndefined();

    await accounts.deleteSession('s3');
    expect(await accounts.session('s3', T(1))).toBeUndefined();
  });

  test('disabling a user ends its sessions; enabling ends none', async () => {
    const u = await accounts.insertUser(newUser('u'));
    await accounts.insertSession('s1', u.id, 'c', T(0), T(60));
    expect(await accounts.setDisabled(u.id, null)).toBe(true);
    expect(await accounts.session('s1', T(1))).toBeDefined();
    expect(await accounts.setDisabled(u.id, T(2))).toBe(true);
    expect(await accounts.session('s1', T(1))).toBeUndefined();
  });

  test('tokens: insert, find while active by hash, list, revoke once, touch', async () => {
    const u = await accounts.insertUser(newUser('u'));
    const v = await accounts.insertUser(newUser('v'));
    const t1 = await accounts.insertToken(u.id, 'ci', 'h1', T(1));
    const t2 = await accounts.insertToken(v.id, 'backup', 'h2', T(2));
    const t3 = await accounts.insertToken(u.id, 'script', 'h3', T(3));
    expect([t1, t2, t3]).toEqual([1, 2, 3]);
    await expect(accounts.insertToken(u.id, 'again', 'h1', T(4))).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    const first = { id: t1, userId: u.id, name: 'ci', createdAt: T(1), lastUsedAt: null, revokedAt: null };
    expect(await accounts.activeTokenByHash('h1')).toEqual(first);
    expect(await accounts.activeTokenByHash('h9')).toBeUndefined();
    expect((await accounts.tokens()).map((t) => t.id)).toEqual([t1, t2, t3]);
    expect((await accounts.tokens(u.id)).map((t) => t.id)).toEqual([t1, t3]);
    expect(await accounts.tokens(99)).toEqual([]);

    await accounts.touchToken(t1, T(10));
    expect(await accounts.tokenById(t1)).toEqual({ ...first, lastUsedAt: T(10) });
    expect(await accounts.revokeToken(t1, T(11))).toBe(true);
    expect(await accounts.revokeToken(t1, T(12))).toBe(false);
    expect(await accounts.revokeToken(99, T(12))).toBe(false);
    expect(await accounts.tokenById(t1)).toEqual({ ...first, lastUsedAt: T(10), revokedAt: T(11) });
    expect(await accounts.activeTokenByHash('h1')).toBeUndefined();
    expect(await accounts.tokenById(99)).toBeUndefined();
  });

  test('auditTrail merges office history and the audit log, newest first, by actor, paged', async () => {
    const { offices } = backend();
    await offices.insertOffice(officeRecord('FR-1', T(0)), []);
    const history = (seq: number, type: string, actor: string, minute: number, payload: Record<string, unknown> = {}) =>
      offices.appendHistory({ officeId: 'FR-1', seq, type, payload, from: [], to: ['prospect'], actor, at: T(minute), requestId: null });
    await history(0, 'REGISTERED', 'alice', 1);
    await history(1, 'SEND_CIRCULAR', 'bob', 3, { note: 'sent' });
    await history(2, 'DETAILS_UPDATED', 'alice', 5, { city: 'Lyon', nested: { a: [1, 2] } });
    await accounts.audit(T(2), 'alice', 'user.created', 'bob', { role: 'coordinator' });
    await accounts.audit(T(4), 'bob', 'token.created', null);
    await accounts.audit(T(6), 'alice', 'backup', null, { file: 'x.db', bytes: 1024 });

    expect(await accounts.auditTrail({})).toEqual([
      { at: T(6), actor: 'alice', action: 'backup', subject: null, details: { file: 'x.db', bytes: 1024 } },
      { at: T(5), actor: 'alice', action: 'office.DETAILS_UPDATED', subject: 'FR-1', details: { city: 'Lyon', nested: { a: [1, 2] } } },
      { at: T(4), actor: 'bob', action: 'token.created', subject: null, details: {} },
      { at: T(3), actor: 'bob', action: 'office.SEND_CIRCULAR', subject: 'FR-1', details: { note: 'sent' } },
      { at: T(2), actor: 'alice', action: 'user.created', subject: 'bob', details: { role: 'coordinator' } },
      { at: T(1), actor: 'alice', action: 'office.REGISTERED', subject: 'FR-1', details: {} },
    ]);
    expect((await accounts.auditTrail({ actor: 'alice' })).map((e) => e.at)).toEqual([T(6), T(5), T(2), T(1)]);
    expect((await accounts.auditTrail({ actor: 'nobody' }))).toEqual([]);
    expect((await accounts.auditTrail({ limit: 2, offset: 1 })).map((e) => e.at)).toEqual([T(5), T(4)]);
    // Each side cut to limit+offset before the merge must still leave the right page.
    expect((await accounts.auditTrail({ limit: 1, offset: 4 })).map((e) => e.at)).toEqual([T(2)]);
    expect((await accounts.auditTrail({ actor: 'alice', limit: 2, offset: 2 })).map((e) => e.action)).toEqual(['user.created', 'office.REGISTERED']);
  });

  test('transaction: a failure rolls back every write in it', async () => {
    await expect(
      accounts.transaction(async () => {
        await accounts.insertUser(newUser('kept-not'));
        await accounts.audit(T(1), 'x', 'user.created', 'kept-not');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await accounts.countUsers()).toBe(0);
    expect(await accounts.auditTrail({})).toEqual([]);
    await accounts.transaction(async () => void (await accounts.insertUser(newUser('kept'))));
    expect(await accounts.countUsers()).toBe(1);
  });
});
