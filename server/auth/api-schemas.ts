/**
 * Response shapes of the account routes (server/auth/api.ts). The handlers' return types are checked
 * against them by `route()`; the `Same` lines tie them to the store's types both ways.
 */
import { z } from 'zod';
import type { ApiToken, AuditEntry, User } from '../../storage/account-store';
import { timestamp, type Same } from '../api/schemas';
import { openApiComponents } from '../openapi';

const roleSchema = z.enum(['admin', 'coordinator', 'viewer']);

export const userSchema = z
  .strictObject({
    id: z.number().int().positive(),
    username: z.string(),
    displayName: z.string(),
    email: z.string().nullable(),
    role: roleSchema,
    createdAt: timestamp,
    disabledAt: timestamp.nullable().describe('Set while the account is disabled'),
  })
  .register(openApiComponents, { id: 'User' });

export const meSchema = z
  .strictObject({
    actor: z.string().describe('The name history and the audit log record for this request'),
    role: roleSchema,
    kind: z.enum(['session', 'token', 'admin-token']),
    user: userSchema.nullable().describe('The account, unless the request used ADMIN_TOKEN'),
  })
  .register(openApiComponents, { id: 'Me' });

export const userListSchema = z.strictObject({ users: z.array(userSchema) }).register(openApiComponents, { id: 'UserList' });

export const apiTokenSchema = z
  .strictObject({
    id: z.number().int().positive(),
    userId: z.number().int(),
    name: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .register(openApiComponents, { id: 'ApiToken' });

export const tokenListSchema = z.strictObject({ tokens: z.array(apiTokenSchema) }).register(openApiComponents, { id: 'ApiTokenList' });

export const createdTokenSchema = apiTokenSchema
  .extend({ token: z.string().describe('The secret to send as "Authorization: Bearer …"; shown in this answer only') })
  .register(openApiComponents, { id: 'NewApiToken' });

const auditEntrySchema = z.strictObject({
  at: timestamp,
  actor: z.string(),
  action: z.string().describe('e.g. office.SEND_CIRCULAR, user.created, token.revoked'),
  subject: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export const auditTrailSchema = z.strictObject({ entries: z.array(auditEntrySchema) }).register(openApiComponents, { id: 'AuditTrail' });

// Compile-time only: each line fails to type-check when a schema and the type it documents part ways.
const _userAgrees: Same<z.output<typeof userSchema>, User> = true;
const _tokenAgrees: Same<z.output<typeof apiTokenSchema>, ApiToken> = true;
const _auditAgrees: Same<z.output<typeof auditEntrySchema>, AuditEntry> = true;
