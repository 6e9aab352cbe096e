/** DATABASE_URL selects PostgreSQL; without it the SQLite file, as configured before (storage/backend.ts). */
import { loadConfig } from '../config/env';
import { databaseBackend } from '../storage/backend';

test('without DATABASE_URL: the SQLite file at DATABASE_PATH, with the default of the configuration', () => {
  expect(databaseBackend({})).toEqual({ kind: 'sqlite', file: loadConfig({}).DATABASE_PATH });
  expect(databaseBackend({ DATABASE_PATH: '/srv/o.db', DATABASE_URL: '  ' })).toEqual({ kind: 'sqlite', file: '/srv/o.db' });
});

test('a postgres:// or postgresql:// URL: PostgreSQL with a pool of 10 unless DATABASE_POOL_SIZE says otherwise', () => {
  expect(databaseBackend({ DATABASE_URL: 'postgres://app@db.example:5432/onboarding' })).toEqual({
    kind: 'postgres',
    url: 'postgres://app@db.example:5432/onboarding',
    poolSize: 10,
  });
  expect(databaseBackend({ DATABASE_URL: ' postgresql://app:s%40cret@10.0.0.5/onb?sslmode=require ', DATABASE_POOL_SIZE: '25' })).toEqual({
    kind: 'postgres',
    url: 'postgresql://app:s%40cret@10.0.0.5/onb?sslmode=require',
    poolSize: 25,
  });
  expect(databaseBackend({ DATABASE_URL: 'postgres://app@db/onb', DATABASE_POOL_SIZE: '' })).toMatchObject({ poolSize: 10 });
  expect(databaseBackend({ DATABASE_URL: 'postgres://app@db/onb', DATABASE_POOL_SIZE: '200' })).toMatchObject({ poolSize: 200 });
});

test('another scheme is refused by name, without printing the password', () => {
  for (const url of ['mysql://root:hunter2@db/onb', 'sqlite:data/onboarding.db', 'file:///srv/o.db']) {
    let message = '';
    try {
      databaseBackend({ DATABASE_URL: url });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL \(got an? \w+: URL\)/);
    expect(message).not.toContain('hunter2');
  }
  expect(() => databaseBackend({ DATABASE_URL: 'db.example:5432/onb' })).toThrow(/DATABASE_URL: must be a postgres/);
  expect(() => databaseBackend({ DATABASE_URL: 'postgres://app:p@ss@[bad/onb' })).toThrow(/DATABASE_URL: is not a valid URL/);
});

test.each(['0', '201', '-1', '2.5', 'ten', '1e2'])('DATABASE_POOL_SIZE=%s is refused', (size) => {
  expect(() => databaseBackend({ DATABASE_URL: 'postgres://app@db/onb', DATABASE_POOL_SIZE: size })).toThrow(
    /DATABASE_POOL_SIZE: must be a whole number from 1 to 200/,
  );
});
