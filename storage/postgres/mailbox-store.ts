import { toContact, toMail, type ContactRow, type InboundMail, type MailboxStore, type MailRow } from '../mailbox-store';
import { binary } from './text-order';
import type { PostgresUnitOfWork } from './unit-of-work';

// jsonb sorts keys by length; the bounced recipients rebuilt in the order SQLite's stored text has them.
const toMailInOrder = (r: MailRow): InboundMail => toMail({ ...r, bounced: r.bounced.map((b) => ({ address: b.address, status: b.status, diagnostic: b.diagnostic })) });

/**
 * SQLite's lower() folds A–Z only (no ICU); PostgreSQL's would also fold "É", and so find an office
 * by a contact address SQLite does not match.
 */
const asciiLower = (expr: string) => `translate(${expr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;

/** The mailbox repository on PostgreSQL: the same interface and answers as storage/mailbox-store.ts. */
export function createPostgresMailboxStore(unit: PostgresUnitOfWork): MailboxStore {
  const q = unit.query.bind(unit);
  const lower = (address: string) => address.trim().toLowerCase();

  return {
    async isStored(mailbox, uidValidity, uid) {
      const rows = await q('SELECT 1 FROM inbound_mail WHERE mailbox = $1 AND uid_validity = $2 AND uid = $3', [mailbox, uidValidity, uid]);
      return rows.length > 0;
    },
    async insert(mail) {
      // A refused INSERT still takes an identity value; checked first, a message read again leaves no
      // gap, and the next id is the one SQLite gives. ON CONFLICT covers two servers storing it at once.
      const rows = await q<{ id: number }>(
        `INSERT INTO inbound_mail
           (mailbox, uid_validity, uid, message_id, kind, sender, subject, sent_at, received_at, text, attachments, bounced, office_id, answers, matched_by)
         SELECT $1::text, $2::bigint, $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::timestamptz, $9::timestamptz, $10::text,
                $11::jsonb, $12::jsonb, $13::text, $14::text, $15::text
         WHERE NOT EXISTS (SELECT 1 FROM inbound_mail WHERE mailbox = $1 AND uid_validity = $2 AND uid = $3)
         ON CONFLICT (mailbox, uid_validity, uid) DO NOTHING RETURNING id`,
        [
          mail.mailbox, mail.uidValidity, mail.uid, mail.messageId, mail.kind, mail.sender, mail.subject, mail.sentAt, mail.receivedAt,
          mail.text, JSON.stringify(mail.attachments), JSON.stringify(mail.bounced), mail.officeId, mail.answers, mail.matchedBy,
        ],
      );
      return rows[0]?.id ?? null;
    },
    async get(id) {
      const [row] = await q<MailRow>('SELECT * FROM inbound_mail WHERE id = $1', [id]);
      return row ? toMailInOrder(row) : undefined;
    },
    async ofOffice(officeId) {
      return (await q<MailRow>('SELECT * FROM inbound_mail WHERE office_id = $1 ORDER BY received_at, id', [officeId])).map(toMailInOrder);
    },
    async unmatched(limit) {
      return (await q<MailRow>('SELECT * FROM inbound_mail WHERE office_id IS NULL ORDER BY received_at, id LIMIT $1', [limit])).map(toMailInOrder);
    },
    async assign(id, officeId, actor, at) {
      const rows = await q(
        `UPDATE inbound_mail SET office_id = $1, matched_by = 'coordinator', assigned_by = $2, assigned_at = $3
         WHERE id = $4 AND office_id IS NULL RETURNING id`,
        [officeId, actor, at, id],
      );
      return rows.length === 1;
    },
    async sentMessage(messageIds) {
      if (messageIds.length === 0) return undefined;
      const [row] = await q<{ office_id: string; message_id: string; state: string | null }>(
        `SELECT o.office_id, o.message_id, t.state
         FROM outbox o LEFT JOIN reminder_timers t ON t.id = o.timer_id
         WHERE o.message_id = ANY($1::text[]) AND o.office_id IS NOT NULL ORDER BY o.id DESC LIMIT 1`,
        [messageIds],
      );
      return row ? { officeId: row.office_id, messageId: row.message_id, state: row.state } : undefined;
    },
    async officesWithContact(address) {
      const rows = await q<{ id: string }>(
        `SELECT o.id FROM offices o
         WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(o.contacts) c WHERE ${asciiLower("trim(' ' FROM c ->> 'email')")} = $1)
         ORDER BY ${binary('o.id')}`,
        [lower(address)],
      );
      return rows.map((r) => r.id);
    },
    async markReplied(officeId, address, at) {
      await q(
        `INSERT INTO contact_mail (office_id, address, replied_at) VALUES ($1, $2, $3)
         ON CONFLICT (office_id, address) DO UPDATE SET replied_at = excluded.replied_at`,
        [officeId, lower(address), at],
      );
    },
    async markBouncing(officeId, address, at, reason) {
      await q(
        `INSERT INTO contact_mail (office_id, address, bouncing_at, bounce_reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (office_id, address) DO UPDATE SET bouncing_at = excluded.bouncing_at, bounce_reason = excluded.bounce_reason`,
        [officeId, lower(address), at, reason],
      );
    },
    async clearBouncing(officeId) {
      const rows = await q(
        'UPDATE contact_mail SET bouncing_at = NULL, bounce_reason = NULL WHERE office_id = $1 AND bouncing_at IS NOT NULL RETURNING address',
        [officeId],
      );
      return rows.length;
    },
    async contactsOf(officeId) {
      return (await q<ContactRow>(`SELECT * FROM contact_mail WHERE office_id = $1 ORDER BY ${binary('address')}`, [officeId])).map(toContact);
    },
    async bouncingAddresses(officeId) {
      const rows = await q<{ address: string }>(
        `SELECT address FROM contact_mail WHERE office_id = $1 AND bouncing_at IS NOT NULL ORDER BY ${binary('address')}`,
        [officeId],
      );
      return rows.map((r) => r.address);
    },
    async stopReminders(officeId) {
      // SQLite's sla_clocks is WITHOUT ROWID: its RETURNING follows the key (office_id, state) byte-wise.
      const rows = await q<{ state: string }>(
        `WITH stopped AS (
           UPDATE sla_clocks SET next_level = NULL, next_nominal_at = NULL, next_reminder_at = NULL
           WHERE office_id = $1 AND owner = 'office' AND next_level IS NOT NULL RETURNING state
         ) SELECT state FROM stopped ORDER BY ${binary('state')}`,
        [officeId],
      );
      return rows.map((r) => r.state);
    },
  };
}
