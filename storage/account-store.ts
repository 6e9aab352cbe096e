import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

export type Role = 'admin' | 'coordinator' | 'viewer';

export interface User {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  role: Role;
  createdAt: string;
  disabledAt: string | null;
}

export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

interface AuditRow {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: string;
}

/** The rows of `users` and `api_tokens`, alike on both backends. */
export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  email: string | null;
  role: Role;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

export interface TokenRow {
  id: number;
  user_id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email,
  role: r.role,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

export const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** Accounts, sessions, API tokens and the audit log of actions that are not office transitions. */
export interface AccountStore {
  /** Runs `work` as one transaction (joins an open one). */
  transaction<T>(work: () => Promise<T> | T): Promise<T>;
  countUsers(): Promise<number>;
  /** Ids of the admins who can sign in. */
  enabledAdminIds(): Promise<number[]>;
  /** Ends every session of a user but `keepHash` (the one that asked, if any); how many ended. */
  endOtherSessions(userId: number, keepHash: string | null): Promise<number>;
  insertUser(user: NewUser): Promise<User>;
  userById(id: number): Promise<User | undefined>;
  /** The user with the stored password hash, for sign-in only. */
  credentials(username: string): Promise<{ user: User; passwordHash: string } | undefined>;
  users(): Promise<User[]>;
  setRole(id: number, role: Role): Promise<boolean>;
  setPassword(id: number, hash: string): Promise<boolean>;
  /** Disables (and signs out) or enables a user. */
  setDisabled(id: number, at: string | null): Promise<boolean>;
  insertSession(idHash: string, userId: number, csrf: string, createdAt: string, expiresAt: string): Promise<void>;
  session(idHash: string, now: string): Promise<{ user_id: number; csrf_token: string; expires_at: string } | undefined>;
  deleteSession(idHash: string): Promise<void>;
  purgeSessions(now: string): Promise<number>;
  insertToken(userId: number, name: string, hash: string, at: string): Promise<number>;
  activeTokenByHash(hash: string): Promise<ApiToken | undefined>;
  tokens(userId?: number): Promise<ApiToken[]>;
  tokenById(id: number): Promise<ApiToken | undefined>;
  revokeToken(id: number, at: string): Promise<boolean>;
  touchToken(id: number, at: string): Promise<void>;
  audit(at: string, actor: string, action: string, subject: string | null, details?: Record<string, unknown>): Promise<void>;
  /** Office transitions and account actions in one list, newest first. */
  auditTrail(filter: { actor?: string; limit?: number; offset?: number }): Promise<AuditEntry[]>;
}

export interface NewUser {
  username: string;
  displayName: string;
  email: string | null;
  role: Role;
  passwordHash: string;
  createdAt: string;
}

export function createAccountStore(db: Db): AccountStore {
  const stmt = {
    countUsers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
    insertUser: db.prepare(`INSERT INTO users (username, display_name, email, role, password_hash, created_at)
      VALUES (@username, @displayName, @email, @role, @passwordHash, @createdAt)`),
    userById: db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?'),
    userByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
    users: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username'),
    setRole: db.prepare('UPDATE users SET role = ? WHERE id = ?'),
    setPassword: db.prepare('UPDATE users SET password_hash = ? WHERE id = ?'),
    setDisabled: db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?'),
    insertSession: db.prepare(
      'INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    session: db.prepare<[string, string], { user_id: number; csrf_token: string; expires_at: string }>(
      'SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?',
    ),
    deleteSession: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
    deleteUserSessions: db.prepare('DELETE FROM sessions WHERE user_id = ?'),
    deleteOtherSessions: db.prepare('DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?'),
    enabledAdmins: db.prepare<[], { id: number }>("SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL"),
    purgeSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    insertToken: db.prepare('INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)'),
    tokenByHash: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL'),
    tokensOf: db.prepare<[number], TokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id'),
    allTokens: db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY id'),
    tokenById: db.prepare<[number], TokenRow>('SELECT * FROM api_tokens WHERE id = ?'),
    revokeToken: db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
    audit: db.prepare('INSERT INTO audit_log (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)'),
    // Office transitions and account actions in one list, newest first; each side is cut to
    // limit+offset rows through its (actor, at) or (at) index before the merge.
    trail: db.prepare<{ actor: string; limit: number; offset: number }, AuditRow>(
      `SELECT * FROM (
         SELECT * FROM (SELECT at, actor, 'office.' || type AS action, office_id AS subject, payload AS details
                        FROM history WHERE (@actor = '' OR actor = @actor) ORDER BY at DESC LIMIT @limit + @offset)
         UNION ALL
         SELECT * FROM (SELECT at, actor, action, subject, details
                        FROM audit_log WHERE (@actor = '' OR actor = @actor) ORDER BY at DESC LIMIT @limit + @offset)
       ) ORDER BY at DESC LIMIT @limit OFFSET @offset`,
    ),
  };

  const unit = unitOfWorkOf(db);
  return {
    transaction: (work) => unit.transaction(work),
    ...unit.repository<Omit<AccountStore, 'transaction'>>({
    countUsers: () => stmt.countUsers.get()!.n,
    enabledAdminIds: () => stmt.enabledAdmins.all().map((r) => r.id),
    endOtherSessions: (userId, keepHash) => stmt.deleteOtherSessions.run(userId, keepHash).changes,
    insertUser(user) {
      const id = Number(stmt.insertUser.run(user).lastInsertRowid);
      return toUser(stmt.userById.get(id)!);
    },
    userById: (id: number) => {
      const row = stmt.userById.get(id);
      return row ? toUser(row) : undefined;
    },
    credentials: (username) => {
      const row = stmt.userByName.get(username);
      return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
    },
    users: () => stmt.users.all().map(toUser),
    setRole: (id: number, role: Role) => stmt.setRole.run(role, id).changes === 1,
    setPassword: (id: number, hash: string) => stmt.setPassword.run(hash, id).changes === 1,
    setDisabled(id: number, at: string | null) {
      const changed = stmt.setDisabled.run(at, id).changes === 1;
      if (at) stmt.deleteUserSessions.run(id);
      return changed;
    },
    insertSession: (idHash: string, userId: number, csrf: string, createdAt: string, expiresAt: string) =>
      void stmt.insertSession.run(idHash, userId, csrf, createdAt, expiresAt),
    session: (idHash: string, now: string) => stmt.session.get(idHash, now),
    deleteSession: (idHash) => void stmt.deleteSession.run(idHash),
    purgeSessions: (now: string) => stmt.purgeSessions.run(now).changes,
    insertToken: (userId: number, name: string, hash: string, at: string) =>
      Number(stmt.insertToken.run(userId, name, hash, at).lastInsertRowid),
    activeTokenByHash: (hash: string) => {
      const row = stmt.tokenByHash.get(hash);
      return row ? toToken(row) : undefined;
    },
    tokens: (userId?: number) => (userId === undefined ? stmt.allTokens.all() : stmt.tokensOf.all(userId)).map(toToken),
    tokenById: (id: number) => {
      const row = stmt.tokenById.get(id);
      return row ? toToken(row) : undefined;
    },
    revokeToken: (id: number, at: string) => stmt.revokeToken.run(at, id).changes === 1,
    touchToken: (id, at) => void stmt.touchToken.run(at, id),
    audit: (at, actor, action, subject, details = {}) => void stmt.audit.run(at, actor, action, subject, JSON.stringify(details)),
    auditTrail: (filter) =>
      stmt.trail
        .all({ actor: filter.actor ?? '', limit: filter.limit ?? 100, offset: filter.offset ?? 0 })
        .map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> })),
    }),
  };
}
