-- Running the programme: focal points, workshops, Gold Disk versions, kits, and broadcasts that
-- apply one event to many offices, office by office, resumable after a crash.

-- Training workshops. Dates are calendar days (YYYY-MM-DD).
CREATE TABLE workshops (
  id           TEXT PRIMARY KEY,
  title        TEXT NOT NULL,
  city         TEXT NOT NULL,
  country      TEXT NOT NULL,
  start_date   TEXT NOT NULL,
  end_date     TEXT NOT NULL,
  capacity     INTEGER NOT NULL CHECK (capacity > 0),
  status       TEXT NOT NULL CHECK (status IN ('planned', 'held', 'cancelled')),
  created_at   TEXT,                             -- NULL for workshops imported from a past programme
  status_at    TEXT,                             -- when it was held or cancelled (NULL if unknown)
  CHECK (end_date >= start_date)
) STRICT;

CREATE INDEX workshops_start ON workshops (start_date);

-- Every focal point an office nominated. Written by the engine hook from FOCAL_POINT_NOMINATED,
-- ENROLLED, TRAINING_COMPLETED and NO_SHOW, in the transaction of the transition, so the
-- timestamps are those of the history and counts "as of" any date can be taken from here.
CREATE TABLE focal_points (
  id            INTEGER PRIMARY KEY,
  office_id     TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL,                   -- lower case; unique within the office
  role          TEXT,
  status        TEXT NOT NULL CHECK (status IN ('nominated', 'enrolled', 'trained', 'no-show')),
  workshop_id   TEXT,                            -- current or last workshop
  nominated_at  TEXT NOT NULL,
  enrolled_at   TEXT,
  trained_at    TEXT,                            -- set once, never cleared: training is for good
  no_show_at    TEXT,
  UNIQUE (office_id, email)
) STRICT;

CREATE INDEX focal_points_trained ON focal_points (trained_at) WHERE trained_at IS NOT NULL;
CREATE INDEX focal_points_status ON focal_points (status);

-- One row per focal point per workshop. Workshop ids are not foreign keys: histories imported
-- from older systems may name workshops that were never recorded.
CREATE TABLE enrolments (
  workshop_id    TEXT NOT NULL,
  focal_point_id INTEGER NOT NULL REFERENCES focal_points (id) ON DELETE CASCADE,
  office_id      TEXT NOT NULL,
  enrolled_at    TEXT NOT NULL,
  attendance     TEXT CHECK (attendance IN ('attended', 'missed', 'cancelled')),
  PRIMARY KEY (workshop_id, focal_point_id)
) STRICT;

CREATE INDEX enrolments_office ON enrolments (office_id);

CREATE TABLE gold_disk_versions (
  version       TEXT PRIMARY KEY,
  released_at   TEXT NOT NULL,
  notes         TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL CHECK (status IN ('current', 'superseded', 'recalled')),
  recalled_at   TEXT,
  recall_reason TEXT
) STRICT;

CREATE UNIQUE INDEX gold_disk_one_current ON gold_disk_versions (status) WHERE status = 'current';

-- The Gold Disk version each kit was shipped with (from KIT_SHIPPED, or the current version then).
CREATE TABLE kit_shipments (
  office_id          TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  seq                INTEGER NOT NULL,           -- the KIT_SHIPPED history row
  gold_disk_version  TEXT,
  shipped_at         TEXT NOT NULL,
  PRIMARY KEY (office_id, seq)
) STRICT;

CREATE INDEX kit_shipments_version ON kit_shipments (gold_disk_version);

-- One event sent to many offices. Targets are fixed when the broadcast is created; each office is
-- then processed in its own transaction that also marks its row, so a re-run after a crash only
-- takes the rows still pending and never applies the event twice.
CREATE TABLE broadcasts (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,                     -- 'hold', 'release', 'letters'
  event       TEXT NOT NULL,                     -- JSON {type, ...payload}
  description TEXT NOT NULL,
  actor       TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  finished_at TEXT                               -- set when no row is pending any more
) STRICT;

CREATE INDEX broadcasts_created ON broadcasts (created_at);

CREATE TABLE broadcast_offices (
  broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  office_id    TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'done', 'skipped', 'failed')),
  message      TEXT,
  version      INTEGER,                          -- the office version after the event, when done
  at           TEXT,
  PRIMARY KEY (broadcast_id, position),
  UNIQUE (broadcast_id, office_id)
) STRICT;

CREATE INDEX broadcast_offices_pending ON broadcast_offices (broadcast_id, status, position);
