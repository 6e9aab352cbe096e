import { toToken, toUser, type AccountStore, type AuditEntry, type TokenRow, type UserRow } from '../account-store';
import type { PostgresUnitOfWork } from './unit-of-work';


const USER_COLUMNS = 'id, username, display_name, email, role, password_hash, created_at, disabled_at';
const TOKEN_COLUMNS = 'id, user_id, name, created_at, last_used_at, revoked_at';

/**
 * Office transitions and account actions in one list, newest first, as on SQLite: each side is cut
 * to limit+offset rows through its (actor, at) or (at) index before the merge. $1 is the actor ('' for
 * everyone), $2 the limit, $3 the offset.
 */
const TRAIL = `SELECT at, actor, action, subject, details FROM (
    (SELECT at, actor, 'office.' || type AS action, office_id AS subject, payload AS details
     FROM history WHERE ($1 = '' OR actor = $1) ORDER BY at DESC LIMIT $2::bigint + $3::bigint)
    UNION ALL
    (SELECT at, actor, action, subject, details
     FROM audit_log WHERE ($1 = '' OR actor = $1) ORDER BY at DESC LIMIT $2::bigint + $3::bigint)
  ) trail ORDER BY at DESC LIMIT $2 OFFSET $3`;

/** The accounts repository on PostgreSQL: the same interface and answers as the SQLite one. */
export function createPostgresAccountStore(unit: PostgresUnitOfWork): AccountStore {
  const q = unit.query.bind(unit);
  const one = async <R extends object>(text: string, values: unknown[]): Promise<R | undefined> => (await q<R>(text, values))[0];
  const changed = async (text: string, values: unknown[]) => (await q(text, values)).length;

  return {
    transaction: (work) => unit.transaction(work),

    async countUsers() {
      return (await one<{ n: number }>('SELECT count(*) AS n FROM users', []))!.n;
    },

    async enabledAdminIds() {
      return (await q<{ id: number }>("SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id")).map((r) => r.id);
    },

    endOtherSessions: (userId, keepHash) =>
      changed('DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2 RETURNING id_hash', [userId, keepHash]),

    async insertUser(user) {
      const row = await one<UserRow>(
        `INSERT INTO users (username, display_name, email, role, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${USER_COLUMNS}`,
        [user.username, user.displayName, user.email, user.role, user.passwordHash, user.createdAt],
      );
      return toUser(row!);
    },

    async userById(id) {
      const row = await one<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
      return row ? toUser(row) : undefined;
    },

    async credentials(username) {
      // SQLite's username is COLLATE NOCASE; here the unique index is on lower(username).
      const row = await one<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = lower($1)`, [username]);
      return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
    },

    async users() {
      // NOCASE compares bytes after folding case: "C" keeps the database's locale out of the order.
      return (await q<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY lower(username) COLLATE "C"`)).map(toUser);
    },

    setRole: async (id, role) => (await changed('UPDATE users SET role = $1 WHERE id = $2 RETURNING id', [role, id])) === 1,

    setPassword: async (id, hash) => (await changed('UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING id', [hash, id])) === 1,

    async setDisabled(id, at) {
      // One statement, so the user is never disabled with sessions still open.
      const row = await one<{ n: number }>(
        `WITH updated AS (UPDATE users SET disabled_at = $1 WHERE id = $2 RETURNING id),
              ended AS (DELETE FROM sessions WHERE user_id = $2 AND $1::timestamptz IS NOT NULL)
         SELECT count(*) AS n FROM updated`,
        [at, id],
      );
      return row!.n === 1;
    },

    async insertSession(idHash, userId, csrf, createdAt, expiresAt) {
      await q('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        idHash, userId, csrf, createdAt, expiresAt,
      ]);
    },

    session: (idHash, now) =>
      one<{ user_id: number; csrf_token: string; expires_at: string }>(
        'SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2',
        [idHash, now],
      ),

    async deleteSession(idHash) {
      await q('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },

    purgeSessions: (now) => changed('DELETE FROM sessions WHERE expires_at <= $1 RETURNING id_hash', [now]),

    async insertToken(userId, name, hash, at) {
      const row = await one<{ id: number }>(
        'INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [userId, name, hash, at],
      );
      return row!.id;
    },

    async activeTokenByHash(hash) {
      const row = await one<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, [hash]);
      return row ? toToken(row) : undefined;
    },

    async tokens(userId) {
      const rows =
        userId === undefined
          ? await q<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY id`)
          : await q<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id`, [userId]);
      return rows.map(toToken);
    },

    async tokenById(id) {
      const row = await one<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
      return row ? toToken(row) : undefined;
    },

    revokeToken: async (id, at) =>
      (await changed('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [at, id])) === 1,

    async touchToken(id, at) {
      await q('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
    },

    async audit(at, actor, action, subject, details = {}) {
      await q('INSERT INTO audit_log (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)', [
        at, actor, action, subject, JSON.stringify(details),
      ]);
    },

    async auditTrail(filter) {
      // history.payload and audit_log.details are jsonb, read back as objects (SQLite parses its text).
      return q<AuditEntry>(TRAIL, [filter.actor ?? '', filter.limit ?? 100, filter.offset ?? 0]);
    },
  };
}
