/**
 * PostgreSQL migrations (storage/postgres/migrations/): they build the schema of the SQLite migrations
 * with native types, run once, and run once when five servers start together on an empty database.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { migrate, openDatabase } from '../storage/db';
import { migratePostgres } from '../storage/postgres/migrate';
import { createPool } from '../storage/postgres/pool';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';
import { ROOT } from './helpers/server';

const FILES = fs.readdirSync(path.join(ROOT, 'storage', 'postgres', 'migrations')).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();

/** Columns PostgreSQL has and SQLite has not: the live stream's global id and the claims' leases. */
const EXTRA_COLUMNS = ['history.event_id', 'sla_clocks.lease_owner', 'sla_clocks.lease_until'];
const JSONB = [
  'audit_log.details', 'broadcasts.event', 'history.from_states', 'history.payload', 'history.to_states',
  'offices.contacts', 'offices.entered_at', 'offices.snapshot', 'offices.states', 'outbox.attachments', 'outbox.recipients',
  'inbound_mail.attachments', 'inbound_mail.bounced', 'reminder_log.detail', 'webhook_subscriptions.events', 'webhook_subscriptions.filter_stages', 'webhook_subscriptions.filter_types',
];
const DATES = ['workshops.end_date', 'workshops.start_date'];
const BOOLEANS = ['office_states.is_leaf', 'webhook_subscriptions.enabled'];
/** An SQLite TEXT column named like this holds an instant. */
const INSTANT_NAME = /(^at|_at|deadline|until|_since|send_after)$/;

interface Column { table: string; name: string; type: string; notNull: boolean }

function sqliteSchema(): { columns: Column[]; indexes: string[]; triggers: string[]; views: string[] } {
  const db = openDatabase(':memory:');
  try {
    migrate(db);
    const objects = (type: string) =>
      db.prepare<[string], { name: string }>("SELECT name FROM sqlite_schema WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name").all(type).map((r) => r.name);
    const columns = objects('table').flatMap((table) =>
      (db.pragma(`table_info(${table})`) as { name: string; type: string; notnull: number; pk: number }[]).map((c) => ({
        table,
        name: c.name,
        type: c.type,
        notNull: c.notnull === 1 || c.pk > 0,
      })),
    );
    return { columns, indexes: objects('index'), triggers: objects('trigger'), views: objects('view') };
  } finally {
    db.close();
  }
}

/** What an SQLite column becomes in PostgreSQL. */
function expectedType(c: Column): string | string[] {
  const key = `${c.table}.${c.name}`;
  if (JSONB.includes(key)) return 'jsonb';
  if (DATES.includes(key)) return 'date';
  if (BOOLEANS.includes(key)) return 'boolean';
  if (c.type === 'INTEGER') return ['integer', 'bigint'];
  return INSTANT_NAME.test(c.name) ? 'timestamp with time zone' : 'text';
}

