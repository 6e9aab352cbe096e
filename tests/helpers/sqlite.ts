import type { Db } from '../../storage/db';
import type { SqliteStorage } from '../../storage/sqlite-storage';
import type { Storage } from '../../storage/storage';

/** The SQLite connection under a runtime, for a test that inspects or damages rows directly. */
export function sqliteDb(runtime: { storage: Storage }): Db {
  const storage = runtime.storage as Partial<SqliteStorage>;
  if (storage.backend !== 'sqlite' || !storage.db) throw new Error(`This test reads SQLite rows directly; the runtime is on ${runtime.storage.backend}.`);
  return storage.db;
}
