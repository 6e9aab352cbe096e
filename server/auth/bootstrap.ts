import type { AccountStore } from '../../storage/account-store';
import { hashPassword, newSecret } from './secrets';

/**
 * First start: with no account at all, create `admin` with ADMIN_PASSWORD, or with a random
 * password that is returned so the caller prints it once. Later starts change nothing.
 */
export async function ensureAdminAccount(
  accounts: AccountStore,
  adminPassword: string | undefined,
  now: Date,
): Promise<{ username: string; generatedPassword: string | null } | null> {
  if (await accounts.countUsers() > 0) return null;
  const password = adminPassword ?? newSecret().slice(0, 20);
  const passwordHash = await hashPassword(password);
  if (await accounts.countUsers() > 0) return null;
  try {
    await accounts.insertUser({ username: 'admin', displayName: 'Administrator', email: null, role: 'admin', passwordHash, createdAt: now.toISOString() });
  } catch (error) {
    // Several servers starting at once on an empty database: one creates the account, the others find it.
    if (await accounts.countUsers() > 0) return null;
    throw error;
  }
  await accounts.audit(now.toISOString(), 'system', 'user.created', 'admin', { role: 'admin', firstStart: true });
  return { username: 'admin', generatedPassword: adminPassword ? null : password };
}
