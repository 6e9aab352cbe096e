/**
 * The programme and report repositories on both backends, for cases defined once: a fresh SQLite
 * file per test and, when TEST_DATABASE_URL is set, one migrated PostgreSQL database per file,
 * emptied before each test with its identities restarted (so ids count from 1 on both). Offices
 * are registered and moved through the engine, so their states and history rows are the real ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
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
import { freshDatabase, type FreshDatabase } from '../helpers/postgres';
import { forEachBackendOf, type BackendKind } from './per-backend';

export type { BackendKind };

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
      return { kind: 'postgres', ...server, another: () => serverWith(4) };
    },
    async stop() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await database?.drop();
    },
  };
}

/** The cases of `body` on a fresh SQLite file and on PostgreSQL (per-backend.ts). */
export function forEachProgrammeBackend(suite: string, body: (backend: () => Backend, kind: BackendKind) => void): void {
  forEachBackendOf(suite, { sqlite: sqliteBackend, postgres: postgresBackend }, body);
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
