import type { Logger } from 'pino';
import type { Config } from '../config/env';
import type { Engine, EngineHooks } from '../engine/engine';
import type { ReminderFeature } from '../reminders/feature';
import type { MailboxStore } from '../storage/mailbox-store';
import { Inbox } from './inbox';
import { MailboxReader, parseImapUrl, type PassResult } from './reader';

/** Replies and bounces read from the programme's mailbox (IMAP_URL), on the Runtime. */
export interface MailboxFeature {
  store: MailboxStore;
  inbox: Inbox;
  /** Null without IMAP_URL. */
  reader: MailboxReader | null;
  /** One pass over the mailbox now, then the outbox sent (tests, and the loop). */
  pollOnce(): Promise<PassResult>;
  start(logger?: Logger): void;
  stop(): Promise<void>;
}

/**
 * Editing an office's contacts is how a coordinator fixes a bouncing address: the transition that
 * changes them clears the office's bouncing flags, in its own transaction.
 */
function contactHooks(store: MailboxStore): EngineHooks {
  return {
    inTransaction: async (record) => {
      if (record.entry.type !== 'DETAILS_UPDATED' || !record.previous) return;
      if (JSON.stringify(record.previous.contacts) === JSON.stringify(record.office.contacts)) return;
      await store.clearBouncing(record.office.id);
    },
  };
}

export function createMailboxFeature(config: Config, deps: { store: MailboxStore; engine: Engine; reminders: ReminderFeature; publicUrl: string }): MailboxFeature {
  const { store } = deps;
  const { reminders } = deps;
  deps.engine.addHooks(contactHooks(store));
  const inbox = new Inbox({
    engine: deps.engine,
    store,
    reminders: reminders.reminders,
    outbox: reminders.outbox,
    templates: reminders.templates,
    publicUrl: deps.publicUrl,
  });
  const reader = config.IMAP_URL
    ? new MailboxReader(
        parseImapUrl(config.IMAP_URL),
        async (source, place) => {
          const outcome = await inbox.receive(source, place);
          reader?.logger?.info({ outcome, uid: place.uid }, 'mailbox message');
          // The coordinator's email goes out now rather than at the next delivery pass.
          if (outcome !== 'duplicate') void reminders.dispatcher.nudge();
        },
      )
    : null;
  return {
    store,
    inbox,
    reader,
    async pollOnce() {
      if (!reader) return { read: 0 };
      return await reader.pollOnce();
    },
    start(log) {
      if (!reader) return;
      reader.logger = log;
      reader.start(config.IMAP_INTERVAL_MS);
      log?.info({ interval: config.IMAP_INTERVAL_MS }, 'mailbox reader started');
    },
    async stop() {
      await reader?.stop();
    },
  };
}
