import { z } from 'zod';
import type { AccountStore } from '../../storage/account-store';
import type { Db } from '../../storage/db';
import { auditExportQuery, streamAudit } from '../audit-export';
import { HttpError } from '../errors';
import { route, type AnyRoute } from '../route';
import type { Principal } from './principal';
import { newTokenSchema, newUserSchema, userUpdateSchema, type AccountService } from './service';

const numericId = z.object({ id: z.coerce.number().int().positive() });

export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  const principal = res.locals.principal as Principal | null | undefined;
  if (!principal) throw new HttpError(401, 'unauthenticated', 'Sign in first.');
  return principal;
}

/** JSON routes for people and tokens; the pages and the CLI use the same service. */
export function accountRoutes(accounts: AccountStore, service: AccountService, db: Db): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/me',
      summary: 'Who the request is authenticated as',
      tag: 'accounts',
      access: 'viewer',
      handler: ({ res }) => {
        const p = principalOf(res);
        return { actor: p.actor, role: p.role, kind: p.kind, user: p.userId ? accounts.userById(p.userId) : null };
      },
    }),
    route({
      method: 'get',
      path: '/api/users',
      summary: 'Every account',
      tag: 'accounts',
      access: 'admin',
      handler: () => ({ users: accounts.users() }),
    }),
    route({
      method: 'post',
      path: '/api/users',
      summary: 'Create an account',
      tag: 'accounts',
      access: 'admin',
      body: newUserSchema,
      responses: { 201: { description: 'The new account' } },
      handler: async ({ body, res, actor }) => {
        const user = await service.createUser(body, actor);
        res.status(201);
        return user;
      },
    }),
    route({
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Change an account’s role, password, or disable it',
      tag: 'accounts',
      access: 'admin',
      params: numericId,
      body: userUpdateSchema,
      handler: ({ params, body, actor }) => service.updateUser(params.id, body, actor),
    }),
    route({
      method: 'get',
      path: '/api/tokens',
      summary: 'API tokens: your own (all of them for an admin)',
      tag: 'accounts',
      access: 'viewer',
      handler: ({ res }) => {
        const p = principalOf(res);
        return { tokens: accounts.tokens(p.role === 'admin' ? undefined : (p.userId ?? -1)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/tokens',
      summary: 'Create an API token for scripts; the token is shown in this response only',
      tag: 'accounts',
      access: 'viewer',
      body: newTokenSchema,
      responses: { 201: { description: 'The token (shown once) and its record' } },
      handler: ({ body, res }) => {
        const { token, record } = service.createToken(principalOf(res), body.name);
        res.status(201);
        return { token, ...record };
      },
    }),
    route({
      method: 'delete',
      path: '/api/tokens/:id',
      summary: 'Revoke an API token',
      tag: 'accounts',
      access: 'viewer',
      params: numericId,
      handler: ({ params, res }) => service.revokeToken(principalOf(res), params.id),
    }),
    route({
      method: 'get',
      path: '/api/audit',
      summary: 'Who did what: office transitions and account actions, newest first',
      tag: 'accounts',
      access: 'admin',
      query: z.object({
        actor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
        ...auditExportQuery,
      }),
      handler: async ({ query, res }) => {
        // format=csv|jsonl: the whole period, oldest first, streamed (server/audit-export.ts).
        if (query.format) return streamAudit(db, res, query);
        return { entries: accounts.auditTrail(query) };
      },
    }),
  ];
}
