-- Calendar invitations for workshops: emails may carry attachments (the .ics), and each workshop
-- keeps the SEQUENCE of its iCalendar event, raised by every change of date and by a cancellation.
ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';   -- JSON [{filename, contentType, content}]

CREATE TABLE workshop_calendar (
  workshop_id TEXT PRIMARY KEY REFERENCES workshops (id) ON DELETE CASCADE,
  sequence    INTEGER NOT NULL DEFAULT 0
) STRICT;
