import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

/**
 * Mail read from the programme's mailbox (migration 014) and what it says of each contact address.
 * Instants are `toISOString()` text, as everywhere in this schema.
 */
export type InboundKind = 'reply' | 'bounce';
export type MatchedBy = 'in-reply-to' | 'references' | 'sender' | 'coordinator';

/** A recipient a delivery status notification reports as failed. */
export interface BouncedRecipient {
  address: string;
  status: string | null;
  diagnostic: string | null;
}

export interface InboundMail {
  id: number;
  mailbox: string;
  uidValidity: number;
  uid: number;
  messageId: string | null;
  kind: InboundKind;
  sender: string;
  subject: string;
  sentAt: string | null;
  receivedAt: string;
  text: string;
  attachments: string[];
  /** For a bounce, the recipients it reports as failed; empty for a reply. */
  bounced: BouncedRecipient[];
  officeId: string | null;
  /** Message-ID of our outbox message it answers (or, for a bounce, the one that bounced). */
  answers: string | null;
  matchedBy: MatchedBy | null;
  assignedBy: string | null;
  assignedAt: string | null;
}

export type NewInboundMail = Omit<InboundMail, 'id' | 'assignedBy' | 'assignedAt'>;

/** One of our outbox messages, found by its Message-ID. */
export interface SentMessage {
  officeId: string;
  messageId: string;
  /** The state whose reminder it was; null for a letter or any other message. */
  state: string | null;
}

export interface ContactMail {
  officeId: string;
  address: string;
  repliedAt: string | null;
  bouncingAt: string | null;
  bounceReason: string | null;
}

export interface MailboxStore {
  /** True when the message at this place of the mailbox is already stored. */
  isStored(mailbox: string, uidValidity: number, uid: number): Promise<boolean>;
  /** Stores a message; null when it was already stored. */
  insert(mail: NewInboundMail): Promise<number | null>;
  get(id: number): Promise<InboundMail | undefined>;
  /** An office's messages, oldest first. */
  ofOffice(officeId: string): Promise<InboundMail[]>;
  /** Messages matched to no office, oldest first. */
  unmatched(limit: number): Promise<InboundMail[]>;
  /** Gives an unmatched message to an office; false when it is unknown or already matched. */
  assign(id: number, officeId: string, actor: string, at: string): Promise<boolean>;
  /** The newest of our messages to an office among these Message-IDs. */
  sentMessage(messageIds: string[]): Promise<SentMessage | undefined>;
  /** Offices that list this address among their contacts. */
  officesWithContact(address: string): Promise<string[]>;
  markReplied(officeId: string, address: string, at: string): Promise<void>;
  markBouncing(officeId: string, address: string, at: string, reason: string): Promise<void>;
  /** Clears every bouncing flag of an office; how many there were. */
  clearBouncing(officeId: string): Promise<number>;
  contactsOf(officeId: string): Promise<ContactMail[]>;
  bouncingAddresses(officeId: string): Promise<string[]>;
  /**
   * Ends the reminder sequence of every state of the office that waits on the office (its pending
   * level, escalation included): the office has answered. The states it stopped.
   */
  stopReminders(officeId: string): Promise<string[]>;
}

/** A row of `inbound_mail` with its JSON columns as values (SQLite stores them as text). */
export interface MailRow {
  id: number;
  mailbox: string;
  uid_validity: number;
  uid: number;
  message_id: string | null;
  kind: InboundKind;
  sender: string;
  subject: string;
  sent_at: string | null;
  received_at: string;
  text: string;
  attachments: string[];
  bounced: BouncedRecipient[];
  office_id: string | null;
  answers: string | null;
  matched_by: MatchedBy | null;
  assigned_by: string | null;
  assigned_at: string | null;
}

export interface ContactRow {
  office_id: string;
  address: string;
  replied_at: string | null;
  bouncing_at: string | null;
  bounce_reason: string | null;
}

export const toMail = (r: MailRow): InboundMail => ({
  id: r.id,
  mailbox: r.mailbox,
  uidValidity: r.uid_validity,
  uid: r.uid,
  messageId: r.message_id,
  kind: r.kind,
  sender: r.sender,
  subject: r.subject,
  sentAt: r.sent_at,
  receivedAt: r.received_at,
  text: r.text,
  attachments: r.attachments,
  bounced: r.bounced,
  officeId: r.office_id,
  answers: r.answers,
  matchedBy: r.matched_by,
  assignedBy: r.assigned_by,
  assignedAt: r.assigned_at,
});

/** SQLite keeps the JSON columns as text. */
type StoredMailRow = Omit<MailRow, 'attachments' | 'bounced'> & { attachments: string; bounced: string };
const fromStored = (r: StoredMailRow): InboundMail =>
  toMail({ ...r, attachments: JSON.parse(r.attachments) as string[], bounced: JSON.parse(r.bounced) as BouncedRecipient[] });

export const toContact = (r: ContactRow): ContactMail => ({
  officeId: r.office_id,
  address: r.address,
  repliedAt: r.replied_at,
  bouncingAt: r.bouncing_at,
  bounceReason: r.bounce_reason,
});

