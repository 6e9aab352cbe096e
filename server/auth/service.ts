import { z } from 'zod';
import type { AccountStore, ApiToken, User } from '../../storage/account-store';
import { HttpError } from '../errors';
import type { Principal } from './principal';
import { hashPassword, hashSecret, newSecret } from './secrets';

export const roleSchema = z.enum(['admin', 'coordinator', 'viewer']);

export const newUserSchema = z.object({
  username: z.string().trim().regex(/^[a-zA-Z0-9._-]{2,40}$/, '2–40 letters, digits, ".", "_" or "-"'),
  displayName: z.string().trim().min(1).max(100),
  email: z.email().max(320).optional().or(z.literal('').transform(() => undefined)),
  role: roleSchema,
  password: z.string().min(10, 'at least 10 characters').max(200),
});

export const userUpdateSchema = z
  .object({
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(10, 'at least 10 characters').max(200).optional(),
  })
  .refine((u) => Object.keys(u).length > 0, { message: 'nothing to change' });

export const newTokenSchema = z.object({ name: z.string().trim().min(1).max(80) });

/** Account operations shared by the JSON API, the pages and the CLI; each leaves an audit row. */
export function accountService(accounts: AccountStore, now: () => Date) {
  const at = () => now().toISOString();
  return {
    async createUser(input: z.infer<typeof newUserSchema>, actor: string): Promise<User> {
      if (await accounts.credentials(input.username)) throw userExists(input.username);
      const passwordHash = await hashPassword(input.password);
      // Checked again inside the transaction: another request may have taken the name while we hashed.
      try {
        return await accounts.transaction(async () => {
          if (await accounts.credentials(input.username)) throw userExists(input.username);
          const user = await accounts.insertUser({
            username: input.username,
            displayName: input.displayName,
            email: input.email ?? null,
            role: input.role,
            passwordHash,
            createdAt: at(),
          });
          await accounts.audit(at(), actor, 'user.created', user.username, { role: user.role });
          return user;
        });
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw userExists(input.username);
        throw error;
      }
    },

    /**
     * Changes role, status and password in one transaction. A new password ends every session of
     * the account but `options.keepSession` (the one that changed its own password). The last admin
     * who can sign in cannot be demoted or disabled: nobody could administer accounts any more.
     */
    async updateUser(
      id: number,
      change: z.infer<typeof userUpdateSchema>,
      actor: string,
      options: { keepSession?: string } = {},
    ): Promise<User> {
      const passwordHash = change.password ? await hashPassword(change.password) : undefined;
      return await accounts.transaction(async () => {
        const user = await accounts.userById(id);
        if (!user) throw new HttpError(404, 'user_not_found', `No user with id ${id}.`);
        const demoted = change.role !== undefined && change.role !== 'admin';
        if (user.role === 'admin' && !user.disabledAt && (demoted || change.disabled === true)) {
          if ((await accounts.enabledAdminIds()).every((admin) => admin === id)) {
            throw new HttpError(409, 'last_admin', `${user.username} is the last active admin: make another user admin first. Nothing was changed.`, {
              user: user.username,
            });
          }
        }
        if (change.role) await accounts.setRole(id, change.role);
        if (change.disabled !== undefined) await accounts.setDisabled(id, change.disabled ? at() : null);
        if (passwordHash) {
          await accounts.setPassword(id, passwordHash);
          await accounts.endOtherSessions(id, options.keepSession ?? null);
        }
        await accounts.audit(at(), actor, 'user.updated', user.username, {
          role: change.role,
          disabled: change.disabled,
          passwordChanged: change.password ? true : undefined,
        });
        return (await accounts.userById(id))!;
      });
    },

    /** The token text is returned once; only its hash is kept. */
    async createToken(principal: Principal, name: string, forUserId?: number): Promise<{ token: string; record: ApiToken }> {
      const userId = forUserId ?? principal.userId;
      if (userId === null) throw new HttpError(400, 'no_user', 'The admin token has no user to own an API token; sign in as a user.');
      const user = await accounts.userById(userId);
      if (!user) throw new HttpError(404, 'user_not_found', `No user with id ${userId}.`);
      const token = newSecret('oo_');
      const id = await accounts.insertToken(userId, name, hashSecret(token), at());
      await accounts.audit(at(), principal.actor, 'token.created', `${user.username}/${name}`, { tokenId: id });
      return { token, record: (await accounts.tokenById(id))! };
    },

    async revokeToken(principal: Principal, id: number): Promise<ApiToken> {
      const token = await accounts.tokenById(id);
      if (!token || (principal.role !== 'admin' && token.userId !== principal.userId)) {
        throw new HttpError(404, 'token_not_found', `No token with id ${id}.`);
      }
      await accounts.revokeToken(id, at());
      await accounts.audit(at(), principal.actor, 'token.revoked', token.name, { tokenId: id });
      return (await accounts.tokenById(id))!;
    },
  };
}

export type AccountService = ReturnType<typeof accountService>;

const userExists = (username: string) => new HttpError(409, 'user_exists', `A user named "${username}" already exists.`);


/** Only same-site paths: a `next` of `//evil.example` or `https://…` goes home instead. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

