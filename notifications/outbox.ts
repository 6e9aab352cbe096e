import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/db';

/**
 * The outbox: an email is a row written in the transaction that decides to send it; the dispatcher
 * sends it later. Rows are leased while being sent so two dispatchers (or a restart) never send the
 * same row at the same time; each row has a stable Message-ID reused on every attempt. The attempt
 * is recorded (claimed, counted) before the message goes out, so after a crash an attempt whose
 * outcome is unknown is known to be in doubt: it is retried at most once, and flagged.
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';
export const OUTBOX_STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'failed'];

export interface OutboxRow {
  id: number;
  message_id: string;
  office_id: string | null;
  timer_id: number | null;
  kind: string;
  language: string;
  recipients: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  send_after: string;
  lease_owner: string | null;
  lease_until: string | null;
  sent_at: string | null;
  /** Attempts whose outcome is unknown (lease expired while sending). */
  in_doubt: number;
  /** JSON array of MailAttachment. */
  attachments: string;
}

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

export function createOutbox(db: Db, messageDomain: string) {
  const s = {
    insert: db.prepare(`INSERT INTO outbox
      (message_id, office_id, timer_id, kind, language, recipients, subject, text_body, html_body, status, last_error, created_at, send_after, attachments)
      VALUES (@message_id, @office_id, @timer_id, @kind, @language, @recipients, @subject, @text_body, @html_body, @status, @last_error, @created_at, @send_after, @attachments)`),
    // An expired lease means the attempt's outcome is unknown: SMTP may have taken the message
    // before the process died. Retried once; a second unknown outcome is not risked again.
    reclaim: db.prepare(`UPDATE outbox SET
        in_doubt = in_doubt + 1,
        status = CASE WHEN in_doubt = 0 THEN 'pending' ELSE 'failed' END,
        last_error = CASE WHEN in_doubt = 0
          THEN 'an attempt was interrupted; it may have been delivered; retried once'
          ELSE 'two attempts were interrupted; either may have been delivered; not sent again' END,
        lease_owner = NULL, lease_until = NULL
      WHERE status = 'sending' AND lease_until <= ?`),
    claim: db.prepare<[string, string, string, number], OutboxRow>(`UPDATE outbox
      SET status = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1
      WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND send_after <= ? ORDER BY send_after, id LIMIT ?)
      RETURNING *`),
    sent: db.prepare(`UPDATE outbox SET status = 'sent', sent_at = ?, last_error = CASE WHEN in_doubt > 0 THEN 'possibly sent twice: an earlier attempt was interrupted' END, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND status = 'sending' AND lease_owner = ?`),
    retry: db.prepare(`UPDATE outbox SET status = 'pending', send_after = ?, last_error = ?, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND status = 'sending' AND lease_owner = ?`),
    failed: db.prepare(`UPDATE outbox SET status = 'failed', last_error = ?, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND status = 'sending' AND lease_owner = ?`),
    byStatus: db.prepare<[string, number, number], OutboxRow>('SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ? OFFSET ?'),
    all: db.prepare<[number, number], OutboxRow>('SELECT * FROM outbox ORDER BY id DESC LIMIT ? OFFSET ?'),
    countByStatus: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM outbox WHERE status = ?'),
    countAll: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox'),
    ofOffice: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE office_id = ? ORDER BY id'),
    get: db.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE id = ?'),
    due: db.prepare<[string], OutboxRow>("SELECT * FROM outbox WHERE status = 'pending' AND send_after <= ? ORDER BY send_after, id"),
  };

  // Messages this process wrote, whatever other processes on the same database write meanwhile.
  let enqueued = 0;
  return {
    /** Writes one message; call inside the transaction that decides to send it. */
    enqueue(email: NewEmail, failure?: string): { id: number; messageId: string } {
      enqueued++;
      const messageId = `<${randomUUID()}@${messageDomain}>`;
      const result = s.insert.run({
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
      return { id: Number(result.lastInsertRowid), messageId };
    },

    /** Takes up to `limit` due rows for `owner` until `leaseUntil`; expired leases are taken back first. */
    claim(owner: string, now: Date, leaseUntil: Date, limit: number): OutboxRow[] {
      return db
        .transaction(() => {
          s.reclaim.run(now.toISOString());
          return s.claim.all(owner, leaseUntil.toISOString(), now.toISOString(), limit);
        })
        .immediate();
    },

    markSent: (id: number, owner: string, at: Date) => s.sent.run(at.toISOString(), id, owner).changes === 1,
    markRetry: (id: number, owner: string, next: Date, error: string) => s.retry.run(next.toISOString(), error, id, owner).changes === 1,
    markFailed: (id: number, owner: string, error: string) => s.failed.run(error, id, owner).changes === 1,

    list(status: OutboxStatus | undefined, limit: number, offset: number): { emails: EmailView[]; total: number } {
      const rows = status ? s.byStatus.all(status, limit, offset) : s.all.all(limit, offset);
      const total = (status ? s.countByStatus.get(status) : s.countAll.get())!.n;
      return { emails: rows.map(toEmailView), total };
    },

    ofOffice: (officeId: string) => s.ofOffice.all(officeId),
    get: (id: number) => s.get.get(id),
    /** How many messages this outbox has written (rolled-back ones included). */
    enqueuedCount: () => enqueued,
    /** Pending messages a delivery pass at `now` would send. */
    due: (now: Date) => s.due.all(now.toISOString()),
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
