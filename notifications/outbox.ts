import { randomUUID } from 'node:crypto';
import type { OutboxRow, OutboxStatus, OutboxStore } from '../storage/outbox-store';

export { OUTBOX_STATUSES, type OutboxRow, type OutboxStatus } from '../storage/outbox-store';

/**
 * The outbox: an email is a row written in the transaction that decides to send it; the dispatcher
 * sends it later. Rows are leased while being sent so two dispatchers (or a restart) never send the
 * same row at the same time; each row has a stable Message-ID reused on every attempt. The attempt
 * is recorded (claimed, counted) before the message goes out, so after a crash an attempt whose
 * outcome is unknown is known to be in doubt: it is retried at most once, and flagged.
 */
/** A file sent with an email (a calendar invitation, for instance). */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface NewEmail {
  officeId: string | null;
  timerId: number | null;
  kind: string;
  language: string;
  recipients: string[];
  subject: string;
  text: string;
  html: string;
  createdAt: Date;
  /** Not before this instant (the recipient's business hours). */
  sendAfter: Date;
  attachments?: MailAttachment[];
}

/** What the API shows of a message: everything but the bodies and the lease. */
export interface EmailView {
  id: number;
  messageId: string;
  officeId: string | null;
  kind: string;
  language: string;
  recipients: string[];
  subject: string;
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sendAfter: string;
  sentAt: string | null;
  /** An attempt's outcome was unknown after a crash and the message was sent again: the recipient may have it twice. */
  possiblySentTwice: boolean;
}

export function toEmailView(row: OutboxRow): EmailView {
  return {
    id: row.id,
    messageId: row.message_id,
    officeId: row.office_id,
    kind: row.kind,
    language: row.language,
    recipients: JSON.parse(row.recipients) as string[],
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    sendAfter: row.send_after,
    sentAt: row.sent_at,
    possiblySentTwice: row.in_doubt > 0 && row.status === 'sent',
  };
}

/** The outbox as the features use it: messages written with a stable Message-ID, then leased and sent. */
export interface Outbox {
  /** Writes one message; call inside the transaction that decides to send it. */
  enqueue(email: NewEmail, failure?: string): Promise<{ id: number; messageId: string }>;
  /** Takes up to `limit` due rows for `owner` until `leaseUntil`; expired leases are taken back first. */
  claim(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<OutboxRow[]>;
  markSent(id: number, owner: string, at: Date): Promise<boolean>;
  markRetry(id: number, owner: string, next: Date, error: string): Promise<boolean>;
  markFailed(id: number, owner: string, error: string): Promise<boolean>;
  list(status: OutboxStatus | undefined, limit: number, offset: number): Promise<{ emails: EmailView[]; total: number }>;
  ofOffice(officeId: string): Promise<OutboxRow[]>;
  get(id: number): Promise<OutboxRow | undefined>;
  /** How many messages this outbox has written (rolled-back ones included). */
  enqueuedCount(): number;
  /** Pending messages a delivery pass at `now` would send. */
  due(now: Date): Promise<OutboxRow[]>;
}

export function createOutbox(store: OutboxStore, messageDomain: string): Outbox {
  // Messages this process wrote, whatever other processes on the same database write meanwhile.
  let enqueued = 0;
  return {
    async enqueue(email, failure) {
      enqueued++;
      const messageId = `<${randomUUID()}@${messageDomain}>`;
      const id = await store.insert({
        message_id: messageId,
        office_id: email.officeId,
        timer_id: email.timerId,
        kind: email.kind,
        language: email.language,
        recipients: JSON.stringify(email.recipients),
        subject: email.subject,
        text_body: email.text,
        html_body: email.html,
        status: failure ? 'failed' : 'pending',
        last_error: failure ?? null,
        created_at: email.createdAt.toISOString(),
        send_after: email.sendAfter.toISOString(),
        attachments: JSON.stringify(email.attachments ?? []),
      });
      return { id, messageId };
    },
    claim: (owner, now, leaseUntil, limit) => store.claim(owner, now.toISOString(), leaseUntil.toISOString(), limit),
    markSent: (id, owner, at) => store.markSent(id, owner, at.toISOString()),
    markRetry: (id, owner, next, error) => store.markRetry(id, owner, next.toISOString(), error),
    markFailed: (id, owner, error) => store.markFailed(id, owner, error),
    async list(status, limit, offset) {
      const rows = await store.list(status, limit, offset);
      return { emails: rows.map(toEmailView), total: await store.count(status) };
    },
    ofOffice: (officeId) => store.ofOffice(officeId),
    get: (id) => store.get(id),
    enqueuedCount: () => enqueued,
    due: (now) => store.due(now.toISOString()),
  };
}
