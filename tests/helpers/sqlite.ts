import { Client } from 'pg';
import type { Db } from '../../storage/db';
import type { SqliteStorage } from '../../storage/sqlite-storage';
import type { Storage } from '../../storage/storage';

/** The SQLite connection under a runtime, for a test that inspects or damages rows directly. */
export function sqliteDb(runtime: { storage: Storage }): Db {
  const storage = runtime.storage as Partial<SqliteStorage>;
  if (storage.backend !== 'sqlite' || !storage.db) throw new Error(`This test reads SQLite rows directly; the runtime is on ${runtime.storage.backend}.`);
  return storage.db;
}

/**
 * One statement on the runtime's own database, whichever backend it is on (`$1`… parameters), for a
 * test that changes a row the API cannot: on SQLite through its connection, on PostgreSQL through a
 * connection of its own.
 */
export async function runSql(runtime: { storage: Storage; config: { DATABASE_URL: string } }, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (runtime.storage.backend === 'sqlite') {
    // One `?` per `$n`, its value repeated where the number is.
    const args = [...sql.matchAll(/\$(\d+)/g)].map((m) => values[Number(m[1]) - 1]);
    const statement = sqliteDb(runtime).prepare(sql.replace(/\$\d+/g, '?'));
    if (statement.reader) return statement.all(...args) as Record<string, unknown>[];
    statement.run(...args);
    return [];
  }
  const client = new Client({ connectionString: runtime.config.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
