/**
 * One set of repository cases, run against both backends: a fresh SQLite file per test, and (when
 * TEST_DATABASE_URL is set) one migrated PostgreSQL database per file, emptied before each test with
 * its identities restarted, so ids count from 1 on both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { AccountStore } from '../../storage/account-store';
import { openDatabase, type Db } from '../../storage/db';
import type { NoteStore } from '../../storage/note-store';
import { createPostgresAccountStore } from '../../storage/postgres/account-store';
import { migratePostgres } from '../../storage/postgres/migrate';
import { createPostgresNoteStore } from '../../storage/postgres/note-store';
import { createPostgresOfficeStore } from '../../storage/postgres/office-store';
import { createPool } from '../../storage/postgres/pool';
import { PostgresUnitOfWork } from '../../storage/postgres/unit-of-work';
import { createPostgresWebhookStore } from '../../storage/postgres/webhook-store';
import { openSqliteStorage, sqliteStorage } from '../../storage/sqlite-storage';
import type { OfficeRecord, OfficeStore } from '../../storage/types';
import type { WebhookStore } from '../../storage/webhook-store';
import { freshDatabase, type FreshDatabase } from '../helpers/postgres';
import { forEachBackendOf, type BackendKind } from './per-backend';

export type { BackendKind };

export interface Stores {
  offices: OfficeStore;
  accounts: AccountStore;
  webhooks: WebhookStore;
  notes: NoteStore;
}

export interface Backend extends Stores {
  kind: BackendKind;
  /** The repositories of the same database over another connection (SQLite) or pool (PostgreSQL): a second server. */
  another(): Stores;
}

const TABLES = 'users, sessions, api_tokens, audit_log, webhook_subscriptions, webhook_deliveries, office_notes, history, office_states, offices';

function sqliteBackend(): { open(): Backend; close(): void } {
  let dir: string | undefined;
  const dbs: Db[] = [];
  const storesOf = (db: Db): Stores => {
    const s = sqliteStorage(db);
    return { offices: s.offices, accounts: s.accounts, webhooks: s.webhooks, notes: s.notes };
  };
  return {
    open() {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-contract-'));
      const file = path.join(dir, 'onboarding.db');
      const { db } = openSqliteStorage(file);
      dbs.push(db);
      return {
        kind: 'sqlite',
        ...storesOf(db),
        another() {
          const other = openDatabase(file);
          dbs.push(other);
          return storesOf(other);
        },
      };
    },
    close() {
      for (const db of dbs.splice(0)) db.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

function postgresBackend() {
  let database: FreshDatabase | undefined;
  const pools: Pool[] = [];
  const storesOn = (poolSize: number): Stores => {
    const pool = createPool({ url: database!.url, poolSize });
    pools.push(pool);
    const unit = new PostgresUnitOfWork(pool);
    return {
      offices: createPostgresOfficeStore(unit),
      accounts: createPostgresAccountStore(unit),
      webhooks: createPostgresWebhookStore(unit),
      notes: createPostgresNoteStore(unit),
    };
  };
  let main: Stores | undefined;
  return {
    async start() {
      database = await freshDatabase();
      const pool = createPool({ url: database.url, poolSize: 1 });
      try {
        await migratePostgres(pool);
      } finally {
        await pool.end();
      }
      main = storesOn(4);
    },
    async open(): Promise<Backend> {
      await pools[0]!.query(`TRUNCATE ${TABLES} RESTART IDENTITY CASCADE`);
      return { kind: 'postgres', ...main!, another: () => storesOn(4) };
    },
    /** Pools of `another()` end after each test; the main one stays for the file. */
    async endOthers() {
      await Promise.all(pools.splice(1).map((p) => p.end()));
    },
    async stop() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await database?.drop();
    },
  };
}

/** The cases of `body` on a fresh SQLite file and on PostgreSQL (per-backend.ts). */
export function forEachBackend(suite: string, body: (backend: () => Backend, kind: BackendKind) => void): void {
  forEachBackendOf(suite, { sqlite: sqliteBackend, postgres: postgresBackend }, body);
}

/** An office row for the foreign keys of notes and history. */
export function officeRecord(id: string, at: string): OfficeRecord {
  return {
    id,
    name: `Office ${id}`,
    country: 'FR',
    city: null,
    language: 'fr',
    track: 'kit',
    contacts: [],
    stage: 'prospect',
    states: ['prospect'],
    snapshot: { value: 'prospect' } as unknown as OfficeRecord['snapshot'], // only stored and read back here
    enteredAt: {},
    machineVersion: 1,
    version: 0,
    createdAt: at,
    updatedAt: at,
  };
}
