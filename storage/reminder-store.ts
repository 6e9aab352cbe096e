import type { Db } from './db';

/** Rows of the reminder tables (migration 002). All writes run inside the engine's unit of work. */
/** SQL condition (on alias `c`) for "this clock is stalled at @now"; used by the office list filter. */
export const STALLED_CLOCK_SQL = 'c.deadline <= @now AND (c.paused_at IS NULL OR c.deadline <= c.paused_at)';

export interface ClockRow {
  office_id: string;
  state: string;
  entry_seq: number;
  stage: string;
  owner: 'office' | 'wipo';
  entered_at: string;
  deadline: string;
  paused_at: string | null;
  reminders_sent: number;
  next_reminder_at: string | null;
  escalated_at: string | null;
}

export interface TimerRow {
  id: number;
  office_id: string;
  state: string;
  entry_seq: number;
  level: number;
  kind: 'reminder' | 'escalation';
  nominal_at: string;
  due_at: string;
  status: 'pending' | 'paused' | 'fired' | 'cancelled';
  created_at: string;
  fired_at: string | null;
}

export interface PauseRow {
  office_id: string;
  paused_at: string;
  until: string;
  reason: string;
  actor: string;
}

export interface LogRow {
  id: number;
  office_id: string;
  at: string;
  type: string;
  state: string | null;
  level: number | null;
  detail: string;
  actor: string;
}

export type NewTimer = Omit<TimerRow, 'id' | 'fired_at'>;

