import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import type { DatabaseHealth } from '../health';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

export function postgresHealth(pool: Pool, dir: string = MIGRATIONS_DIR): DatabaseHealth {
  return {
    backend: 'postgres',
    async ping() {
      await pool.query('SELECT 1');
    },
    async pendingMigrations() {
      const table = await pool.query("SELECT to_regclass('migrations') IS NOT NULL AS present");
      const applied = new Set<number>(
        table.rows[0]?.present ? (await pool.query<{ id: number }>('SELECT id FROM migrations')).rows.map((r) => r.id) : [],
      );
      return fs
        .readdirSync(dir)
        .filter((f) => /^\d+_.+\.sql$/.test(f) && !applied.has(Number.parseInt(f, 10)))
        .sort();
    },
  };
}
