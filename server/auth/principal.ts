import type { Request } from 'express';
import type { AccountStore, Role } from '../../storage/account-store';
import { hashSecret, sameSecret } from './secrets';

export const SESSION_COOKIE = 'oo_session';

/** Who is making a request, and the name every history row, email and import records for them. */
export interface Principal {
  kind: 'session' | 'token' | 'admin-token';
  role: Role;
  userId: number | null;
  actor: string;
  /** Set for cookie sessions: unsafe requests must echo it (CSRF). */
  csrfToken?: string;
  sessionHash?: string;
}

export type Resolution = { principal: Principal } | { principal: null; invalidCredentials: boolean };

function bearerOf(req: Request): string | undefined {
  const header = req.get('Authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

/** Reads the bearer token or the session cookie; a present but unknown credential is reported, never ignored. */
export async function resolvePrincipal(req: Request, accounts: AccountStore, adminToken: string | undefined, now: Date): Promise<Resolution> {
  const bearer = bearerOf(req);
  if (bearer !== undefined) {
    if (adminToken && bearer && sameSecret(bearer, adminToken)) {
      return { principal: { kind: 'admin-token', role: 'admin', userId: null, actor: 'admin-token' } };
    }
    const token = bearer ? await accounts.activeTokenByHash(hashSecret(bearer)) : undefined;
    const user = token ? await accounts.userById(token.userId) : undefined;
    if (!token || !user || user.disabledAt) return { principal: null, invalidCredentials: true };
    // "Last used" to the minute: a write per request would cost every API call an fsync.
    if (!token.lastUsedAt || now.getTime() - Date.parse(token.lastUsedAt) >= 60_000) await accounts.touchToken(token.id, now.toISOString());
    return {
      principal: { kind: 'token', role: user.role, userId: user.id, actor: `token:${token.name} (${user.username})` },
    };
  }
  const sessionId = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
  if (typeof sessionId === 'string' && sessionId.length > 0) {
    const sessionHash = hashSecret(sessionId);
    const session = await accounts.session(sessionHash, now.toISOString());
    const user = session ? await accounts.userById(session.user_id) : undefined;
    if (!session || !user || user.disabledAt) return { principal: null, invalidCredentials: false };
    return {
      principal: {
        kind: 'session',
        role: user.role,
        userId: user.id,
        actor: `user:${user.username}`,
        csrfToken: session.csrf_token,
        sessionHash,
      },
    };
  }
  return { principal: null, invalidCredentials: false };
}
