/**
 * `npm run cli -- copy-database`: the demo programme's SQLite file into an empty PostgreSQL
 * database, every table and row, in one transaction, verified; refused into a database that is not
 * empty; all or nothing when a row cannot be copied.
 */
import path from 'node:path';
import type { Pool } from 'pg';
import { openRuntime } from '../app/runtime';
import { loadDemoData } from '../demo/load';
import { fixedClock } from '../engine/clock';
import { openDatabase, type Db } from '../storage/db';
import { tablesInCopyOrder } from '../storage/copy-database';
import { createSqliteFiguresStore } from '../storage/figures-store';
import { createPostgresFiguresStore } from '../storage/postgres/figures-store';
import { createPool } from '../storage/postgres/pool';
import { PostgresUnitOfWork } from '../storage/postgres/unit-of-work';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';
import { makeTempDir, removeTempDir, runCli, testConfig } from './helpers/server';

jest.setTimeout(180_000);
const NOW = '2026-06-30T09:00:00.000Z';

describeIfPostgres('copy-database from SQLite to PostgreSQL', () => {
  let dir: string;
  let file: string;
  let db: Db;
  const databases: FreshDatabase[] = [];
  const pools: Pool[] = [];
  const poolOn = (url: string) => {
    const pool = createPool({ url, poolSize: 2 });
    pools.push(pool);
    return pool;
  };
  const fresh = async () => {
    const database = await freshDatabase();
    databases.push(database);
    return database;
  };
  const count = async (pool: Pool, table: string) => (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n;

  beforeAll(async () => {
    dir = makeTempDir();
    file = path.join(dir, 'demo.db');
    const runtime = await openRuntime(testConfig(file), { clock: fixedClock(NOW) });
    await loadDemoData(runtime);
    const [first] = [...(await runtime.store.officeIds())];
    await runtime.storage.notes.add(first!, 'Called the focal point; site survey next week.', 'coordinator', NOW);
    await runtime.accounts.insertUser({ username: 'ada', displayName: 'Ada', email: 'ada@wipo.example', role: 'admin', passwordHash: 'x', createdAt: NOW });
    runtime.close();
    db = openDatabase(file);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await Promise.all(databases.map((d) => d.drop()));
    db?.close();
    removeTempDir(dir);
  });

  test('copies every row of every table, verifies the copy, and the figures agree', async () => {
    const target = await fresh();
    const result = await runCli(file, ['copy-database', '--from', file, '--to', target.url]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Verified \d+ offices, \d+ events on PostgreSQL: 0 difference\(s\)\.$/m);

    const pool = poolOn(target.url);
    const tables = tablesInCopyOrder(db);
    expect(tables).toEqual(expect.arrayContaining(['offices', 'history', 'sla_clocks', 'outbox', 'office_notes', 'users', 'workshops']));
    for (const table of tables) {
      const rows = (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
      expect({ table, rows: await count(pool, table) }).toEqual({ table, rows });
      expect(result.stdout).toMatch(new RegExp(`^ {2}${table} +${rows}$`, 'm'));
    }
    expect(await count(pool, 'history')).toBeGreaterThan(500);

    // History's event ids follow the order SQLite recorded the rows in.
    const sqliteOrder = (db.prepare('SELECT office_id, seq FROM history ORDER BY rowid').all() as { office_id: string; seq: number }[]).map((r) => `${r.office_id}/${r.seq}`);
    const pgOrder = (await pool.query<{ office_id: string; seq: number }>('SELECT office_id, seq FROM history ORDER BY event_id')).rows.map((r) => `${r.office_id}/${r.seq}`);
    expect(pgOrder).toEqual(sqliteOrder);

    const figuresThen = createSqliteFiguresStore(db);
    const figuresNow = createPostgresFiguresStore(new PostgresUnitOfWork(pool));
    for (const at of ['2026-01-01T00:00:00.000Z', NOW]) {
      expect(await figuresNow.countFigures(at)).toEqual(await figuresThen.countFigures(at));
      expect(await figuresNow.countStateFiguresAsOf(at)).toEqual(await figuresThen.countStateFiguresAsOf(at));
    }
    // Identities continue after the copied ids.
    const note = await pool.query<{ id: number }>("INSERT INTO office_notes (office_id, at, actor, text) SELECT id, now(), 'test', 'after' FROM offices LIMIT 1 RETURNING id");
    const maxNote = (db.prepare('SELECT max(id) AS id FROM office_notes').get() as { id: number }).id;
    expect(note.rows[0]!.id).toBe(maxNote + 1);
  });

  test('refuses a database that already holds offices, and changes nothing in it', async () => {
    const target = await fresh();
    expect((await runCli(file, ['copy-database', '--from', file, '--to', target.url])).code).toBe(0);
    const pool = poolOn(target.url);
    const before = await count(pool, 'history');
    const again = await runCli(file, ['copy-database', '--from', file, '--to', target.url]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds \d+ offices; copy into an empty database/);
    expect(await count(pool, 'history')).toBe(before);
  });

  test('a row PostgreSQL cannot hold rolls the whole copy back, and says which row', async () => {
    const broken = path.join(dir, 'broken.db');
    await db.backup(broken);
    const copy = openDatabase(broken);
    copy.prepare("UPDATE office_notes SET text = 'a' || char(0) || 'b'").run();
    copy.close();
    const target = await fresh();
    const result = await runCli(broken, ['copy-database', '--from', broken, '--to', target.url]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/office_notes, row 1, text: PostgreSQL text cannot hold the NUL character/);
    const pool = poolOn(target.url);
    expect(await count(pool, 'offices')).toBe(0);
    expect(await count(pool, 'history')).toBe(0);
  });

  test('a --to that is not a PostgreSQL URL is refused without printing it', async () => {
    const result = await runCli(file, ['copy-database', '--from', file, '--to', 'mysql://root:s3cret@127.0.0.1/db']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/postgres:\/\/ or postgresql:\/\//);
    expect(result.stderr).not.toContain('s3cret');
  });
});
