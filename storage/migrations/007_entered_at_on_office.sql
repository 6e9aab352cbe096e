-- The office row carries its whole current state: snapshot, active leaves, and when it entered each
-- active node (a JSON object of path -> ISO-8601 instant). One row read gives an office's view;
-- office_states stays the index of who is in which state since when, written in the same transaction.

ALTER TABLE offices ADD COLUMN entered_at TEXT NOT NULL DEFAULT '{}';

UPDATE offices
SET entered_at = (
  SELECT json_group_object(s.path, s.entered_at) FROM office_states s WHERE s.office_id = offices.id
)
WHERE EXISTS (SELECT 1 FROM office_states s WHERE s.office_id = offices.id);
