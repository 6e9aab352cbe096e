-- offices_stage_track (stage, track, id) answers every lookup by stage that offices_stage did;
-- keeping both wrote a second index entry on every change of stage.
DROP INDEX offices_stage;
