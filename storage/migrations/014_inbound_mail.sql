-- Mail read from the programme's mailbox (IMAP): replies to our letters and reminders, and
-- delivery status notifications (bounces). A row per message, keyed by where it was read, so a
-- message is stored once even if the server stops between the commit and flagging it \Seen.
CREATE TABLE inbound_mail (
  id           INTEGER PRIMARY KEY,
  mailbox      TEXT NOT NULL,
  uid_validity INTEGER NOT NULL,
  uid          INTEGER NOT NULL,
  message_id   TEXT,
  kind         TEXT NOT NULL CHECK (kind IN ('reply', 'bounce')),
  sender       TEXT NOT NULL,
  subject      TEXT NOT NULL,
  sent_at      TEXT,                          -- the Date header, when readable
  received_at  TEXT NOT NULL,
  text         TEXT NOT NULL,
  attachments  TEXT NOT NULL DEFAULT '[]',    -- JSON array of file names
  bounced      TEXT NOT NULL DEFAULT '[]',    -- a bounce: JSON array of {address, status, diagnostic} that failed
  office_id    TEXT REFERENCES offices (id) ON DELETE SET NULL,
  answers      TEXT,                          -- Message-ID of our outbox message it answers
  matched_by   TEXT,                          -- in-reply-to, references, sender, coordinator
  assigned_by  TEXT,
  assigned_at  TEXT,
  UNIQUE (mailbox, uid_validity, uid)
) STRICT;

CREATE INDEX inbound_mail_office ON inbound_mail (office_id, received_at);
CREATE INDEX inbound_mail_unmatched ON inbound_mail (received_at) WHERE office_id IS NULL;

-- What the mailbox taught us about each contact address of an office: it answers (replied_at), or
-- mail to it bounces (bouncing_at, until a coordinator edits the office's contacts).
CREATE TABLE contact_mail (
  office_id     TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  address       TEXT NOT NULL,               -- lower case
  replied_at    TEXT,
  bouncing_at   TEXT,
  bounce_reason TEXT,
  PRIMARY KEY (office_id, address)
) STRICT, WITHOUT ROWID;
