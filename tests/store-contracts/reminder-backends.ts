/**
 * The reminder, outbox, stuck-list and workshop-calendar repositories on both backends, for cases
 * defined once: a fresh SQLite file per test and, when TEST_DATABASE_URL is set, one migrated
 * PostgreSQL database per file, emptied before each test with its identities restarted (so ids
 * count from 1 on both). `another()` is a second server on the same PostgreSQL database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { Db } from '../../storage/db';
import type { OutboxStore } from '../../storage/outbox-store';
import { migratePostgres } from '../../storage/postgres/migrate';
import { createPostgresOfficeStore } from '../../storage/postgres/office-store';
import { createPostgresOutboxStore } from '../../storage/postgres/outbox-store';
import { createPool } from '../../storage/postgres/pool';
import { createPostgresProgrammeStore } from '../../storage/postgres/programme-store';
import { createPostgresReminderStore } from '../../storage/postgres/reminder-store';
import { createPostgresStuckStore } from '../../storage/postgres/stuck-store';
import { PostgresUnitOfWork } from '../../storage/postgres/unit-of-work';
import { createPostgresWorkshopCalendar } from '../../storage/postgres/workshop-calendar';
import type { ProgrammeStore } from '../../storage/programme-store';
import type { ReminderStore } from '../../storage/reminder-store';
import { openSqliteStorage } from '../../storage/sqlite-storage';
import type { StuckStore } from '../../storage/stuck-store';
import type { OfficeStore } from '../../storage/types';
import type { WorkshopCalendar } from '../../storage/workshop-calendar';
import { freshDatabase, type FreshDatabase } from '../helpers/postgres';
import { forEachBackendOf, type BackendKind } from './per-backend';

export type { BackendKind };

export interface Server {
  offices: OfficeStore;
  reminders: ReminderStore;
  outbox: OutboxStore;
  stuck: StuckStore;
  calendar: WorkshopCalendar;
  programme: ProgrammeStore;
}

export interface Backend extends Server {
  kind: BackendKind;
  /** The same database through another pool: a second server (PostgreSQL only). */
  another(): Server;
  /** Resolves once some session of this database waits for a row lock (PostgreSQL only). */
  lockWaited(): Promise<void>;
}

function sqliteBackend() {
  let dir: string | undefined;
  let db: Db | undefined;
  return {
    open(): Backend {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reminder-contract-'));
      const opened = openSqliteStorage(path.join(dir, 'onboarding.db'));
      db = opened.db;
      const s = opened;
      return {
        kind: 'sqlite',
        offices: s.offices,
        reminders: s.reminders,
        outbox: s.outbox,
        stuck: s.stuck,
        calendar: s.workshopCalendar,
        programme: s.programme,
        another: () => {
          // better-sqlite3 waits for a second connection's lock synchronously, blocking the first.
          throw new Error('A second server on one SQLite file is not a case these contracts cover.');
        },
        lockWaited: () => Promise.reject(new Error('SQLite sessions do not wait for row locks.')),
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
  const serverWith = (poolSize: number): Server => {
    const pool = createPool({ url: database!.url, poolSize });
    pools.push(pool);
    const unit = new PostgresUnitOfWork(pool);
    return {
      offices: createPostgresOfficeStore(unit),
      reminders: createPostgresReminderStore(unit),
      outbox: createPostgresOutboxStore(unit),
      stuck: createPostgresStuckStore(unit),
      calendar: createPostgresWorkshopCalendar(unit),
      programme: createPostgresProgrammeStore(unit),
    };
  };
  let tables = '';
  return {
    async start() {
      database = await freshDatabase({ sortedAsEnglish: true });
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
      const probe = pools[0]!;
      const lockWaited = async () => {
        // Bounded: a waiter that never appears fails the case instead of hanging it.
        for (let i = 0; i < 200; i++) {
          const { rows } = await probe.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          );
          if (rows[0]!.n > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        throw new Error('no session waited for a lock within 2 s');
      };
      return { kind: 'postgres', ...server, another: () => serverWith(4), lockWaited };
    },
    async stop() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await database?.drop();
    },
  };
}

/** The cases of `body` on a fresh SQLite file and on PostgreSQL (per-backend.ts). */
export function forEachReminderBackend(suite: string, body: (backend: () => Backend, kind: BackendKind) => void): void {
  forEachBackendOf(suite, { sqlite: sqliteBackend, postgres: postgresBackend }, body);
}

/** An instant in 2026 (UTC), from a month, a day and optionally hours, minutes and milliseconds. */
export const at = (month: number, day: number, hours = 9, minutes = 0, ms = 0): string =>
  new Date(Date.UTC(2026, month - 1, day, hours, minutes, 0, ms)).toISOString();

/** A promise and the function that settles it: holds one server's transaction open while another works. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
