import { BackupUnsupported, type CommittedTransition, type Storage } from '../storage';
import { createPostgresAccountStore } from './account-store';
import type { PostgresSettings } from './config';
import { createPostgresCountryStore } from './country-store';
import { createPostgresDemoStore } from './demo-store';
import { createPostgresExportStore } from './export-store';
import { createPostgresFiguresStore } from './figures-store';
import { postgresHealth } from './health';
import { listenForHistory, type HistoryFeed } from './history-feed';
import { createPostgresHistoryReader } from './history-reader';
import { createPostgresMailboxStore } from './mailbox-store';
import { migratePostgres } from './migrate';
import { createPostgresNoteStore } from './note-store';
import { createPostgresOfficeStore } from './office-store';
import { createPostgresOutboxStore } from './outbox-store';
import { createClient, createPool } from './pool';
import { createPostgresProgrammeStore } from './programme-store';
import { createPostgresReminderStore } from './reminder-store';
import { createPostgresReportStore } from './report-store';
import { createPostgresStuckStore } from './stuck-store';
import { PostgresUnitOfWork } from './unit-of-work';
import { createPostgresWebhookStore } from './webhook-store';
import { createPostgresWorkshopCalendar } from './workshop-calendar';

/** The PostgreSQL storage: every repository on one pool, and the feed of what every server commits (LISTEN/NOTIFY). */
export interface PostgresStorage extends Storage {
  backend: 'postgres';
  listen(onTransition: (t: CommittedTransition) => void, onError?: (error: unknown) => void): Promise<HistoryFeed>;
}

export const PG_DUMP_ADVICE =
  'On PostgreSQL, back up with pg_dump: `pg_dump --format=custom --file=onboarding.dump "$DATABASE_URL"` ' +
  '(a consistent snapshot while the servers run), and restore with `pg_restore --clean --dbname="$DATABASE_URL" onboarding.dump`.';

/** Opens a pool on DATABASE_URL, migrates (once, across servers starting together) and builds the repositories. */
export async function openPostgresStorage(settings: PostgresSettings, onIdleError?: (error: Error) => void): Promise<PostgresStorage> {
  const pool = createPool(settings, { onIdleError });
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const unit = new PostgresUnitOfWork(pool);
  return {
    backend: 'postgres',
    offices: createPostgresOfficeStore(unit),
    figures: createPostgresFiguresStore(unit),
    countries: createPostgresCountryStore(unit),
    history: createPostgresHistoryReader(unit),
    programme: createPostgresProgrammeStore(unit),
    reports: createPostgresReportStore(unit),
    notes: createPostgresNoteStore(unit),
    mailbox: createPostgresMailboxStore(unit),
    accounts: createPostgresAccountStore(unit),
    webhooks: createPostgresWebhookStore(unit),
    exports: createPostgresExportStore(pool),
    reminders: createPostgresReminderStore(unit),
    outbox: createPostgresOutboxStore(unit),
    stuck: createPostgresStuckStore(unit),
    workshopCalendar: createPostgresWorkshopCalendar(unit),
    demo: createPostgresDemoStore(unit),
    health: postgresHealth(pool),
    backup: () => Promise.reject(new BackupUnsupported(PG_DUMP_ADVICE)),
    listen: (onTransition, onError) => listenForHistory(() => createClient(settings.url, 'office-onboarding live'), onTransition, onError),
    close: () => pool.end(),
  };
}
