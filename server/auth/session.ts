import type { Response } from 'express';
import type { AccountStore, User } from '../../storage/account-store';
import { SESSION_COOKIE } from './principal';
import { hashSecret, newSecret } from './secrets';

export interface SessionSettings {
  ttlHours: number;
  secureCookies: boolean;
}

/** Starts a session: a random id in an HttpOnly cookie, only its hash in the database. */
export async function startSession(res: Response, accounts: AccountStore, user: User, now: Date, settings: SessionSettings): Promise<void> {
  const id = newSecret();
  const expires = new Date(now.getTime() + settings.ttlHours * 3_600_000);
  await accounts.purgeSessions(now.toISOString());
  await accounts.insertSession(hashSecret(id), user.id, newSecret(), now.toISOString(), expires.toISOString());
  res.cookie(SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secureCookies,
    path: '/',
    // Relative, so the browser's own clock decides when to drop it; the server checks expires_at.
    maxAge: settings.ttlHours * 3_600_000,
  });
}

export async function endSession(res: Response, accounts: AccountStore, sessionHash: string | undefined, secure: boolean): Promise<void> {
  if (sessionHash) await accounts.deleteSession(sessionHash);
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}
