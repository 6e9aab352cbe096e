import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

/**
 * The outbox table (an email is a row written in the transaction that decides to send it). Rows are
 * leased while being sent so two dispatchers (or a restart) never send the same row at the same time.
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

/** The columns a new row is written with; the rest take their defaults. */
export type NewOutboxRow = Pick<
  OutboxRow,
  'message_id' | 'office_id' | 'timer_id' | 'kind' | 'language' | 'recipients' | 'subject' | 'text_body' | 'html_body' | 'status' | 'last_error' | 'created_at' | 'send_after' | 'attachments'
>;

export interface OutboxStore {
  /** Writes one row; its id. */
  insert(row: NewOutboxRow): Promise<number>;
  /**
   * In one transaction: expired leases are taken back (an interrupted attempt counts as in doubt),
   * then up to `limit` due pending rows are leased to `owner` until `leaseUntil`.
   */
  claim(owner: string, now: string, leaseUntil: string, limit: number): Promise<OutboxRow[]>;
  /** Each `mark*` answers false when `owner` no longer holds the row's lease. */
  markSent(id: number, owner: string, at: string): Promise<boolean>;
  markRetry(id: number, owner: string, next: string, error: string): Promise<boolean>;
  markFailed(id: number, owner: string, error: string): Promise<boolean>;
  /** Newest first, optionally of one status. */
  list(status: OutboxStatus | undefined, limit: number, offset: number): Promise<OutboxRow[]>;
  count(status: OutboxStatus | undefined): Promise<number>;
  /** An office's messages, oldest first. */
  ofOffice(officeId: string): Promise<OutboxRow[]>;
  get(id: number): Promise<OutboxRow | undefined>;
  /** Pending rows due at `now`, in the order a delivery pass takes them. */
  due(now: string): Promise<OutboxRow[]>;
}

export function createSqliteOutboxStore(db: Db): OutboxStore {
  const s = {
    insert: db.prepare<[NewOutboxRow]>(`INSERT INTO outbox
      (message_id, office_id, timer_id, kind, language, recipients, subject, text_body, html_body, status, last_error, created_at, send_after, attachments)
      VALUES (@message_id, @office_id, @timer_id, @kind, @language, @recipients, @subject, @text_body, @html_body, @status, @last_error, @created_at, @send_after, @attachments)`),
    // An expired lease means the attempt's outcome is unknown: SMTP may have taken the message
    // before the process died. Retried once; a second unknown outcome is not risked again.
    reclaim: db.prepare<[string]>(`UPDATE outbox SET
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
    sent: db.prepare<[string, number, string]>(`UPDATE outbox SET status = 'sent', sent_at = ?, last_error = CASE WHEN in_doubt > 0 THEN 'possibly sent twice: an earlier attempt was interrupted' END, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND status = 'sending' AND lease_owner = ?`),
    retry: db.prepare<[string, string, number, string]>(`UPDATE outbox SET status = 'pending', send_after = ?, last_error = ?, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND status = 'sending' AND lease_owner = ?`),
    failed: db.prepare<[string, number, string]>(`UPDATE outbox SET status = 'failed', last_error = ?, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND status = 'sending' AND lease_owner = ?`),
    byStatus: db.prepare<[string, number, number], OutboxRow>('SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ? OFFSET ?'),
    all: db.prepare<[number, number], OutboxRow>('SELECT * FROM outbox ORDER BY id DESC LIMIT ? OFFSET ?'),
    countByStatus: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM outbox WHERE status = ?'),
    countAll: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox'),
    ofOffice: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE office_id = ? ORDER BY id'),
    get: db.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE id = ?'),
    due: db.prepare<[string], OutboxRow>("SELECT * FROM outbox WHERE status = 'pending' AND send_after <= ? ORDER BY send_after, id"),
  };
  const claim = db.transaction((owner: string, now: string, leaseUntil: string, limit: number) => {
    s.reclaim.run(now);
    return s.claim.all(owner, leaseUntil, now, limit);
  });

  return unitOfWorkOf(db).repository<OutboxStore>({
    insert: (row) => Number(s.insert.run(row).lastInsertRowid),
    // Inside an open transaction better-sqlite3 makes this a savepoint; otherwise BEGIN IMMEDIATE.
    claim: (owner, now, leaseUntil, limit) => claim.immediate(owner, now, leaseUntil, limit),
    markSent: (id, owner, at) => s.sent.run(at, id, owner).changes === 1,
    markRetry: (id, owner, next, error) => s.retry.run(next, error, id, owner).changes === 1,
    markFailed: (id, owner, error) => s.failed.run(error, id, owner).changes === 1,
    list: (status, limit, offset) => (status ? s.byStatus.all(status, limit, offset) : s.all.all(limit, offset)),
    count: (status) => (status ? s.countByStatus.get(status) : s.countAll.get())!.n,
    ofOffice: (officeId) => s.ofOffice.all(officeId),
    get: (id) => s.get.get(id),
    due: (now) => s.due.all(now),
  });
}
