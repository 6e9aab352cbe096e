/**
 * The programme and report repositories on both backends, for cases defined once: a fresh SQLite
 * file per test and, when TEST_DATABASE_URL is set, one migrated PostgreSQL database per file,
 * emptied before each test with its identities restarted (so ids count from 1 on both). Offices
 * are registered and moved through the engine, so their states and history rows are the real ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type Pool } from 'pg';
import { Engine } from '../../engine/engine';
import type { OfficeEvent } from '../../machines/events';
import { migrate, openDatabase, type Db } from '../../storage/db';
import { createOfficeStore } from '../../storage/office-store';
import { migratePostgres } from '../../storage/postgres/migrate';
import { createPostgresOfficeStore } from '../../storage/postgres/office-store';
import { createPool } from '../../storage/postgres/pool';
import { createPostgresProgrammeStore } from '../../storage/postgres/programme-store';
import { createPostgresReportStore } from '../../storage/postgres/report-store';
import { PostgresUnitOfWork } from '../../storage/postgres/unit-of-work';
import { createProgrammeStore, type ProgrammeStore } from '../../storage/programme-store';
import { createSqliteReportStore, type ReportStore } from '../../storage/report-store';
import type { OfficeRecord, OfficeStore } from '../../storage/types';
import { describeIfPostgres, freshDatabase, TEST_DATABASE_URL, type FreshDatabase } from '../helpers/postgres';

export type BackendKind = 'sqlite' | 'postgres';

/** The repositories of one connection (SQLite) or pool (PostgreSQL), and an engine on them. */
export interface Server {
  engine: Engine;
  offices: OfficeStore;
  programme: ProgrammeStore;
  reports: ReportStore;
}

export interface Backend extends Server {
  kind: BackendKind;
  /** The same database through another pool: a second server (PostgreSQL only). */
  another(): Server;
}

function serverOn(offices: OfficeStore, programme: ProgrammeStore, reports: ReportStore): Server {
  return { engine: new Engine({ store: offices }), offices, programme, reports };
}

function sqliteBackend() {
  let dir: string | undefined;
  let db: Db | undefined;
  return {
    open(): Backend {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'programme-contract-'));
      db = openDatabase(path.join(dir, 'onboarding.db'));
      migrate(db);
      const server = serverOn(createOfficeStore(db), createProgrammeStore(db), createSqliteReportStore(db));
      return {
        kind: 'sqlite',
        ...server,
        another: () => {
          // better-sqlite3 waits for a second connection's lock synchronously, blocking the first.
          throw new Error('A second server on one SQLite file is not a case these contracts cover.');
        },
      };
    },
    close() {
      db?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      db = dir = undefined;
    },
  };
}

/**
 * A fresh database whose text sorts by English rules (ICU en-US), as one created under en_US.UTF-8
 * does, rather than by code point as the test server's default does: every order the repositories
 * answer with must then be made explicit to match SQLite's.
 */
async function linguisticDatabase(): Promise<FreshDatabase> {
  const database = await freshDatabase();
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE ${database.name}`);
    await admin.query(`CREATE DATABASE ${database.name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`);
  } finally {
    await admin.end();
  }
  return database;
}

function postgresBackend() {
  let database: FreshDatabase | undefined;
  const pools: Pool[] = [];
  const serverWith = (poolSize: number): Server => {
    const pool = createPool({ url: database!.url, poolSize });
    pools.push(pool);
    const unit = new PostgresUnitOfWork(pool);
    return serverOn(createPostgresOfficeStore(unit), createPostgresProgrammeStore(unit), createPostgresReportStore(unit));
  };
  let tables = '';
  return {
    async start() {
      database = await linguisticDatabase();
      const pool = createPool({ url: database.url, poolSize: 1 });
      try {
        await migratePostgres(pool);
        const [row] = (
          await pool.query<{ names: string }>(
            "SELECT string_agg(quote_ident(tablename), ', ') AS names FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'",
          )
        ).rows;
        tables = row!.names;
      } finally {
        await pool.end();
      }
    },
    async open(): Promise<Backend> {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      const server = serverWith(4);
      await pools[0]!.query(`TRUNCATE ${tables} RESTART IDENTITY CASCADE`);
      return { kind: 'postgres', ...server, another: () => serverWith(4) };
    },
    async stop() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await database?.drop();
    },
  };
}

/** Defines the cases of `body` once per backend; `backend()` is the current test's empty database. */
export function forEachProgrammeBackend(suite: string, body: (backend: () => Backend, kind: BackendKind) => void): void {
  describe(`${suite} on SQLite`, () => {
    const sqlite = sqliteBackend();
    let current: Backend | undefined;
    beforeEach(() => void (current = sqlite.open()));
    afterEach(() => sqlite.close());
    body(() => current!, 'sqlite');
  });

  describeIfPostgres(`${suite} on PostgreSQL`, () => {
    const postgres = postgresBackend();
    let current: Backend | undefined;
    beforeAll(() => postgres.start());
    afterAll(() => postgres.stop());
    beforeEach(async () => void (current = await postgres.open()));
    body(() => current!, 'postgres');
  });
}

/** An instant in 2026, from a month (1–12), a day and optionally hours and minutes (UTC). */
export const at = (month: number, day: number, hours = 9, minutes = 0, ms = 0): string =>
  new Date(Date.UTC(2026, month - 1, day, hours, minutes, 0, ms)).toISOString();

export interface OfficeSpec {
  id: string;
  name?: string;
  country?: string;
  track?: OfficeRecord['track'];
}

/** Registers an office through the engine at `when`, then applies `events`, each at its instant. */
export async function officeThrough(engine: Engine, spec: OfficeSpec, when: string, events: [OfficeEvent, string][] = []): Promise<OfficeRecord> {
  let office = await engine.register(
    { id: spec.id, name: spec.name ?? `Office ${spec.id}`, country: spec.country ?? 'FR', language: 'en', track: spec.track ?? 'kit', contacts: [] },
    { actor: 'test', at: new Date(when) },
  );
  for (const [event, instant] of events) office = (await engine.apply(spec.id, event, { actor: 'test', at: new Date(instant) })).office;
  return office;
}
