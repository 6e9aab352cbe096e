import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting the server and the CLI read, with its default. The README's configuration table
 * lists the same names; both read this one schema.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default(path.join('data', 'onboarding.db')),
  DB_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  DB_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z.string().default('1mb'),
  /** `auto`: load the demo programme when the database is empty, so a first `npm start` shows something real. */
  DEMO_DATA: z.enum(['auto', 'off']).default('auto'),
});

export type Config = z.infer<typeof envSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  return { ...parsed.data, ...overrides };
}
