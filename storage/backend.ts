import path from 'node:path';
import { postgresSettings } from './postgres/config';

/**
 * Which database the server and the CLI use. DATABASE_URL selects PostgreSQL; without it, the SQLite
 * file at DATABASE_PATH, as before (the same default as config/env.ts).
 */
export type DatabaseBackend = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };

export const DEFAULT_SQLITE_FILE = path.join('data', 'onboarding.db');

export function databaseBackend(env: NodeJS.ProcessEnv = process.env): DatabaseBackend {
  if (!env.DATABASE_URL?.trim()) return { kind: 'sqlite', file: env.DATABASE_PATH || DEFAULT_SQLITE_FILE };
  return { kind: 'postgres', ...postgresSettings(env) };
}
