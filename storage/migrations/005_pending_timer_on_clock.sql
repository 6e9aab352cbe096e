-- The pending reminder of a state entry lives on its SLA clock row, so a transition writes one row
-- per state entered (the clock) instead of a clock and a timer, and leaving a state deletes one row.
-- `reminder_timers` keeps only timers that have fired: the outbox's timer_id and the timeline point
-- at them, and their UNIQUE (office, state entry, level) makes firing a level twice impossible.

-- next_level: level of the pending timer (level = reminders + 1 is the escalation), NULL when
-- nothing is pending. next_nominal_at: its time by the policy alone. next_reminder_at (already
-- there): its due time, business hours applied; NULL while paused, after the escalation, or when
-- nothing is pending.
ALTER TABLE sla_clocks ADD COLUMN next_level INTEGER;
ALTER TABLE sla_clocks ADD COLUMN next_nominal_at TEXT;

-- A state entry has at most one open timer: the scheduler wrote the next level only when firing
-- the previous one.
UPDATE sla_clocks AS c
SET next_level = t.level,
    next_nominal_at = t.nominal_at,
    next_reminder_at = CASE WHEN t.status = 'pending' AND c.paused_at IS NULL THEN t.due_at END
FROM reminder_timers AS t
WHERE t.office_id = c.office_id AND t.state = c.state AND t.entry_seq = c.entry_seq
  AND t.status IN ('pending', 'paused');

-- Without a pending level nothing is due (e.g. a state whose policy was removed before its timer fired).
UPDATE sla_clocks SET next_reminder_at = NULL WHERE next_level IS NULL AND next_reminder_at IS NOT NULL;

DROP INDEX reminder_timers_due;
DELETE FROM reminder_timers WHERE status <> 'fired';

-- The scheduler's due work; a pass with nothing due is one probe of it.
CREATE INDEX sla_clocks_due ON sla_clocks (next_reminder_at) WHERE next_reminder_at IS NOT NULL;