describeIfPostgres('PostgreSQL migrations', () => {
  let database: FreshDatabase;
  let pool: Pool;
  let ranFirst: string[];
  beforeAll(async () => {
    database = await freshDatabase();
    pool = createPool({ url: database.url, poolSize: 2 });
    ranFirst = await migratePostgres(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  test('apply every file once, record each, and apply nothing the second time', async () => {
    expect(ranFirst).toEqual(FILES);
    expect(await migratePostgres(pool)).toEqual([]);
    const recorded = await pool.query<{ id: number; name: string; applied_at: string }>('SELECT id, name, applied_at FROM migrations ORDER BY id');
    expect(recorded.rows.map((r) => r.name)).toEqual(FILES);
    expect(recorded.rows.map((r) => r.id)).toEqual(FILES.map((f) => Number.parseInt(f, 10)));
  });

  test('build the SQLite schema: every table and column, with native types and the same NOT NULLs', async () => {
    const sqlite = sqliteSchema();
    const { rows } = await pool.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
       WHERE c.table_schema = current_schema()`,
    );
    const pg = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
    const sqliteKeys = sqlite.columns.map((c) => `${c.table}.${c.name}`);
    expect([...pg.keys()].filter((k) => !sqliteKeys.includes(k)).sort()).toEqual(EXTRA_COLUMNS);
    expect(sqliteKeys.filter((k) => !pg.has(k))).toEqual([]);
    const mismatches = sqlite.columns.flatMap((c) => {
      const col = pg.get(`${c.table}.${c.name}`)!;
      const expected = expectedType(c);
      const typeOk = Array.isArray(expected) ? expected.includes(col.data_type) : col.data_type === expected;
      const nullOk = (col.is_nullable === 'NO') === c.notNull;
      return typeOk && nullOk ? [] : [`${c.table}.${c.name}: ${col.data_type} ${col.is_nullable === 'NO' ? 'NOT NULL' : 'NULL'}, expected ${String(expected)} ${c.notNull ? 'NOT NULL' : 'NULL'}`];
    });
    expect(mismatches).toEqual([]);

    const names = async (sql: string) => (await pool.query<{ name: string }>(sql)).rows.map((r) => r.name);
    const indexes = await names('SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()');
    expect(sqlite.indexes.filter((i) => !indexes.includes(i))).toEqual([]);
    const triggers = await names('SELECT DISTINCT trigger_name AS name FROM information_schema.triggers WHERE trigger_schema = current_schema() ORDER BY 1');
    // history_notify is PostgreSQL's own: the live stream across servers (LISTEN/NOTIFY).
    expect(triggers).toEqual(['history_notify', ...sqlite.triggers].sort());
    const views = await names('SELECT table_name AS name FROM information_schema.views WHERE table_schema = current_schema() ORDER BY 1');
    expect(views).toEqual(sqlite.views);
  });

  test('number history rows across offices with an identity the application cannot set', async () => {
    const { rows } = await pool.query<{ is_identity: string; identity_generation: string; data_type: string }>(
      "SELECT is_identity, identity_generation, data_type FROM information_schema.columns WHERE table_name = 'history' AND column_name = 'event_id'",
    );
    expect(rows).toEqual([{ is_identity: 'YES', identity_generation: 'ALWAYS', data_type: 'bigint' }]);
    const unique = await pool.query("SELECT 1 FROM pg_constraint WHERE conname = 'history_event_id' AND contype = 'u'");
    expect(unique.rowCount).toBe(1);
  });

  test.each([
    ['outbox', "status = 'pending' AND send_after <= $1 ORDER BY send_after", 'outbox_due'],
    ['outbox', "status = 'sending' AND lease_until <= $1", 'outbox_leased'],
    ['webhook_deliveries', "status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at", 'webhook_deliveries_due'],
    ['webhook_deliveries', "status = 'sending' AND lease_until <= $1", 'webhook_deliveries_leased'],
    ['sla_clocks', 'next_reminder_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_reminder_at', 'sla_clocks_due'],
    ['sla_clocks', 'lease_owner IS NOT NULL AND lease_until <= $1', 'sla_clocks_leased'],
    ['broadcasts', 'finished_at IS NULL AND (lease_until IS NULL OR lease_until <= $1) ORDER BY created_at', 'broadcasts_unfinished'],
  ])('let a claim of %s (%s) read index %s', async (table, where, index) => {
    const client = await pool.connect();
    try {
      // On empty tables the planner would rightly scan; forbidding it shows which index can serve.
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM ${table} WHERE ${where} LIMIT 100 FOR UPDATE SKIP LOCKED`,
        ['2026-01-01T00:00:00.000Z'],
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(index);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

interface ChildOutcome { code: number | null; stdout: string; stderr: string }

describeIfPostgres('five servers starting at once on an empty database', () => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database?.drop());

  test('apply one set of migrations: one server runs every file, the others none, and none fails', async () => {
    const children = Array.from({ length: 5 }, () =>
      spawn(process.execPath, ['--import', 'tsx', path.join('tests', 'fixtures', 'postgres-migrate-child.ts'), database.url], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    const outcomes = children.map(
      (child) =>
        new Promise<ChildOutcome>((resolve) => {
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        }),
    );
    // Every child connected before any migrates, so all five contend for the lock at one moment.
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            const onData = (d: Buffer) => {
              if (d.toString().includes('ready')) {
                child.stdout.off('data', onData);
                resolve();
              }
            };
            child.stdout.on('data', onData);
            child.on('close', (code) => reject(new Error(`a child exited with ${code} before it was ready`)));
          }),
      ),
    );
    for (const child of children) child.stdin.write('go\n');
    const done = await Promise.all(outcomes);

    expect(done.map((o) => [o.code, o.stderr])).toEqual(done.map(() => [0, '']));
    const ran = done.map((o) => (JSON.parse(o.stdout.split('\n').find((l) => l.startsWith('{'))!) as { ran: string[] }).ran);
    expect(ran.filter((r) => r.length > 0)).toEqual([FILES]);
    const pool = createPool({ url: database.url, poolSize: 1 });
    try {
      const { rows } = await pool.query<{ name: string; n: number }>('SELECT name, count(*) AS n FROM migrations GROUP BY name ORDER BY name');
      expect(rows).toEqual(FILES.map((name) => ({ name, n: 1 })));
    } finally {
      await pool.end();
    }
  });
});
