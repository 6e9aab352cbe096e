import type { AccountStore } from './account-store';
import type { CountryFiguresRepository } from './country-store';
import type { FiguresStore } from './figures-store';
import type { DemoStore } from './demo-store';
import type { ExportStore } from './export-store';
import type { DatabaseHealth } from './health';
import type { HistoryReader } from './history-store';
import type { MailboxStore } from './mailbox-store';
import type { NoteStore } from './note-store';
import type { ProgrammeStore } from './programme-store';
import type { ReportStore } from './report-store';
import type { OutboxStore } from './outbox-store';
import type { ReminderStore } from './reminder-store';
import type { StuckStore } from './stuck-store';
import type { OfficeStore } from './types';
import type { WebhookStore } from './webhook-store';
import type { WorkshopCalendar } from './workshop-calendar';

/**
 * Every repository of one database, whichever backend serves it: the one thing the composition
 * root (app/runtime.ts) opens. All of them share one unit of work, so a transaction opened through
 * any of them (`offices.transaction`) spans the writes of all.
 */
export interface Storage {
  backend: 'sqlite' | 'postgres';
  offices: OfficeStore;
  figures: FiguresStore;
  /** The map's per-country counts. */
  countries: CountryFiguresRepository;
  /** The history as analytics and the forecast read it. */
  history: HistoryReader;
  /** Focal points, workshops, Gold Disk versions and broadcasts. */
  programme: ProgrammeStore;
  /** The quarterly progress report's own reads. */
  reports: ReportStore;
  notes: NoteStore;
  /** Mail received in the programme's mailbox: replies and bounces. */
  mailbox: MailboxStore;
  accounts: AccountStore;
  webhooks: WebhookStore;
  /** Read snapshots for the exports and the audit download, which do not hold up writers. */
  exports: ExportStore;
  /** SLA clocks, fired timers, pauses, the reminder log and settings. */
  reminders: ReminderStore;
  outbox: OutboxStore;
  /** The stalled clocks behind the stuck list and its counts. */
  stuck: StuckStore;
  /** Workshop end dates, for deadlines set by the calendar. */
  workshopCalendar: WorkshopCalendar;
  /** What loading the demo programme writes besides offices and events. */
  demo: DemoStore;
  health: DatabaseHealth;
  /**
   * A consistent copy of the database in the file `target` (SQLite). PostgreSQL rejects with
   * `BackupUnsupported`, whose message says how to use pg_dump instead.
   */
  backup(target: string): Promise<void>;
  /**
   * Every transition committed on the database by any server, in commit order; absent where this
   * server is the only writer (SQLite), whose own commits are then the whole stream.
   */
  listen?(onTransition: (t: CommittedTransition) => void, onError?: (error: unknown) => void): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

/** A committed history row as the live stream announces it, numbered by its global event id. */
export interface CommittedTransition {
  eventId: number;
  officeId: string;
  seq: number;
  type: string;
  from: string[];
  to: string[];
  actor: string;
  at: string;
}

export class BackupUnsupported extends Error {}