export function createReminderStore(db: Db) {
  const s = {
    insertClock: db.prepare(`INSERT OR REPLACE INTO sla_clocks
      (office_id, state, entry_seq, stage, owner, entered_at, deadline, paused_at, reminders_sent, next_reminder_at, escalated_at)
      VALUES (@office_id, @state, @entry_seq, @stage, @owner, @entered_at, @deadline, @paused_at, @reminders_sent, @next_reminder_at, @escalated_at)`),
    deleteClock: db.prepare('DELETE FROM sla_clocks WHERE office_id = ? AND state = ?'),
    clock: db.prepare<[string, string], ClockRow>('SELECT * FROM sla_clocks WHERE office_id = ? AND state = ?'),
    clocks: db.prepare<[string], ClockRow>('SELECT * FROM sla_clocks WHERE office_id = ? ORDER BY state'),
    updateClock: db.prepare(`UPDATE sla_clocks SET reminders_sent = @reminders_sent, next_reminder_at = @next_reminder_at,
      escalated_at = @escalated_at WHERE office_id = @office_id AND state = @state`),
    pauseClocks: db.prepare('UPDATE sla_clocks SET paused_at = ?, next_reminder_at = NULL WHERE office_id = ? AND paused_at IS NULL'),
    resumeClock: db.prepare('UPDATE sla_clocks SET paused_at = NULL, deadline = ?, next_reminder_at = ? WHERE office_id = ? AND state = ?'),
    insertTimer: db.prepare(`INSERT OR IGNORE INTO reminder_timers
      (office_id, state, entry_seq, level, kind, nominal_at, due_at, status, created_at)
      VALUES (@office_id, @state, @entry_seq, @level, @kind, @nominal_at, @due_at, @status, @created_at)`),
    cancelTimers: db.prepare(`UPDATE reminder_timers SET status = 'cancelled'
      WHERE office_id = ? AND state = ? AND status IN ('pending', 'paused')`),
    due: db.prepare<[string, number], TimerRow>(
      `SELECT * FROM reminder_timers WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?`,
    ),
    nextDue: db.prepare<[], { due_at: string }>(`SELECT due_at FROM reminder_timers WHERE status = 'pending' ORDER BY due_at LIMIT 1`),
    markFired: db.prepare(`UPDATE reminder_timers SET status = 'fired', fired_at = ? WHERE id = ? AND status = 'pending'`),
    openTimers: db.prepare<[string], TimerRow>(
      `SELECT * FROM reminder_timers WHERE office_id = ? AND status IN ('pending', 'paused') ORDER BY due_at`,
    ),
    timersOf: db.prepare<[string], TimerRow>('SELECT * FROM reminder_timers WHERE office_id = ? ORDER BY id'),
    pauseTimers: db.prepare(`UPDATE reminder_timers SET status = 'paused' WHERE office_id = ? AND status = 'pending'`),
    resumeTimer: db.prepare(`UPDATE reminder_timers SET status = 'pending', nominal_at = ?, due_at = ? WHERE id = ? AND status = 'paused'`),
    pause: db.prepare<[string], PauseRow>('SELECT * FROM reminder_pauses WHERE office_id = ?'),
    upsertPause: db.prepare(`INSERT INTO reminder_pauses (office_id, paused_at, until, reason, actor)
      VALUES (@office_id, @paused_at, @until, @reason, @actor)
      ON CONFLICT (office_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, actor = excluded.actor`),
    deletePause: db.prepare('DELETE FROM reminder_pauses WHERE office_id = ?'),
    expiredPauses: db.prepare<[string, number], PauseRow>('SELECT * FROM reminder_pauses WHERE until <= ? ORDER BY until LIMIT ?'),
    log: db.prepare(`INSERT INTO reminder_log (office_id, at, type, state, level, detail, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    logOf: db.prepare<[string], LogRow>('SELECT * FROM reminder_log WHERE office_id = ? ORDER BY id'),
    setting: db.prepare<[string], { value: string }>('SELECT value FROM reminder_settings WHERE key = ?'),
    insertSetting: db.prepare('INSERT OR IGNORE INTO reminder_settings (key, value) VALUES (?, ?)'),
    officeSettings: db.prepare<[string], { time_zone: string | null; coordinator_email: string | null }>(
      'SELECT time_zone, coordinator_email FROM office_reminder_settings WHERE office_id = ?',
    ),
    upsertOfficeSettings: db.prepare(`INSERT INTO office_reminder_settings (office_id, time_zone, coordinator_email)
      VALUES (@office_id, @time_zone, @coordinator_email)
      ON CONFLICT (office_id) DO UPDATE SET time_zone = excluded.time_zone, coordinator_email = excluded.coordinator_email`),
    linkUsed: db.prepare<[string], { used_at: string; seq: number | null }>('SELECT used_at, seq FROM link_uses WHERE token_id = ?'),
    useLink: db.prepare('INSERT INTO link_uses (token_id, office_id, action, used_at, seq) VALUES (?, ?, ?, ?, ?)'),
  };

  return {
    insertClock: (row: ClockRow) => void s.insertClock.run(row),
    deleteClock: (officeId: string, state: string) => void s.deleteClock.run(officeId, state),
    clock: (officeId: string, state: string) => s.clock.get(officeId, state),
    clocks: (officeId: string) => s.clocks.all(officeId),
    updateClock: (row: Pick<ClockRow, 'office_id' | 'state' | 'reminders_sent' | 'next_reminder_at' | 'escalated_at'>) =>
      void s.updateClock.run(row),
    pauseClocks: (officeId: string, at: string) => void s.pauseClocks.run(at, officeId),
    resumeClock: (officeId: string, state: string, deadline: string, nextReminderAt: string | null) =>
      void s.resumeClock.run(deadline, nextReminderAt, officeId, state),
    /** Returns false when a timer with the same (office, state entry, level) already exists. */
    insertTimer: (timer: NewTimer) => s.insertTimer.run(timer).changes === 1,
    cancelTimers: (officeId: string, state: string) => void s.cancelTimers.run(officeId, state),
    dueTimers: (now: string, limit: number) => s.due.all(now, limit),
    nextDueAt: () => s.nextDue.get()?.due_at ?? null,
    /** Claims a due timer; false when another pass has already fired or cancelled it. */
    markFired: (id: number, at: string) => s.markFired.run(at, id).changes === 1,
    openTimers: (officeId: string) => s.openTimers.all(officeId),
    timers: (officeId: string) => s.timersOf.all(officeId),
    pauseTimers: (officeId: string) => void s.pauseTimers.run(officeId),
    resumeTimer: (id: number, nominalAt: string, dueAt: string) => void s.resumeTimer.run(nominalAt, dueAt, id),
    pause: (officeId: string) => s.pause.get(officeId),
    upsertPause: (row: PauseRow) => void s.upsertPause.run(row),
    deletePause: (officeId: string) => void s.deletePause.run(officeId),
    expiredPauses: (now: string, limit: number) => s.expiredPauses.all(now, limit),
    log: (officeId: string, at: string, type: string, state: string | null, level: number | null, detail: object, actor: string) =>
      void s.log.run(officeId, at, type, state, level, JSON.stringify(detail), actor),
    logOf: (officeId: string) => s.logOf.all(officeId),
    /** Reads a setting, storing `create()` first if absent (first writer wins). */
    setting: (key: string, create: () => string): string => {
      const existing = s.setting.get(key);
      if (existing) return existing.value;
      s.insertSetting.run(key, create());
      return s.setting.get(key)!.value;
    },
    officeSettings: (officeId: string) => s.officeSettings.get(officeId) ?? { time_zone: null, coordinator_email: null },
    setOfficeSettings: (officeId: string, timeZone: string | null, coordinatorEmail: string | null) =>
      void s.upsertOfficeSettings.run({ office_id: officeId, time_zone: timeZone, coordinator_email: coordinatorEmail }),
    linkUse: (tokenId: string) => s.linkUsed.get(tokenId),
    useLink: (tokenId: string, officeId: string, action: string, at: string, seq: number | null) =>
      void s.useLink.run(tokenId, officeId, action, at, seq),
  };
}

export type ReminderStore = ReturnType<typeof createReminderStore>;
