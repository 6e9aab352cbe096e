import { Client } from 'pg';

/**
 * PostgreSQL for the tests: TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)
 * names a server and a role that may create databases. Unset, the PostgreSQL suites are skipped.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;

/** `describe` when TEST_DATABASE_URL is set, else `describe.skip`. */
export const describeIfPostgres: jest.Describe = TEST_DATABASE_URL ? describe : describe.skip;

export interface FreshDatabase {
  name: string;
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

let created = 0;

async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set (guard the suite with describeIfPostgres).');
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * An empty database of its own, onboarding_test_<pid>_<n>: unique among the processes running now, so
 * one left by a dead process of the same pid is dropped first. From template0 in UTF-8, so neither a
 * session on template1 nor a SQL_ASCII cluster gets in the way.
 */
export async function freshDatabase(options: { sortedAsEnglish?: boolean } = {}): Promise<FreshDatabase> {
  const name = `onboarding_test_${process.pid}_${++created}`;
  await asAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    // sortedAsEnglish: text sorts by English rules (ICU en-US), as in a database created under
    // en_US.UTF-8, rather than by code point: every order a repository answers with must then be
    // made explicit to match SQLite's.
    const locale = options.sortedAsEnglish ? " LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'" : '';
    await c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'${locale}`);
  });
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => asAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
