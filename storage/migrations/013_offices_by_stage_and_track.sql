-- The headline figures (storage/figures-store.ts) count offices by stage and track, and the
-- installations chart lists the ids of the offices the "installed" figure counts: this index
-- answers both without reading an office row (whose snapshot makes rows large).
CREATE INDEX offices_stage_track ON offices (stage, track, id);
