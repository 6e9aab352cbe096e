-- Notes a coordinator adds to an office ("called the director, survey next week"): not events of
-- the chart, so they do not change its state or version; the office page's timeline shows them.
CREATE TABLE office_notes (
  id        INTEGER PRIMARY KEY,
  office_id TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  text      TEXT NOT NULL
) STRICT;

CREATE INDEX office_notes_by_office ON office_notes (office_id, at);