export function createMailboxStore(db: Db): MailboxStore {
  const s = {
    stored: db.prepare<[string, number, number], { n: number }>('SELECT count(*) AS n FROM inbound_mail WHERE mailbox = ? AND uid_validity = ? AND uid = ?'),
    insert: db.prepare(`INSERT INTO inbound_mail
      (mailbox, uid_validity, uid, message_id, kind, sender, subject, sent_at, received_at, text, attachments, bounced, office_id, answers, matched_by)
      VALUES (@mailbox, @uid_validity, @uid, @message_id, @kind, @sender, @subject, @sent_at, @received_at, @text, @attachments, @bounced, @office_id, @answers, @matched_by)
      ON CONFLICT (mailbox, uid_validity, uid) DO NOTHING`),
    get: db.prepare<[number], StoredMailRow>('SELECT * FROM inbound_mail WHERE id = ?'),
    ofOffice: db.prepare<[string], StoredMailRow>('SELECT * FROM inbound_mail WHERE office_id = ? ORDER BY received_at, id'),
    unmatched: db.prepare<[number], StoredMailRow>('SELECT * FROM inbound_mail WHERE office_id IS NULL ORDER BY received_at, id LIMIT ?'),
    assign: db.prepare(`UPDATE inbound_mail SET office_id = ?, matched_by = 'coordinator', assigned_by = ?, assigned_at = ?
      WHERE id = ? AND office_id IS NULL`),
    sent: db.prepare<[string], { office_id: string; message_id: string; state: string | null }>(`SELECT o.office_id, o.message_id, t.state
      FROM outbox o LEFT JOIN reminder_timers t ON t.id = o.timer_id
      WHERE o.message_id IN (SELECT value FROM json_each(?)) AND o.office_id IS NOT NULL ORDER BY o.id DESC LIMIT 1`),
    withContact: db.prepare<[string], { id: string }>(`SELECT DISTINCT o.id FROM offices o, json_each(o.contacts) c
      WHERE lower(trim(json_extract(c.value, '$.email'))) = ? ORDER BY o.id`),
    replied: db.prepare(`INSERT INTO contact_mail (office_id, address, replied_at) VALUES (?, ?, ?)
      ON CONFLICT (office_id, address) DO UPDATE SET replied_at = excluded.replied_at`),
    bouncing: db.prepare(`INSERT INTO contact_mail (office_id, address, bouncing_at, bounce_reason) VALUES (?, ?, ?, ?)
      ON CONFLICT (office_id, address) DO UPDATE SET bouncing_at = excluded.bouncing_at, bounce_reason = excluded.bounce_reason`),
    clear: db.prepare('UPDATE contact_mail SET bouncing_at = NULL, bounce_reason = NULL WHERE office_id = ? AND bouncing_at IS NOT NULL'),
    contacts: db.prepare<[string], ContactRow>('SELECT * FROM contact_mail WHERE office_id = ? ORDER BY address'),
    bouncingOf: db.prepare<[string], { address: string }>('SELECT address FROM contact_mail WHERE office_id = ? AND bouncing_at IS NOT NULL ORDER BY address'),
    stop: db.prepare<[string], { state: string }>(`UPDATE sla_clocks SET next_level = NULL, next_nominal_at = NULL, next_reminder_at = NULL
      WHERE office_id = ? AND owner = 'office' AND next_level IS NOT NULL RETURNING state`),
  };
  const lower = (address: string) => address.trim().toLowerCase();
  return unitOfWorkOf(db).repository<MailboxStore>({
    isStored: (mailbox, uidValidity, uid) => s.stored.get(mailbox, uidValidity, uid)!.n > 0,
    insert(mail) {
      const result = s.insert.run({
        mailbox: mail.mailbox,
        uid_validity: mail.uidValidity,
        uid: mail.uid,
        message_id: mail.messageId,
        kind: mail.kind,
        sender: mail.sender,
        subject: mail.subject,
        sent_at: mail.sentAt,
        received_at: mail.receivedAt,
        text: mail.text,
        attachments: JSON.stringify(mail.attachments),
        bounced: JSON.stringify(mail.bounced),
        office_id: mail.officeId,
        answers: mail.answers,
        matched_by: mail.matchedBy,
      });
      return result.changes === 1 ? Number(result.lastInsertRowid) : null;
    },
    get: (id) => {
      const row = s.get.get(id);
      return row ? fromStored(row) : undefined;
    },
    ofOffice: (officeId) => s.ofOffice.all(officeId).map(fromStored),
    unmatched: (limit) => s.unmatched.all(limit).map(fromStored),
    assign: (id, officeId, actor, at) => s.assign.run(officeId, actor, at, id).changes === 1,
    sentMessage: (messageIds) => {
      if (messageIds.length === 0) return undefined;
      const row = s.sent.get(JSON.stringify(messageIds));
      return row ? { officeId: row.office_id, messageId: row.message_id, state: row.state } : undefined;
    },
    officesWithContact: (address) => s.withContact.all(lower(address)).map((r) => r.id),
    markReplied: (officeId, address, at) => void s.replied.run(officeId, lower(address), at),
    markBouncing: (officeId, address, at, reason) => void s.bouncing.run(officeId, lower(address), at, reason),
    clearBouncing: (officeId) => s.clear.run(officeId).changes,
    contactsOf: (officeId) => s.contacts.all(officeId).map(toContact),
    bouncingAddresses: (officeId) => s.bouncingOf.all(officeId).map((r) => r.address),
    stopReminders: (officeId) => s.stop.all(officeId).map((r) => r.state),
  });
}

const stores = new WeakMap<Db, MailboxStore>();
/** One mailbox store per database connection (its statements prepared once). */
export function mailboxStoreOf(db: Db): MailboxStore {
  let store = stores.get(db);
  if (!store) stores.set(db, (store = createMailboxStore(db)));
  return store;
}
