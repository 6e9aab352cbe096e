import { Client, Pool, types, type CustomTypesConfig } from 'pg';
import { postgresSettings, type PostgresSettings } from './config';

/** Type OIDs whose reading differs from node-postgres's defaults (SELECT oid, typname FROM pg_type). */
const OID = { int8: 20, int8Array: 1016, numeric: 1700, date: 1082, timestamptz: 1184 } as const;

/**
 * bigint (counts, count(*), identity ids): a JS number. node-postgres returns text because an int8
 * may exceed 2^53; no id or count here comes near it, and one that did would be silently rounded as
 * a number, so it fails the query instead.
 */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} does not fit a JavaScript number exactly`);
  return n;
}

/**
 * numeric (sum() and avg() of integers): a JS number. Whole values must be exact, as for bigint;
 * fractions (averages, ratios) are rounded to the nearest double, which is what the code computes with.
 */
export function parseNumeric(text: string): number {
  const n = Number(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) throw new RangeError(`numeric ${text} does not fit a JavaScript number exactly`);
  return n;
}

/** node-postgres's own parser of a type (its typings list only the scalar OIDs). */
const defaultParser = types.getTypeParser as (oid: number, format?: 'text' | 'binary') => (text: string) => unknown;
const defaultTimestamptz = defaultParser(OID.timestamptz) as (text: string) => Date | number;
const defaultInt8Array = defaultParser(OID.int8Array) as (text: string) => unknown[] | null;

/**
 * timestamptz: ISO-8601 UTC text with milliseconds (`2026-03-02T09:00:00.000Z`), not a Date. The
 * SQLite store keeps instants as exactly that text and every record type (OfficeRecord.createdAt,
 * HistoryEntry.at, …) carries it as a string, so both backends hand the engine, the views, the API
 * and `verify` the same values. The app writes milliseconds only; PostgreSQL's microseconds (now())
 * are cut to milliseconds, as in the records. 'infinity' is refused: no record can hold it.
 */
export function parseTimestamptz(text: string): string {
  const value = defaultTimestamptz(text);
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError(`timestamptz ${text} is not an instant a record can hold`);
  return value.toISOString();
}

function mapInt8Array(values: unknown[]): unknown[] {
  return values.map((v) => (v === null ? null : Array.isArray(v) ? mapInt8Array(v) : parseInt8(String(v))));
}

/**
 * The parsers of this pool only (pg.types.setTypeParser would change them for every pg client in the
 * process). Not changed: json and jsonb are parsed to values, boolean to booleans, integer to numbers.
 * date stays the `YYYY-MM-DD` text the records use (the default builds a Date at local midnight,
 * which names the day before west of UTC).
 */
const TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return defaultParser(oid, format);
    switch (oid) {
      case OID.int8:
        return parseInt8;
      case OID.int8Array:
        return (text: string) => {
          const values = defaultInt8Array(text);
          return values === null ? null : mapInt8Array(values);
        };
      case OID.numeric:
        return parseNumeric;
      case OID.date:
        return (text: string) => text;
      case OID.timestamptz:
        return parseTimestamptz;
      default:
        return defaultParser(oid, format);
    }
  }) as CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** A pooled connection that fails while idle (the server restarted): the pool drops it and reconnects on demand. */
  onIdleError?: (error: Error) => void;
}

/**
 * A pool for the settings given. Each session runs in UTC with ISO dates (as SQLite's date functions
 * do, and as the text parsers above expect), unless the URL sets `options` itself, which then wins.
 */
export function createPool(settings: PostgresSettings, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    types: TYPES,
    application_name: 'office-onboarding',
    options: '-c TimeZone=UTC -c DateStyle=ISO,MDY',
  });
  // Without a listener an idle connection's error is an uncaught 'error' event and ends the process.
  pool.on('error', options.onIdleError ?? ((error) => process.emitWarning(`PostgreSQL connection lost while idle: ${error.message}`)));
  return pool;
}

/**
 * One connection of its own, outside any pool, read as the pool's are: for LISTEN, which holds its
 * connection for as long as it listens.
 */
export function createClient(url: string, applicationName = 'office-onboarding'): Client {
  return new Client({ connectionString: url, types: TYPES, application_name: applicationName, options: '-c TimeZone=UTC -c DateStyle=ISO,MDY' });
}

/** A pool from DATABASE_URL and DATABASE_POOL_SIZE (default 10, 1 to 200). */
export function createPoolFromEnv(env: NodeJS.ProcessEnv = process.env, options: PoolOptions = {}): Pool {
  return createPool(postgresSettings(env), options);
}
