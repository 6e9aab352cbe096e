/**
 * What the PostgreSQL pool (storage/postgres/pool.ts) reads back: bigint and numeric as numbers when
 * exact, instants as the ISO-8601 text SQLite stores, days as YYYY-MM-DD.
 */
import type { Pool } from 'pg';
import { createPool, parseInt8, parseNumeric, parseTimestamptz } from '../storage/postgres/pool';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';

test('the parsers keep exact values and refuse the others', () => {
  expect(parseInt8('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  expect(() => parseInt8('9007199254740992')).toThrow(/does not fit a JavaScript number/);
  expect(parseNumeric('42')).toBe(42);
  expect(parseNumeric('2.5000000000000000')).toBe(2.5);
  expect(() => parseNumeric('123456789012345678901')).toThrow(/does not fit/);
  expect(parseTimestamptz('2026-03-02 10:00:00.123+01')).toBe('2026-03-02T09:00:00.123Z');
  expect(parseTimestamptz('2026-03-02 09:00:00.123456+00')).toBe('2026-03-02T09:00:00.123Z');
  expect(() => parseTimestamptz('infinity')).toThrow(/not an instant/);
});

describeIfPostgres('a pool on PostgreSQL', () => {
  let database: FreshDatabase;
  let pool: Pool;
  beforeAll(async () => {
    database = await freshDatabase();
    pool = createPool({ url: database.url, poolSize: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  test('reads counts, sums, ids, instants and days as the SQLite store does', async () => {
    const { rows } = await pool.query(`SELECT
      count(*) AS n, sum(x) AS total, avg(x) AS mean, 7::bigint AS id, ARRAY[1, NULL, 3]::bigint[] AS ids,
      '2026-03-02T09:00:00.123Z'::timestamptz AS at, '2026-03-02 11:00:00.5+02'::timestamptz AS offset_at,
      '2026-03-02'::date AS day, '{"b": 1, "a": [true]}'::jsonb AS doc, true AS flag
      FROM (VALUES (1::bigint), (2::bigint)) AS v (x)`);
    expect(rows).toEqual([
      {
        n: 2, total: 3, mean: 1.5, id: 7, ids: [1, null, 3],
        at: '2026-03-02T09:00:00.123Z', offset_at: '2026-03-02T09:00:00.500Z',
        day: '2026-03-02', doc: { a: [true], b: 1 }, flag: true,
      },
    ]);
  });

  test('runs each session in UTC, so SQL date arithmetic matches SQLite', async () => {
    const { rows } = await pool.query<{ tz: string; day: string }>(
      "SELECT current_setting('TimeZone') AS tz, ('2026-03-02T23:30:00.000Z'::timestamptz)::date AS day",
    );
    expect(rows).toEqual([{ tz: 'UTC', day: '2026-03-02' }]);
  });

  test('fails a query whose bigint a number cannot hold, and the pool goes on working', async () => {
    await expect(pool.query('SELECT 9007199254740993::bigint AS n')).rejects.toThrow(/does not fit a JavaScript number/);
    expect((await pool.query('SELECT 1::bigint AS n')).rows).toEqual([{ n: 1 }]);
  });
});
