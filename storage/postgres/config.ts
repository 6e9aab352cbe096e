import { z } from 'zod';

/** How to reach PostgreSQL: what DATABASE_URL and DATABASE_POOL_SIZE say. */
export interface PostgresSettings {
  url: string;
  /** Connections per server process; several servers on one database add theirs up. */
  poolSize: number;
}

export const DEFAULT_POOL_SIZE = 10;
/** A bound on typos: each server holds this many connections, and PostgreSQL allows 100 by default. */
export const MAX_POOL_SIZE = 200;

const POSTGRES_SCHEME = /^postgres(ql)?:\/\//i;

/** The scheme alone: an error about DATABASE_URL must never print the password in it. */
function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  return match ? `a ${match[1]}: URL` : 'no URL scheme';
}

const settingsSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .superRefine((url, ctx) => {
      if (!POSTGRES_SCHEME.test(url)) {
        ctx.addIssue({ code: 'custom', message: `must be a postgres:// or postgresql:// URL (got ${schemeOf(url)})` });
      } else if (!URL.canParse(url)) {
        ctx.addIssue({ code: 'custom', message: 'is not a valid URL (characters such as @ : / in the password must be percent-encoded)' });
      }
    }),
  /** Empty means unset. */
  DATABASE_POOL_SIZE: z
    .string()
    .trim()
    .refine((v) => v === '' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_POOL_SIZE), {
      message: `must be a whole number from 1 to ${MAX_POOL_SIZE}`,
    })
    .transform((v) => (v === '' ? DEFAULT_POOL_SIZE : Number(v))),
});

/** Reads DATABASE_URL (which must be set) and DATABASE_POOL_SIZE; throws an error naming each bad setting. */
export function postgresSettings(env: NodeJS.ProcessEnv): PostgresSettings {
  const parsed = settingsSchema.safeParse({ DATABASE_URL: env.DATABASE_URL ?? '', DATABASE_POOL_SIZE: env.DATABASE_POOL_SIZE ?? '' });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid PostgreSQL configuration:\n${lines}`);
  }
  return { url: parsed.data.DATABASE_URL, poolSize: parsed.data.DATABASE_POOL_SIZE };
}
