import { createAccountStore } from './account-store';
import { createSqliteCountryStore } from './country-store';
import { migrate, openDatabase, type Db, type OpenOptions } from './db';
import { createSqliteDemoStore } from './demo-store';
import { createSqliteExportStore } from './export-store';
import { createSqliteFiguresStore } from './figures-store';
import { sqliteHealth } from './health';
import { createHistoryReader } from './history-store';
import { mailboxStoreOf } from './mailbox-store';
import { createNoteStore } from './note-store';
import { createOfficeStore } from './office-store';
import { createProgrammeStore } from './programme-store';
import { createSqliteReportStore } from './report-store';
import { createSqliteOutboxStore } from './outbox-store';
import { createReminderStore } from './reminder-store';
import type { Storage } from './storage';
import { createStuckStore } from './stuck-store';
import { unitOfWorkOf } from './unit-of-work';
import { createWebhookStore } from './webhook-store';
import { createSqliteWorkshopCalendar } from './workshop-calendar';

/** The SQLite storage, with its connection for the tests' and the benchmarks' own inspection. */
export interface SqliteStorage extends Storage {
  backend: 'sqlite';
  db: Db;
}

/** The repositories of one SQLite connection. */
export function sqliteStorage(db: Db): SqliteStorage {
  return {
    backend: 'sqlite',
    db,
    offices: createOfficeStore(db),
    figures: createSqliteFiguresStore(db),
    countries: createSqliteCountryStore(db),
    history: createHistoryReader(db),
    programme: createProgrammeStore(db),
    reports: createSqliteReportStore(db),
    notes: createNoteStore(db),
    mailbox: mailboxStoreOf(db),
    accounts: createAccountStore(db),
    webhooks: createWebhookStore(db),
    // A connection of its own per snapshot, on the same file and with the same patience for locks.
    exports: createSqliteExportStore({ file: db.name, busyTimeoutMs: Number(db.pragma('busy_timeout', { simple: true })) }),
    reminders: createReminderStore(db),
    outbox: createSqliteOutboxStore(db),
    stuck: createStuckStore(db),
    workshopCalendar: createSqliteWorkshopCalendar(db),
    demo: createSqliteDemoStore(db),
    health: sqliteHealth(db),
    // All pages in one step: SQLite restarts a stepwise backup whenever another connection
    // writes between steps, so under steady writes a 100-page-per-step backup of a large file
    // never finishes. One step holds only a WAL read snapshot; writers go on.
    backup: async (target) => void (await unitOfWorkOf(db).turn(() => db.backup(target, { progress: () => 0x7fffffff }))),
    close: async () => void db.close(),
  };
}

/** Opens (creating if need be) and migrates the SQLite file, and its repositories. */
export function openSqliteStorage(file: string, options: OpenOptions = {}): SqliteStorage {
  const db = openDatabase(file, options);
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return sqliteStorage(db);
}
