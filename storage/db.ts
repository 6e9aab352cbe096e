import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateFile, ensurePrivateDir } from './private-files';

export type Db = Database.Database;
export type Synchronous = 'NORMAL' | 'FULL';

export interface OpenOptions {
  /**
   * FULL is the default: with WAL, NORMAL may drop the last commits on power loss, and an
   * acknowledged transition must survive that. NORMAL is for bulk loads and benchmarks.
   */
  synchronous?: Synchronous;
  busyTimeoutMs?: number;
  readonly?: boolean;
}

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (file !== ':memory:' && !options.readonly) {
    ensurePrivateDir(path.dirname(path.resolve(file)));
    // SQLite gives the -wal and -shm files the mode of the database file, so 0600 here covers all three.
    createPrivateFile(file);
  }
  const db = new Database(file, { readonly: options.readonly ?? false });
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // Group commit runs each request in a savepoint; the pages a savepoint may have to restore go to a
  // statement journal, which spills to a temporary file past 64 KiB. In memory, a batched
  // transition costs ~100 µs less (docs/performance.md).
  db.pragma('temp_store = MEMORY');
  return db;
}

/** The numbered `.sql` files of `dir` not yet recorded as applied: none once `migrate` has run. */
export function pendingMigrations(db: Db, dir: string = MIGRATIONS_DIR): string[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get();
  const applied = new Set(table ? (db.prepare('SELECT id FROM migrations').pluck().all() as number[]) : []);
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f) && !applied.has(Number.parseInt(f, 10)))
    .sort();
}

/** Applies every numbered `.sql` file in migrations/ not yet recorded, each in its own transaction. */
export function migrate(db: Db, dir: string = MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = new Set(
    db.prepare('SELECT id FROM migrations').pluck().all() as number[],
  );
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  const ran: string[] = [];
  for (const file of files) {
    const id = Number.parseInt(file, 10);
    if (applied.has(id)) continue;
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
        id,
        file,
        new Date().toISOString(),
      );
    }).immediate();
    ran.push(file);
  }
  return ran;
}
