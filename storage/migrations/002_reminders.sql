-- Reminders: SLA clocks, durable timers, pauses, the email outbox and one-click reply links.
-- Nothing here bumps an office's version: reminders live beside the office, not in its snapshot.

-- Settings the reminder feature keeps for itself (e.g. the generated link secret).
CREATE TABLE reminder_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Per-office overrides: time zone (default: first zone of the office's country) and the
-- responsible coordinator's address (default: COORDINATOR_EMAIL).
CREATE TABLE office_reminder_settings (
  office_id         TEXT PRIMARY KEY REFERENCES offices (id) ON DELETE CASCADE,
  time_zone         TEXT,
  coordinator_email TEXT
) STRICT;

-- One row per active leaf state that has an SLA policy: when the office becomes stalled there.
-- `deadline` moves forward by the paused time when a pause ends; while paused, `paused_at` is set.
CREATE TABLE sla_clocks (
  office_id        TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  state            TEXT NOT NULL,            -- leaf path, e.g. preparing.site.blocked
  entry_seq        INTEGER NOT NULL,         -- history seq of the transition that entered it
  stage            TEXT NOT NULL,            -- top-level state, for filtering
  owner            TEXT NOT NULL CHECK (owner IN ('office', 'wipo')),
  entered_at       TEXT NOT NULL,
  deadline         TEXT NOT NULL,            -- stalled from this instant (ISO-8601 UTC)
  paused_at        TEXT,
  reminders_sent   INTEGER NOT NULL DEFAULT 0,
  next_reminder_at TEXT,
  escalated_at     TEXT,
  PRIMARY KEY (office_id, state)
) STRICT, WITHOUT ROWID;

-- Covering (with the primary key's office_id and state) for the stuck list, its filters and the
-- per-state counts. Few indexes on purpose: every transition writes these rows.
CREATE INDEX sla_clocks_running ON sla_clocks (deadline, owner, stage, escalated_at, paused_at) WHERE paused_at IS NULL;
CREATE INDEX sla_clocks_paused ON sla_clocks (office_id) WHERE paused_at IS NOT NULL;

-- Durable timers: one per (office, state entry, reminder level); level = reminders + 1 is the
-- escalation. `paused` timers wait for the office's pause to end.
CREATE TABLE reminder_timers (
  id          INTEGER PRIMARY KEY,
  office_id   TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  state       TEXT NOT NULL,
  entry_seq   INTEGER NOT NULL,
  level       INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('reminder', 'escalation')),
  nominal_at  TEXT NOT NULL,                -- due by the policy alone
  due_at      TEXT NOT NULL,                -- moved into business hours for office recipients
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paused', 'fired', 'cancelled')),
  created_at  TEXT NOT NULL,
  fired_at    TEXT,
  UNIQUE (office_id, state, entry_seq, level)
) STRICT;

-- A pass with nothing due is one probe of this partial index.
CREATE INDEX reminder_timers_due ON reminder_timers (due_at) WHERE status = 'pending';
-- Per-office lookups use the UNIQUE (office_id, state, entry_seq, level) index.

-- Coordinator pauses: reminders for the office wait until `until` (or a resume), and the SLA
-- clock does not count the paused time.
CREATE TABLE reminder_pauses (
  office_id TEXT PRIMARY KEY REFERENCES offices (id) ON DELETE CASCADE,
  paused_at TEXT NOT NULL,
  until     TEXT NOT NULL,
  reason    TEXT NOT NULL,
  actor     TEXT NOT NULL
) STRICT;

CREATE INDEX reminder_pauses_until ON reminder_pauses (until);

-- What the reminder feature did, for the office timeline (reminders, escalations, pauses, links).
CREATE TABLE reminder_log (
  id        INTEGER PRIMARY KEY,
  office_id TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  at        TEXT NOT NULL,
  type      TEXT NOT NULL,                  -- REMINDER_SENT, ESCALATED, PAUSED, RESUMED, LINK_USED
  state     TEXT,
  level     INTEGER,
  detail    TEXT NOT NULL DEFAULT '{}',
  actor     TEXT NOT NULL
) STRICT;

CREATE INDEX reminder_log_office ON reminder_log (office_id, id);

-- The outbox: an email is a row written in the transaction that decides to send it.
CREATE TABLE outbox (
  id          INTEGER PRIMARY KEY,
  message_id  TEXT NOT NULL UNIQUE,         -- stable Message-ID, also on every retry
  office_id   TEXT REFERENCES offices (id) ON DELETE CASCADE,
  timer_id    INTEGER REFERENCES reminder_timers (id),
  kind        TEXT NOT NULL,
  language    TEXT NOT NULL,
  recipients  TEXT NOT NULL,                -- JSON array of addresses
  subject     TEXT NOT NULL,
  text_body   TEXT NOT NULL,
  html_body   TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  created_at  TEXT NOT NULL,
  send_after  TEXT NOT NULL,                -- business window or next retry
  lease_owner TEXT,
  lease_until TEXT,
  sent_at     TEXT
) STRICT;

CREATE INDEX outbox_due ON outbox (send_after) WHERE status = 'pending';
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE status = 'sending';
CREATE INDEX outbox_status ON outbox (status, id);
CREATE INDEX outbox_office ON outbox (office_id, id);

-- Reply links used: a link applies once.
CREATE TABLE link_uses (
  token_id  TEXT PRIMARY KEY,
  office_id TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  action    TEXT NOT NULL,
  used_at   TEXT NOT NULL,
  seq       INTEGER                         -- history seq of the event it applied
) STRICT;
