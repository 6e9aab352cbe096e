import fs from 'node:fs';
import type { Pool, PoolClient } from 'pg';
import { migrate, openDatabase, type Db } from './db';
import { migratePostgres } from './postgres/migrate';
import { createPostgresOfficeStore } from './postgres/office-store';
import { createPool } from './postgres/pool';
import { PostgresUnitOfWork } from './postgres/unit-of-work';
import type { OfficeStore } from './types';

/** Tables that each database keeps for itself: which of its own migrations it has applied. */
const OWN_TABLES = new Set(['migrations']);
/** Rows per INSERT: far below PostgreSQL's 65,535 parameters for the widest table. */
const BATCH_ROWS = 500;

export interface CopyReport {
  /** Rows copied per table, in the order the tables were copied. */
  tables: { table: string; rows: number }[];
}

export class CopyRefused extends Error {}

interface TargetColumn {
  name: string;
  type: string;
  identity: 'ALWAYS' | 'BY DEFAULT' | null;
}

/** The tables of the SQLite file, parents before children (the order their foreign keys need). */
export function tablesInCopyOrder(db: Db): string[] {
  const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[])
    .map((t) => t.name)
    .filter((t) => !OWN_TABLES.has(t));
  const parents = new Map(tables.map((t) => [t, new Set((db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as { table: string }[]).map((f) => f.table).filter((p) => p !== t))]));
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p) || !parents.has(p)));
    if (next.length === 0) throw new CopyRefused(`The foreign keys of ${tables.filter((t) => !placed.has(t)).join(', ')} form a cycle.`);
    for (const t of next) {
      ordered.push(t);
      placed.add(t);
    }
  }
  return ordered;
}

async function targetColumns(client: PoolClient, table: string): Promise<Map<string, TargetColumn>> {
  const { rows } = await client.query<{ column_name: string; data_type: string; identity_generation: 'ALWAYS' | 'BY DEFAULT' | null }>(
    `SELECT column_name, data_type, identity_generation FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  return new Map(rows.map((r) => [r.column_name, { name: r.column_name, type: r.data_type, identity: r.identity_generation }]));
}

/** A SQLite value as the PostgreSQL column takes it: 0/1 flags as booleans; the rest as stored (JSON text casts to jsonb). */
function targetValue(value: unknown, column: TargetColumn, where: string): unknown {
  if (value === null || value === undefined) return null;
  if (column.type === 'boolean') return value === 1 || value === true;
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new CopyRefused(`${where}: PostgreSQL text cannot hold the NUL character; correct the value in the SQLite file first.`);
  }
  return value;
}

/**
 * Copies every table of a migrated SQLite file into an empty, migrated PostgreSQL database, in one
 * transaction: either all rows arrive or none. Rows go in rowid order, so history's event ids
 * follow the order SQLite recorded the transitions in; identities then continue after the copied
 * ids. Triggers are off while copying: a copied reminder log or outbox row must not enqueue
 * webhooks again (the deliveries it caused are copied with the rest).
 */
export async function copyDatabase(db: Db, pool: Pool): Promise<CopyReport> {
  const tables = tablesInCopyOrder(db);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const [{ n }] = (await client.query<{ n: number }>('SELECT count(*) AS n FROM offices')).rows as [{ n: number }];
    if (n > 0) throw new CopyRefused(`The target database already holds ${n} offices; copy into an empty database.`);
    const report: CopyReport = { tables: [] };
    for (const table of tables) {
      const columns = await targetColumns(client, table);
      if (columns.size === 0) throw new CopyRefused(`The target database has no table ${table}; is it migrated to the same version?`);
      const sourceColumns = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
      const missing = sourceColumns.filter((c) => !columns.has(c));
      if (missing.length > 0) throw new CopyRefused(`The target table ${table} has no column ${missing.join(', ')}.`);
      const copied = sourceColumns.map((c) => columns.get(c)!).filter((c) => c.identity !== 'ALWAYS');
      await client.query(`ALTER TABLE "${table}" DISABLE TRIGGER USER`);
      const withoutRowid = /WITHOUT ROWID/i.test((db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?").get(table) as { sql: string }).sql);
      const rows = db.prepare(`SELECT ${copied.map((c) => `"${c.name}"`).join(', ')} FROM "${table}"${withoutRowid ? '' : ' ORDER BY rowid'}`).raw().iterate() as IterableIterator<unknown[]>;
      let count = 0;
      let batch: unknown[][] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const values: unknown[] = [];
        const tuples = batch.map((row) => `(${row.map((v) => `$${values.push(v)}`).join(', ')})`);
        await client.query(`INSERT INTO "${table}" (${copied.map((c) => `"${c.name}"`).join(', ')}) VALUES ${tuples.join(', ')}`, values);
        batch = [];
      };
      for (const row of rows) {
        count++;
        batch.push(row.map((v, i) => targetValue(v, copied[i]!, `${table}, row ${count}, ${copied[i]!.name}`)));
        if (batch.length === BATCH_ROWS) await flush();
      }
      await flush();
      await client.query(`ALTER TABLE "${table}" ENABLE TRIGGER USER`);
      for (const c of columns.values()) {
        if (!c.identity) continue;
        await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max("${c.name}") FROM "${table}"), 0) + 1, false)`, [table, c.name]);
      }
      report.tables.push({ table, rows: count });
    }
    await client.query('COMMIT');
    return report;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * `copy-database`: the SQLite file at `file`, migrated first, into the PostgreSQL database at `url`,
 * migrated first. Answers the report and the target's offices repository, for `verify`.
 */
export async function copySqliteFileToPostgres(file: string, url: string): Promise<{ report: CopyReport; target: OfficeStore; close(): Promise<void> }> {
  if (!fs.existsSync(file)) throw new CopyRefused(`${file} does not exist.`);
  const db = openDatabase(file);
  const pool = createPool({ url, poolSize: 2 });
  try {
    migrate(db);
    await migratePostgres(pool);
    const report = await copyDatabase(db, pool);
    return { report, target: createPostgresOfficeStore(new PostgresUnitOfWork(pool)), close: async () => void (await pool.end()) };
  } catch (error) {
    await pool.end();
    throw error;
  } finally {
    db.close();
  }
}
