/**
 * The mailbox and export repositories on both backends: a fresh SQLite file per test and, when
 * TEST_DATABASE_URL is set, one migrated PostgreSQL database per file, emptied before each test with
 * its identities restarted. Offices go through an engine on a fixed clock, so both backends hold the
 * same rows; `fixture` writes what no repository of these tests writes (clocks, timers, outbox rows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { fixedClock } from '../../engine/clock';
import { Engine } from '../../engine/engine';
import type { AccountStore } from '../../storage/account-store';
import type { Db } from '../../storage/db';
import type { ExportStore } from '../../storage/export-store';
import type { MailboxStore } from '../../storage/mailbox-store';
import { createPostgresAccountStore } from '../../storage/postgres/account-store';
import { createPostgresExportStore } from '../../storage/postgres/export-store';
import { createPostgresMailboxStore } from '../../storage/postgres/mailbox-store';
import { migratePostgres } from '../../storage/postgres/migrate';
import { createPostgresOfficeStore } from '../../storage/postgres/office-store';
import { createPool } from '../../storage/postgres/pool';
import { createPostgresProgrammeStore } from '../../storage/postgres/programme-store';
import { PostgresUnitOfWork } from '../../storage/postgres/unit-of-work';
import type { ProgrammeStore } from '../../storage/programme-store';
import { openSqliteStorage } from '../../storage/sqlite-storage';
import type { OfficeStore } from '../../storage/types';
import { freshDatabase, type FreshDatabase } from '../helpers/postgres';
import { forEachBackendOf, type BackendKind } from './per-backend';

export type { BackendKind };

export const START = '2026-03-02T09:00:00.000Z';

export interface Server {
  engine: Engine;
  clock: ReturnType<typeof fixedClock>;
  offices: OfficeStore;
  programme: ProgrammeStore;
  accounts: AccountStore;
  mailbox: MailboxStore;
  exports: ExportStore;
}

export interface Backend extends Server {
  kind: BackendKind;
  /** A statement for the fixtures, with $1, $2… parameters in order on both backends. */
  fixture(text: string, values?: unknown[]): Promise<void>;
  /** PostgreSQL: the pool of the snapshots, to see their connections come back. */
  pool?: Pool;
  /** PostgreSQL: the same database through another pool (a second server). */
  another(): Server;
}

function serverOn(offices: OfficeStore, programme: ProgrammeStore, accounts: AccountStore, mailbox: MailboxStore, exports: ExportStore): Server {
  const clock = fixedClock(START);
  return { engine: new Engine({ store: offices, clock }), clock, offices, programme, accounts, mailbox, exports };
}

function sqliteBackend() {
  let dir: string | undefined;
  let db: Db | undefined;
  return {
    open(): Backend {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-export-contract-'));
      const opened = openSqliteStorage(path.join(dir, 'onboarding.db'));
      db = opened.db;
      const s = opened;
      const sql = db;
      return {
        kind: 'sqlite',
        ...serverOn(s.offices, s.programme, s.accounts, s.mailbox, s.exports),
        // $n as the named @pn: better-sqlite3 takes a numbered parameter used twice as two.
        fixture: async (text, values = []) =>
          void sql.prepare(text.replace(/\$(\d+)/g, '@p$1')).run(Object.fromEntries(values.map((v, i) => [`p${i + 1}`, v]))),
        another: () => {
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

function postgresBackend() {
  let database: FreshDatabase | undefined;
  const pools: Pool[] = [];
  let tables = '';
  const serverWith = (): { server: Server; pool: Pool } => {
    const pool = createPool({ url: database!.url, poolSize: 4 });
    pools.push(pool);
    const unit = new PostgresUnitOfWork(pool);
    const server = serverOn(
      createPostgresOfficeStore(unit),
      createPostgresProgrammeStore(unit),
      createPostgresAccountStore(unit),
      createPostgresMailboxStore(unit),
      createPostgresExportStore(pool),
    );
    return { server, pool };
  };
  return {
    async start() {
      database = await freshDatabase();
      const pool = createPool({ url: database.url, poolSize: 1 });
      try {
        await migratePostgres(pool);
        const { rows } = await pool.query<{ names: string }>(
          "SELECT string_agg(quote_ident(tablename), ', ') AS names FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'",
        );
        tables = rows[0]!.names;
      } finally {
        await pool.end();
      }
    },
    async open(): Promise<Backend> {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      const { server, pool } = serverWith();
      await pool.query(`TRUNCATE ${tables} RESTART IDENTITY CASCADE`);
      return {
        kind: 'postgres',
        ...server,
        pool,
        fixture: async (text, values = []) => void (await pool.query(text, values)),
        another: () => serverWith().server,
      };
    },
    async stop() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await database?.drop();
    },
  };
}

/** The cases of `body` on a fresh SQLite file and on PostgreSQL (per-backend.ts). */
export function forEachMailExportBackend(suite: string, body: (backend: () => Backend, kind: BackendKind) => void): void {
  forEachBackendOf(suite, { sqlite: sqliteBackend, postgres: postgresBackend }, body);
}

/** Both backends at once, for comparing their answers to the same writes (PostgreSQL when TEST_DATABASE_URL is set). */
export function bothBackends(): { sqlite(): Backend; postgres(): Backend } {
  const sqlite = sqliteBackend();
  const postgres = postgresBackend();
  let s: Backend | undefined;
  let p: Backend | undefined;
  beforeAll(() => postgres.start());
  afterAll(() => postgres.stop());
  beforeEach(async () => {
    s = sqlite.open();
    p = await postgres.open();
  });
  afterEach(() => sqlite.close());
  return { sqlite: () => s!, postgres: () => p! };
}
