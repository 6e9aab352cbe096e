-- Active state rows keyed by (path, office_id): the table is its own state index, so a transition
-- writes the rows it leaves and enters and no secondary index. "Who is in this state" is a range of
-- the primary key; one office's rows are looked up by its known paths (offices.states and their
-- ancestors), never by scanning.

CREATE TABLE office_states_by_path (
  path       TEXT NOT NULL,
  office_id  TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  is_leaf    INTEGER NOT NULL,
  entered_at TEXT NOT NULL,
  PRIMARY KEY (path, office_id)
) STRICT, WITHOUT ROWID;

INSERT INTO office_states_by_path (path, office_id, is_leaf, entered_at)
  SELECT path, office_id, is_leaf, entered_at FROM office_states;

DROP TABLE office_states;
ALTER TABLE office_states_by_path RENAME TO office_states;
