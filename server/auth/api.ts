import { z } from 'zod';
import type { AccountStore } from '../../storage/account-store';
import type { ExportStore } from '../../storage/export-store';
import { auditExportQuery, streamAudit } from '../audit-export';
import { HttpError } from '../errors';
import { numericIdParams as numericId } from '../input';
import { route, type AnyRoute } from '../route';
import { apiTokenSchema, auditTrailSchema, createdTokenSchema, meSchema, tokenListSchema, userListSchema, userSchema } from './api-schemas';
import type { Principal } from './principal';
import { newTokenSchema, newUserSchema, userUpdateSchema, type AccountService } from './service';


export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  const principal = res.locals.principal as Principal | null | undefined;
  if (!principal) throw new HttpError(401, 'unauthenticated', 'Sign in first.');
  return principal;
}

/** JSON routes for people and tokens; the pages and the CLI use the same service. */
export function accountRoutes(accounts: AccountStore, service: AccountService, exports: ExportStore): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/me',
      summary: 'Who the request is authenticated as',
      tag: 'accounts',
      access: 'viewer',
      responses: { 200: { description: 'The principal', schema: meSchema } },
      handler: async ({ res }) => {
        const p = principalOf(res);
        return { actor: p.actor, role: p.role, kind: p.kind, user: (p.userId ? await accounts.userById(p.userId) : undefined) ?? null };
      },
    }),
    route({
      method: 'get',
      path: '/api/users',
      summary: 'Every account',
      tag: 'accounts',
      access: 'admin',
      responses: { 200: { description: 'Every account', schema: userListSchema } },
      handler: async () => ({ users: await accounts.users() }),
    }),
    route({
      method: 'post',
      path: '/api/users',
      summary: 'Create an account',
      tag: 'accounts',
      access: 'admin',
      body: newUserSchema,
      responses: { 201: { description: 'The new account', schema: userSchema }, 409: { description: 'The username is taken' } },
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
      responses: { 200: { description: 'The account as changed', schema: userSchema } },
      handler: ({ params, body, actor, res }) => {
        const p = principalOf(res);
        // Changing your own password here keeps the session that asked; every other one ends.
        return service.updateUser(params.id, body, actor, { keepSession: p.userId === params.id ? p.sessionHash : undefined });
      },
    }),
    route({
      method: 'get',
      path: '/api/tokens',
      summary: 'API tokens: your own (all of them for an admin)',
      tag: 'accounts',
      access: 'viewer',
      responses: { 200: { description: 'The tokens, none of their secrets', schema: tokenListSchema } },
      handler: async ({ res }) => {
        const p = principalOf(res);
        return { tokens: await accounts.tokens(p.role === 'admin' ? undefined : (p.userId ?? -1)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/tokens',
      summary: 'Create an API token for scripts; the token is shown in this response only',
      tag: 'accounts',
      access: 'viewer',
      body: newTokenSchema,
      responses: { 201: { description: 'The token (shown once) and its record', schema: createdTokenSchema } },
      handler: async ({ body, res }) => {
        const { token, record } = await service.createToken(principalOf(res), body.name);
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
      responses: { 200: { description: 'The token as revoked', schema: apiTokenSchema } },
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
      responses: { 200: { description: 'One page of the trail, newest first', schema: auditTrailSchema } },
      handler: async ({ query, res }) => {
        // format=csv|jsonl: the whole period, oldest first, streamed (server/audit-export.ts).
        if (query.format) return streamAudit(exports, res, query);
        return { entries: await accounts.auditTrail(query) };
      },
    }),
  ];
}
