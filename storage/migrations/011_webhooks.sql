-- Outbound webhooks: subscriptions, and deliveries written in the transaction of what caused them
-- (the outbox pattern, as for emails). The dispatcher sends them with Standard Webhooks headers.

CREATE TABLE webhook_subscriptions (
  id              TEXT PRIMARY KEY,
  url             TEXT NOT NULL,
  description     TEXT NOT NULL DEFAULT '',
  secret          TEXT NOT NULL,                 -- whsec_<base64>, shown once at creation
  events          TEXT NOT NULL,                 -- JSON array of event types (office.transition, …)
  filter_types    TEXT NOT NULL DEFAULT '[]',    -- office.transition only: event types; empty = every one
  filter_stages   TEXT NOT NULL DEFAULT '[]',    -- office.transition only: stage after it; empty = every one
  enabled         INTEGER NOT NULL DEFAULT 1,
  failing_since   TEXT,                          -- first failure of the current run of consecutive failures
  disabled_reason TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY,
  message_id      TEXT NOT NULL UNIQUE,          -- the webhook-id header, the same on every attempt
  subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  event_type      TEXT NOT NULL,
  body            TEXT NOT NULL,                 -- the exact JSON sent (and signed)
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  response_status INTEGER,
  last_error      TEXT,
  duration_ms     INTEGER,
  created_at      TEXT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  retry_until     TEXT NOT NULL,                 -- retries stop after this (24 h after creation or redelivery)
  last_attempt_at TEXT,
  delivered_at    TEXT,
  lease_owner     TEXT,
  lease_until     TEXT
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);

-- Events that are not office transitions are written by triggers, so each delivery commits with the
-- row that caused it wherever in the code that row is written. `at` is the cause's own time.
CREATE VIEW webhook_targets AS
  SELECT s.id AS subscription_id, e.value AS event_type
  FROM webhook_subscriptions s, json_each(s.events) e
  WHERE s.enabled = 1;

-- A stalled office: its first reminder (or, with no reminders, its escalation) has gone out.
CREATE TRIGGER webhook_office_stalled AFTER INSERT ON reminder_log
WHEN NEW.level = 1 AND NEW.type IN ('REMINDER_SENT', 'ESCALATED')
BEGIN
  INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, body, created_at, next_attempt_at, retry_until)
  SELECT 'msg_' || lower(hex(randomblob(16))), t.subscription_id, 'office.stalled',
    json_object('type', 'office.stalled', 'timestamp', NEW.at, 'data', json_object(
      'office', (SELECT json_object('id', o.id, 'name', o.name, 'country', o.country, 'stage', o.stage) FROM offices o WHERE o.id = NEW.office_id),
      'state', NEW.state)),
    NEW.at, NEW.at, strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at, '+1 day')
  FROM webhook_targets t WHERE t.event_type = 'office.stalled';
END;

-- A stuck office: escalated to the coordinator.
CREATE TRIGGER webhook_office_stuck AFTER INSERT ON reminder_log
WHEN NEW.type = 'ESCALATED'
BEGIN
  INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, body, created_at, next_attempt_at, retry_until)
  SELECT 'msg_' || lower(hex(randomblob(16))), t.subscription_id, 'office.stuck',
    json_object('type', 'office.stuck', 'timestamp', NEW.at, 'data', json_object(
      'office', (SELECT json_object('id', o.id, 'name', o.name, 'country', o.country, 'stage', o.stage) FROM offices o WHERE o.id = NEW.office_id),
      'state', NEW.state, 'level', NEW.level)),
    NEW.at, NEW.at, strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at, '+1 day')
  FROM webhook_targets t WHERE t.event_type = 'office.stuck';
END;

-- An email given up (a permanent SMTP refusal, or out of attempts).
CREATE TRIGGER webhook_email_failed AFTER UPDATE OF status ON outbox
WHEN NEW.status = 'failed' AND OLD.status <> 'failed'
BEGIN
  INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, body, created_at, next_attempt_at, retry_until)
  SELECT 'msg_' || lower(hex(randomblob(16))), t.subscription_id, 'email.failed',
    json_object('type', 'email.failed', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object(
      'emailId', NEW.id, 'messageId', NEW.message_id, 'officeId', NEW.office_id, 'kind', NEW.kind,
      'recipients', json(NEW.recipients), 'attempts', NEW.attempts, 'error', NEW.last_error)),
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')
  FROM webhook_targets t WHERE t.event_type = 'email.failed';
END;

CREATE TRIGGER webhook_email_failed_at_once AFTER INSERT ON outbox
WHEN NEW.status = 'failed'
BEGIN
  INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, body, created_at, next_attempt_at, retry_until)
  SELECT 'msg_' || lower(hex(randomblob(16))), t.subscription_id, 'email.failed',
    json_object('type', 'email.failed', 'timestamp', NEW.created_at, 'data', json_object(
      'emailId', NEW.id, 'messageId', NEW.message_id, 'officeId', NEW.office_id, 'kind', NEW.kind,
      'recipients', json(NEW.recipients), 'attempts', NEW.attempts, 'error', NEW.last_error)),
    NEW.created_at, NEW.created_at, strftime('%Y-%m-%dT%H:%M:%fZ', NEW.created_at, '+1 day')
  FROM webhook_targets t WHERE t.event_type = 'email.failed';
END;

-- A broadcast (Gold Disk hold or release, circular letters) with no office pending any more.
CREATE TRIGGER webhook_broadcast_finished AFTER UPDATE OF finished_at ON broadcasts
WHEN OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL
BEGIN
  INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, body, created_at, next_attempt_at, retry_until)
  SELECT 'msg_' || lower(hex(randomblob(16))), t.subscription_id, 'broadcast.finished',
    json_object('type', 'broadcast.finished', 'timestamp', NEW.finished_at, 'data', json_object(
      'broadcast', json_object('id', NEW.id, 'kind', NEW.kind, 'description', NEW.description, 'event', json(NEW.event)),
      'outcomes', (SELECT json_group_object(status, n) FROM (SELECT b.status, count(*) AS n FROM broadcast_offices b WHERE b.broadcast_id = NEW.id GROUP BY b.status)))),
    NEW.finished_at, NEW.finished_at, strftime('%Y-%m-%dT%H:%M:%fZ', NEW.finished_at, '+1 day')
  FROM webhook_targets t WHERE t.event_type = 'broadcast.finished';
END;
