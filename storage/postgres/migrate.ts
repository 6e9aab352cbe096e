import fs from 'node:fs';
import path from 'node:path';
import type { Pool, PoolClient } from 'pg';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/**
 * The session advisory lock every server takes to migrate: ASCII "onbmig" (ONBoarding MIGrations),
 * = 122519888423271, fixed for good so that servers of different releases exclude one another;
 * pg_locks shows it as classid 28526, objid 1651337575. Nothing else in this database may use it.
 */
export const MIGRATION_LOCK_KEY = 0x6f6e626d6967;

/** The numbered `.sql` files of `dir`, in order; two files with one number are an error. */
function migrationFiles(dir: string): { id: number; file: string }[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({ id: Number.parseInt(file, 10), file }));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.id === files[i - 1]!.id) throw new Error(`Migrations ${files[i - 1]!.file} and ${files[i]!.file} have the same number.`);
  }
  return files;
}

/**
 * Applies every numbered `.sql` file in `dir` not yet recorded in the `migrations` table, each in its
 * own transaction, and returns the names it ran. The whole pass holds MIGRATION_LOCK_KEY, so servers
 * starting at once on one database migrate once: the first applies the files, the others wait and
 * then find nothing left to do. A file may hold several statements, none of which may refuse a
 * transaction block (CREATE INDEX CONCURRENTLY, for example).
 */
export async function migratePostgres(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, dir, files);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // After a failure the connection is closed rather than pooled: closing it is what surely
    // releases a session lock (and any transaction) left behind.
    client.release(broken);
  }
}

async function applyPending(client: PoolClient, dir: string, files: { id: number; file: string }[]): Promise<string[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS migrations (
    id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const recorded = await client.query<{ id: number }>('SELECT id FROM migrations');
  const applied = new Set(recorded.rows.map((r) => r.id));
  const ran: string[] = [];
  for (const { id, file } of files) {
    if (applied.has(id)) continue;
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    await client.query('BEGIN');
    try {
      // Without parameters node-postgres sends the simple query protocol, which runs several statements.
      await client.query(sql);
      await client.query('INSERT INTO migrations (id, name) VALUES ($1, $2)', [id, file]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new Error(`PostgreSQL migration ${file} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    ran.push(file);
  }
  return ran;
}
