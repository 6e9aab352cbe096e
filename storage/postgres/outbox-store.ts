import type { NewOutboxRow, OutboxRow, OutboxStore } from '../outbox-store';
import type { PostgresUnitOfWork } from './unit-of-work';

const COLUMNS = `id, message_id, office_id, timer_id, kind, language, recipients, subject, text_body, html_body, status, attempts,
  last_error, created_at, send_after, lease_owner, lease_until, sent_at, in_doubt, attachments`;

/** recipients and attachments are jsonb, read back as values; SQLite hands back the JSON text written. */
type StoredRow = Omit<OutboxRow, 'recipients' | 'attachments'> & { recipients: unknown; attachments: unknown };

/** MailAttachment's keys as notifications/outbox.ts writes them (jsonb sorts them by length). */
const ATTACHMENT_KEYS = ['filename', 'contentType', 'content'];

function attachmentsText(value: unknown): string {
  if (!Array.isArray(value)) return JSON.stringify(value);
  return JSON.stringify(
    value.map((a: unknown) => {
      if (typeof a !== 'object' || a === null || Array.isArray(a)) return a;
      const item = a as Record<string, unknown>;
      const ordered: Record<string, unknown> = {};
      for (const key of ATTACHMENT_KEYS) if (Object.prototype.hasOwnProperty.call(item, key)) ordered[key] = item[key];
      for (const [key, v] of Object.entries(item)) if (!(key in ordered)) ordered[key] = v;
      return ordered;
    }),
  );
}

const toRow = (r: StoredRow): OutboxRow => ({ ...r, recipients: JSON.stringify(r.recipients), attachments: attachmentsText(r.attachments) });

/**
 * The outbox on PostgreSQL: the same interface and answers as the SQLite one. Several dispatchers may
 * share the database: `claim` locks the due rows it takes (`FOR UPDATE SKIP LOCKED`, so rows another
 * dispatcher is claiming are passed over, not waited for) and leases them; a lease that runs out is
 * taken back once, its attempt counted as in doubt, exactly as SQLite does.
 */
export function createPostgresOutboxStore(unit: PostgresUnitOfWork): OutboxStore {
  const q = unit.query.bind(unit);
  const rows = async (text: string, values: unknown[]) => (await q<StoredRow>(text, values)).map(toRow);
  const mark = async (text: string, values: unknown[]) => (await q(text, values)).length === 1;
  return {
    async insert(row: NewOutboxRow) {
      const [inserted] = await q<{ id: number }>(
        `INSERT INTO outbox
           (message_id, office_id, timer_id, kind, language, recipients, subject, text_body, html_body, status, last_error, created_at, send_after, attachments)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14::jsonb) RETURNING id`,
        [row.message_id, row.office_id, row.timer_id, row.kind, row.language, row.recipients, row.subject, row.text_body, row.html_body,
          row.status, row.last_error, row.created_at, row.send_after, row.attachments],
      );
      return inserted!.id;
    },

    claim: (owner, now, leaseUntil, limit) =>
      unit.transaction(async () => {
        // An expired lease means the attempt's outcome is unknown (see the SQLite store): retried once.
        await q(
          `UPDATE outbox SET
             in_doubt = in_doubt + 1,
             status = CASE WHEN in_doubt = 0 THEN 'pending' ELSE 'failed' END,
             last_error = CASE WHEN in_doubt = 0
               THEN 'an attempt was interrupted; it may have been delivered; retried once'
               ELSE 'two attempts were interrupted; either may have been delivered; not sent again' END,
             lease_owner = NULL, lease_until = NULL
           WHERE id IN (SELECT id FROM outbox WHERE status = 'sending' AND lease_until <= $1::timestamptz FOR UPDATE SKIP LOCKED)`,
          [now],
        );
        const claimed = await rows(
          `UPDATE outbox SET status = 'sending', lease_owner = $1, lease_until = $2, attempts = attempts + 1
           WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND send_after <= $3::timestamptz
                        ORDER BY send_after, id LIMIT $4 FOR UPDATE SKIP LOCKED)
           RETURNING ${COLUMNS}`,
          [owner, leaseUntil, now, limit],
        );
        // SQLite's UPDATE … WHERE id IN (…) RETURNING answers in id order; PostgreSQL's in none.
        return claimed.sort((a, b) => a.id - b.id);
      }),

    markSent: (id, owner, at) =>
      mark(
        `UPDATE outbox SET status = 'sent', sent_at = $1,
           last_error = CASE WHEN in_doubt > 0 THEN 'possibly sent twice: an earlier attempt was interrupted' END,
           lease_owner = NULL, lease_until = NULL
         WHERE id = $2 AND status = 'sending' AND lease_owner = $3 RETURNING 1`,
        [at, id, owner],
      ),
    markRetry: (id, owner, next, error) =>
      mark(
        `UPDATE outbox SET status = 'pending', send_after = $1, last_error = $2, lease_owner = NULL, lease_until = NULL
         WHERE id = $3 AND status = 'sending' AND lease_owner = $4 RETURNING 1`,
        [next, error, id, owner],
      ),
    markFailed: (id, owner, error) =>
      mark(
        `UPDATE outbox SET status = 'failed', last_error = $1, lease_owner = NULL, lease_until = NULL
         WHERE id = $2 AND status = 'sending' AND lease_owner = $3 RETURNING 1`,
        [error, id, owner],
      ),

    list: (status, limit, offset) =>
      status
        ? rows(`SELECT ${COLUMNS} FROM outbox WHERE status = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, [status, limit, offset])
        : rows(`SELECT ${COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1 OFFSET $2`, [limit, offset]),
    count: async (status) =>
      (status
        ? await q<{ n: number }>('SELECT count(*) AS n FROM outbox WHERE status = $1', [status])
        : await q<{ n: number }>('SELECT count(*) AS n FROM outbox'))[0]!.n,
    ofOffice: (officeId) => rows(`SELECT ${COLUMNS} FROM outbox WHERE office_id = $1 ORDER BY id`, [officeId]),
    get: async (id) => (await rows(`SELECT ${COLUMNS} FROM outbox WHERE id = $1`, [id]))[0],
    due: (now) => rows(`SELECT ${COLUMNS} FROM outbox WHERE status = 'pending' AND send_after <= $1::timestamptz ORDER BY send_after, id`, [now]),
  };
}
