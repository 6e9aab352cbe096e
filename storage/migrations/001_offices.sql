-- Offices, their active states and their history: the durable core of the engine.

CREATE TABLE offices (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  country         TEXT NOT NULL,
  city            TEXT,
  language        TEXT NOT NULL DEFAULT 'en',
  track           TEXT NOT NULL CHECK (track IN ('kit', 'internet')),
  contacts        TEXT NOT NULL DEFAULT '[]',   -- JSON array of {name, email, role?}
  stage           TEXT NOT NULL,                -- top-level state
  states          TEXT NOT NULL,                -- JSON array of active leaf paths
  snapshot        TEXT NOT NULL,                -- persisted XState snapshot (JSON)
  machine_version INTEGER NOT NULL,
  version         INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) STRICT;

CREATE INDEX offices_stage ON offices (stage);
CREATE INDEX offices_country ON offices (country);
CREATE INDEX offices_name ON offices (name COLLATE NOCASE);

-- One row per active state node (compound and leaf), so "who is where since when" is an index lookup.
CREATE TABLE office_states (
  office_id  TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  path       TEXT NOT NULL,
  is_leaf    INTEGER NOT NULL,
  entered_at TEXT NOT NULL,
  PRIMARY KEY (office_id, path)
) STRICT, WITHOUT ROWID;

CREATE INDEX office_states_path ON office_states (path, entered_at);

CREATE TABLE history (
  office_id TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  type      TEXT NOT NULL,
  payload   TEXT NOT NULL DEFAULT '{}',
  from_states TEXT NOT NULL,                    -- JSON array of leaf paths before
  to_states   TEXT NOT NULL,                    -- JSON array of leaf paths after
  actor     TEXT NOT NULL,
  at        TEXT NOT NULL,
  PRIMARY KEY (office_id, seq)
) STRICT;

CREATE INDEX history_type_at ON history (type, at);
CREATE INDEX history_at ON history (at);
