import type { Config } from '../config/env';
import type { Clock } from '../engine/clock';
import { LiveBroadcaster, liveMessageOf } from '../server/live/broadcaster';
import { createInspectionBridge } from '../server/live/inspect';
import { findIncompatibleSnapshots, IncompatibleSnapshotsError } from '../engine/compatibility';
import { Engine } from '../engine/engine';
import type { ImportKind } from '../engine/import';
import type { DatabaseHealth } from '../storage/health';
import { postgresSettings } from '../storage/postgres/config';
import { openPostgresStorage } from '../storage/postgres/storage';
import { openSqliteStorage } from '../storage/sqlite-storage';
import type { Storage } from '../storage/storage';
import type { ProgrammeStore } from '../storage/programme-store';
import type { AccountStore } from '../storage/account-store';
import { backfillFocalPoints, programmeHooks } from '../programme/focal-points';
import { workshopImportKind } from '../programme/workshops';
import { createReminderFeature, type ReminderFeature } from '../reminders/feature';
import type { MailTransport } from '../notifications/transport';
import type { OfficeStore } from '../storage/types';
import { createMetrics, type Metrics } from '../metrics/metrics';
import { createWebhookFeature, type WebhookFeature } from '../webhooks/feature';
import { publicUrlOf } from '../notifications/addresses';
import { createMailboxFeature, type MailboxFeature } from '../mailbox/feature';
import { BroadcastResumer } from '../programme/broadcast-resumer';
import { createWorkshopInvitations, type WorkshopInvitations } from '../programme/workshop-invitations';

/** The composition root shared by the server, the CLI, the tests and the benchmarks. */
export interface Runtime {
  config: Config;
  /** Every repository of the database (storage/storage.ts). */
  storage: Storage;
  /** Whether the database answers and is migrated (`/healthz`, `/readyz`). */
  health: DatabaseHealth;
  store: OfficeStore;
  engine: Engine;
  /** Import line kinds beyond offices and events, added by the features that own them. */
  importKinds: Record<string, ImportKind<unknown>>;
  /** Focal points, workshops, Gold Disk versions and broadcasts (programme/). */
  programme: ProgrammeStore;
  /** Accounts, sessions, tokens and the audit log of actions that are not office transitions. */
  accounts: AccountStore;
  /** Reminders: SLA clocks, timers, outbox, dispatcher and reply links (notifications/). */
  reminders: ReminderFeature;
  /** Every committed transition, for `GET /api/events/stream`. */
  live: LiveBroadcaster;
  /** Prometheus metrics (`GET /metrics`). */
  metrics: Metrics;
  /** Outbound webhooks: subscriptions, deliveries and their dispatcher (webhooks/). */
  webhooks: WebhookFeature;
  /** Workshop calendar invitations (programme/workshop-invitations.ts). */
  invitations: WorkshopInvitations;
  /** Replies and bounces read from the programme's mailbox (mailbox/). */
  mailbox: MailboxFeature;
  /** Resumes broadcasts a stopped or dead process left unfinished (programme/broadcast-resumer.ts); `main` starts it. */
  broadcasts: BroadcastResumer;
  close(): void;
}

export interface RuntimeOptions {
  clock?: Clock;
  /** Skip the start-up compatibility check (the `verify` command reports instead of refusing). */
  skipCompatibilityCheck?: boolean;
  /** Mail transport to use instead of SMTP_URL or the `.eml` files (tests). */
  mailTransport?: MailTransport;
}

/** DATABASE_URL selects PostgreSQL; without it, the SQLite file at DATABASE_PATH. */
export async function openStorage(config: Config): Promise<Storage> {
  if (config.DATABASE_URL) {
    return await openPostgresStorage(postgresSettings({ DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: config.DATABASE_POOL_SIZE }));
  }
  return openSqliteStorage(config.DATABASE_PATH, { synchronous: config.DB_SYNCHRONOUS, busyTimeoutMs: config.DB_BUSY_TIMEOUT_MS });
}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const storage = await openStorage(config);
  try {
    const store = storage.offices;
    if (!options.skipCompatibilityCheck) {
      const problems = await findIncompatibleSnapshots(store);
      if (problems.length > 0) throw new IncompatibleSnapshotsError(problems);
    }
    const engine = new Engine({ store, clock: options.clock });
    const programme = storage.programme;
    const accounts = storage.accounts;
    engine.addHooks(programmeHooks(programme));
    await backfillFocalPoints(engine, programme);
    const importKinds: Record<string, ImportKind<unknown>> = { workshop: workshopImportKind(programme) };
    const reminders = await createReminderFeature(
      config,
      { reminders: storage.reminders, outbox: storage.outbox, stuck: storage.stuck, calendar: storage.workshopCalendar, mailbox: storage.mailbox },
      engine,
      { transport: options.mailTransport },
    );
    const metrics = createMetrics(
      { store, figures: storage.figures, outbox: reminders.outbox, stuck: reminders.stuck, reminders: reminders.store },
      engine.clock,
    );
    engine.addHooks(metrics.hooks);
    metrics.instrumentTransport(reminders.transport);
    const invitations = createWorkshopInvitations({ programme, outbox: reminders.outbox, mailFrom: config.MAIL_FROM, now: () => engine.clock.now() });
    engine.addHooks(invitations.hooks);
    const webhooks = createWebhookFeature(config, { store: storage.webhooks, engine, outbox: reminders.outbox, metrics, publicUrl: publicUrlOf(config) });
    const mailbox = createMailboxFeature(config, { store: storage.mailbox, engine, reminders, publicUrl: publicUrlOf(config) });
    const live = new LiveBroadcaster();
    // On PostgreSQL the stream shows what every server commits, numbered by the database; on
    // SQLite this server is the only writer, and its own commits are the stream.
    const feed = await storage.listen?.((t) => live.publish(liveMessageOf(t), t.eventId));
    if (!feed) engine.addHooks(live.hooks);
    const inspection = config.INSPECT_URL ? createInspectionBridge(config.INSPECT_URL) : undefined;
    if (inspection) engine.addHooks(inspection.hooks);
    const broadcasts = new BroadcastResumer({ engine, store, programme }, config.SCHEDULER_INTERVAL_MS);
    const close = () => {
      void broadcasts.stop();
      void webhooks.stop();
      void mailbox.stop();
      void feed?.close();
      live.close();
      inspection?.stop();
      reminders.transport.close();
      void storage.close();
    };
    return { config, storage, health: storage.health, store, engine, importKinds, programme, accounts, live, reminders, metrics, webhooks, invitations, mailbox, broadcasts, close };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
