import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/env';
import type { Engine } from '../engine/engine';
import type { MailboxStore } from '../storage/mailbox-store';
import type { OutboxStore } from '../storage/outbox-store';
import type { ReminderStore } from '../storage/reminder-store';
import type { StuckStore } from '../storage/stuck-store';
import type { WorkshopCalendar } from '../storage/workshop-calendar';
import { outboxDirOf, publicUrlOf } from '../notifications/addresses';
import { CircularLetters } from '../notifications/circular';
import { Dispatcher, type DispatchResult } from '../notifications/dispatcher';
import { LinkSigner } from '../notifications/links';
import { createOutbox, type Outbox } from '../notifications/outbox';
import { Templates } from '../notifications/templates';
import { fileTransport, smtpTransport, type MailTransport } from '../notifications/transport';
import { loadPolicies, type PolicySet } from './policies';
import { Reminders } from './reminders';
import { runSchedulerPass, Scheduler, type SchedulerPassResult } from './scheduler';
import { createStuckViews, type StuckViews } from './stalled';

/** Everything the reminders feature puts on the Runtime. */
export interface ReminderFeature {
  reminders: Reminders;
  store: ReminderStore;
  outbox: Outbox;
  /** The stuck list and the stalled counts. */
  stuck: StuckViews;
  links: LinkSigner;
  /** The circular letter, written with the transition that invites an office. */
  letters: CircularLetters;
  policies: PolicySet;
  templates: Templates;
  transport: MailTransport;
  dispatcher: Dispatcher;
  /** One scheduler pass then one delivery pass, as if it were `now` (what `sweep --at` runs). */
  sweep(now: Date): Promise<{ scheduler: SchedulerPassResult; delivery: DispatchResult }>;
  /** Starts the scheduler and dispatcher loops (the server does; the CLI and tests need not). */
  start(logger?: Logger): void;
  stop(): Promise<void>;
}

function domainOf(address: string): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(address)?.[1] ?? 'localhost';
}

/** The repositories the reminders feature reads and writes. */
export interface ReminderStores {
  reminders: ReminderStore;
  outbox: OutboxStore;
  stuck: StuckStore;
  calendar: WorkshopCalendar;
  /** Addresses that bounced: reminders leave them out (mailbox/). */
  mailbox: Pick<MailboxStore, 'bouncingAddresses'>;
}

export async function createReminderFeature(
  config: Config,
  stores: ReminderStores,
  engine: Engine,
  options: { transport?: MailTransport } = {},
): Promise<ReminderFeature> {
  const policies = loadPolicies(config.POLICIES_PATH);
  const store = stores.reminders;
  const outbox = createOutbox(stores.outbox, domainOf(config.MAIL_FROM));
  const templates = new Templates();
  templates.check();
  const secret = config.LINK_SECRET ?? await engine.transact(() => store.setting('link_secret', () => randomBytes(32).toString('base64url')));
  const links = new LinkSigner(secret);
  const reminders = new Reminders({
    calendar: stores.calendar,
    engine,
    store,
    outbox,
    templates,
    policies,
    links,
    config: {
      publicUrl: publicUrlOf(config),
      coordinatorEmail: config.COORDINATOR_EMAIL,
      linkTtlMs: config.LINK_TTL_DAYS * 86_400_000,
    },
    bouncing: (officeId) => stores.mailbox.bouncingAddresses(officeId),
  });
  engine.addHooks(reminders.hooks());
  await backfillClocks(store, engine, reminders);

  const transport =
    options.transport ??
    (config.SMTP_URL ? smtpTransport(config.SMTP_URL, { timeoutMs: config.SMTP_TIMEOUT_MS }) : fileTransport(outboxDirOf(config)));
  const dispatcher = new Dispatcher({
    outbox,
    transport,
    from: config.MAIL_FROM,
    clock: engine.clock,
    maxAttempts: config.MAIL_MAX_ATTEMPTS,
    retryBaseMs: config.MAIL_RETRY_BASE_MS,
    leaseMs: mailLeaseMs(config.SMTP_TIMEOUT_MS),
  });
  let scheduler: Scheduler | null = null;
  let started = false;
  const letters = new CircularLetters({
    templates,
    links,
    outbox,
    reminders,
    now: () => engine.clock.now(),
    publicUrl: publicUrlOf(config),
    linkTtlMs: config.LINK_TTL_DAYS * 86_400_000,
  });
  // A letter goes out at once once its transition has committed, when delivery runs here.
  engine.addHooks(letters.hooks(() => started && void dispatcher.nudge()));

  return {
    reminders,
    store,
    outbox,
    stuck: createStuckViews(stores.stuck),
    links,
    letters,
    policies,
    templates,
    transport,
    dispatcher,
    async sweep(now) {
      const schedulerResult = await runSchedulerPass(engine, reminders, now);
      const delivery = await dispatcher.runPass(now);
      return { scheduler: schedulerResult, delivery };
    },
    start(logger) {
      scheduler = new Scheduler(engine, reminders, {
        intervalMs: config.SCHEDULER_INTERVAL_MS,
        logger,
        onFired: () => void dispatcher.nudge(),
      });
      scheduler.start();
      dispatcher.start(config.DISPATCH_INTERVAL_MS, logger);
      started = true;
      logger?.info({ transport: transport.description, policies: policies.size }, 'reminders started');
    },
    async stop() {
      started = false;
      await scheduler?.stop();
      await dispatcher.stop();
      transport.close();
    },
  };
}

/**
 * How long a claimed message stays with its dispatcher. One attempt ends within the connection and
 * greeting timeouts and one socket timeout per SMTP command (EHLO, MAIL, RCPT, DATA, the body,
 * QUIT): eight timeouts outlive it, so a live dispatcher keeps its claims while a dead one's are
 * taken back by another server soon after (4 minutes at the default 30 s).
 */
export const mailLeaseMs = (smtpTimeoutMs: number): number => 8 * smtpTimeoutMs;

/**
 * Offices registered before the reminders existed get their clocks once, from the time they
 * entered each state; timers already overdue then fire at the next pass.
 */
async function backfillClocks(store: ReminderStore, engine: Engine, reminders: Reminders): Promise<void> {
  if (await store.hasSetting('clocks_backfilled')) return;
  const paths = [...reminders.policies.keys()];
  await engine.transact(async () => {
    for (const row of await store.unclockedStates(paths)) {
      const office = await engine.store.getOffice(row.office_id);
      if (office) await reminders.startClock(office, row.path, office.version, new Date(row.entered_at));
    }
    await store.addSetting('clocks_backfilled', new Date().toISOString());
  });
}
