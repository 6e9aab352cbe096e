import { unitOfWorkOf } from './unit-of-work';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';

/**
 * Rows of the reminder tables (migrations 002 and 005). All writes run inside the engine's unit of work.
 * Times are `toISOString()` of dates inside the accepted range (engine/dates.ts), all of one width,
 * so the comparisons below (`deadline <= @now`, `next_reminder_at <= ?`, `until <= ?`) order instants.
 */
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
  /** Due time of the pending timer (business hours applied); NULL while paused or when none is pending. */
  next_reminder_at: string | null;
  escalated_at: string | null;
  /** Level of the pending timer (reminders + 1 is the escalation); NULL when none is pending. */
  next_level: number | null;
  /** Its time by the policy alone; kept while paused, so a resume can shift it. */
  next_nominal_at: string | null;
}

/** A timer that has fired (migration 005): pending timers live on their clock row. */
export interface TimerRow {
  id: number;
  office_id: string;
  state: string;
  entry_seq: number;
  level: number;
  kind: 'reminder' | 'escalation';
  nominal_at: string;
  due_at: string;
  status: 'fired';
  created_at: string;
  fired_at: string;
}

/** The fired level and the clock's next one, written together when the scheduler claims a clock. */
export interface ClockAdvance {
  office_id: string;
  state: string;
  entry_seq: number;
  /** The level being fired: the claim matches it, so a second attempt finds nothing to claim. */
  level: number;
  reminders_sent: number;
  escalated_at: string | null;
  next_level: number | null;
  next_nominal_at: string | null;
  next_reminder_at: string | null;
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

export type FiredTimer = Omit<TimerRow, 'id' | 'status'>;

export interface OfficeReminderSettings {
  time_zone: string | null;
  coordinator_email: string | null;
}

/** A leaf state an office is in, with no clock yet (offices registered before the reminders existed). */
export interface UnclockedState {
  office_id: string;
  path: string;
  entered_at: string;
}

export interface ReminderStore {
  insertClock(row: ClockRow): Promise<void>;
  deleteClock(officeId: string, state: string): Promise<void>;
  clock(officeId: string, state: string): Promise<ClockRow | undefined>;
  clocks(officeId: string): Promise<ClockRow[]>;
  /** Clocks whose pending timer is due at `now`, earliest first. */
  dueClocks(now: string, limit: number): Promise<ClockRow[]>;
  /** When the earliest pending timer due at `now` fell due; null when none is. */
  earliestDue(now: string): Promise<string | null>;
  /**
   * Claims a clock's pending level and moves it to the next one; false when another pass (or an
   * earlier attempt) already did, the state was left, or the office is paused.
   */
  advanceClock(row: ClockAdvance): Promise<boolean>;
  pauseClocks(officeId: string, at: string): Promise<void>;
  resumeClock(officeId: string, state: string, deadline: string, nextNominalAt: string | null, nextReminderAt: string | null): Promise<void>;
  /** Records a fired level; null when that (office, state entry, level) has already fired. */
  insertFiredTimer(timer: FiredTimer): Promise<number | null>;
  firedTimers(officeId: string): Promise<TimerRow[]>;
  pause(officeId: string): Promise<PauseRow | undefined>;
  upsertPause(row: PauseRow): Promise<void>;
  deletePause(officeId: string): Promise<void>;
  expiredPauses(now: string, limit: number): Promise<PauseRow[]>;
  log(officeId: string, at: string, type: string, state: string | null, level: number | null, detail: object, actor: string): Promise<void>;
  logOf(officeId: string): Promise<LogRow[]>;
  /** The newest log row's id (0 when empty), then what was logged after it: what one `sweep` did. */
  lastLogId(): Promise<number>;
  logSince(afterId: number): Promise<LogRow[]>;
  /** Reads a setting, storing `create()` first if absent (first writer wins). */
  setting(key: string, create: () => string): Promise<string>;
  /** Whether a setting is stored, without creating it. */
  hasSetting(key: string): Promise<boolean>;
  /** Stores a setting unless one is stored already. */
  addSetting(key: string, value: string): Promise<void>;
  officeSettings(officeId: string): Promise<OfficeReminderSettings>;
  setOfficeSettings(officeId: string, timeZone: string | null, coordinatorEmail: string | null): Promise<void>;
  linkUse(tokenId: string): Promise<{ used_at: string; seq: number | null } | undefined>;
  useLink(tokenId: string, officeId: string, action: string, at: string, seq: number | null): Promise<void>;
  /** Current leaf states among `paths` that have no clock, for the one-time backfill. */
  unclockedStates(paths: string[]): Promise<UnclockedState[]>;
}

export function createReminderStore(db: Db): ReminderStore {
  const s = {
    insertClock: db.prepare(`INSERT OR REPLACE INTO sla_clocks
      (office_id, state, entry_seq, stage, owner, entered_at, deadline, paused_at, reminders_sent, next_reminder_at, escalated_at,
       next_level, next_nominal_at)
      VALUES (@office_id, @state, @entry_seq, @stage, @owner, @entered_at, @deadline, @paused_at, @reminders_sent, @next_reminder_at,
       @escalated_at, @next_level, @next_nominal_at)`),
    deleteClock: db.prepare('DELETE FROM sla_clocks WHERE office_id = ? AND state = ?'),
    clock: db.prepare<[string, string], ClockRow>('SELECT * FROM sla_clocks WHERE office_id = ? AND state = ?'),
    clocks: db.prepare<[string], ClockRow>('SELECT * FROM sla_clocks WHERE office_id = ? ORDER BY state'),
    // Walks the partial index sla_clocks_due: with nothing due, one probe.
    due: db.prepare<[string, number], ClockRow>('SELECT * FROM sla_clocks WHERE next_reminder_at <= ? ORDER BY next_reminder_at LIMIT ?'),
    earliestDue: db.prepare<[string], { due: string | null }>('SELECT min(next_reminder_at) AS due FROM sla_clocks WHERE next_reminder_at <= ?'),
    advance: db.prepare(`UPDATE sla_clocks SET reminders_sent = @reminders_sent, escalated_at = @escalated_at,
        next_level = @next_level, next_nominal_at = @next_nominal_at, next_reminder_at = @next_reminder_at
      WHERE office_id = @office_id AND state = @state AND entry_seq = @entry_seq AND next_level = @level
        AND next_reminder_at IS NOT NULL`),
    pauseClocks: db.prepare('UPDATE sla_clocks SET paused_at = ?, next_reminder_at = NULL WHERE office_id = ? AND paused_at IS NULL'),
    resumeClock: db.prepare(`UPDATE sla_clocks SET paused_at = NULL, deadline = ?, next_nominal_at = ?, next_reminder_at = ?
      WHERE office_id = ? AND state = ?`),
    insertFired: db.prepare(`INSERT OR IGNORE INTO reminder_timers
      (office_id, state, entry_seq, level, kind, nominal_at, due_at, status, created_at, fired_at)
      VALUES (@office_id, @state, @entry_seq, @level, @kind, @nominal_at, @due_at, 'fired', @created_at, @fired_at)`),
    firedOf: db.prepare<[string], TimerRow>('SELECT * FROM reminder_timers WHERE office_id = ? ORDER BY id'),
    pause: db.prepare<[string], PauseRow>('SELECT * FROM reminder_pauses WHERE office_id = ?'),
    upsertPause: db.prepare(`INSERT INTO reminder_pauses (office_id, paused_at, until, reason, actor)
      VALUES (@office_id, @paused_at, @until, @reason, @actor)
      ON CONFLICT (office_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, actor = excluded.actor`),
    deletePause: db.prepare('DELETE FROM reminder_pauses WHERE office_id = ?'),
    expiredPauses: db.prepare<[string, number], PauseRow>('SELECT * FROM reminder_pauses WHERE until <= ? ORDER BY until LIMIT ?'),
    log: db.prepare(`INSERT INTO reminder_log (office_id, at, type, state, level, detail, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    logOf: db.prepare<[string], LogRow>('SELECT * FROM reminder_log WHERE office_id = ? ORDER BY id'),
    lastLogId: db.prepare<[], { id: number }>('SELECT coalesce(max(id), 0) AS id FROM reminder_log'),
    logSince: db.prepare<[number], LogRow>('SELECT * FROM reminder_log WHERE id > ? ORDER BY id'),
    setting: db.prepare<[string], { value: string }>('SELECT value FROM reminder_settings WHERE key = ?'),
    insertSetting: db.prepare('INSERT OR IGNORE INTO reminder_settings (key, value) VALUES (?, ?)'),
    officeSettings: db.prepare<[string], OfficeReminderSettings>(
      'SELECT time_zone, coordinator_email FROM office_reminder_settings WHERE office_id = ?',
    ),
    upsertOfficeSettings: db.prepare(`INSERT INTO office_reminder_settings (office_id, time_zone, coordinator_email)
      VALUES (@office_id, @time_zone, @coordinator_email)
      ON CONFLICT (office_id) DO UPDATE SET time_zone = excluded.time_zone, coordinator_email = excluded.coordinator_email`),
    linkUsed: db.prepare<[string], { used_at: string; seq: number | null }>('SELECT used_at, seq FROM link_uses WHERE token_id = ?'),
    useLink: db.prepare('INSERT INTO link_uses (token_id, office_id, action, used_at, seq) VALUES (?, ?, ?, ?, ?)'),
  };

  const unclocked = new Map<number, Statement<string[], UnclockedState>>();
  const unclockedOf = (count: number) => {
    let stmt = unclocked.get(count);
    if (!stmt) {
      unclocked.set(
        count,
        (stmt = db.prepare<string[], UnclockedState>(
          `SELECT s.office_id, s.path, s.entered_at FROM office_states s
           WHERE s.is_leaf = 1 AND s.path IN (${Array.from({ length: count }, () => '?').join(',')})
             AND NOT EXISTS (SELECT 1 FROM sla_clocks c WHERE c.office_id = s.office_id AND c.state = s.path)`,
        )),
      );
    }
    return stmt;
  };

  return unitOfWorkOf(db).repository<ReminderStore>({
    insertClock: (row: ClockRow) => void s.insertClock.run(row),
    deleteClock: (officeId: string, state: string) => void s.deleteClock.run(officeId, state),
    clock: (officeId: string, state: string) => s.clock.get(officeId, state),
    clocks: (officeId: string) => s.clocks.all(officeId),
    /** Clocks whose pending timer is due at `now`, earliest first. */
    dueClocks: (now: string, limit: number) => s.due.all(now, limit),
    earliestDue: (now: string) => s.earliestDue.get(now)?.due ?? null,
    /**
     * Claims a clock's pending level and moves it to the next one; false when another pass (or an
     * earlier attempt) already did, the state was left, or the office is paused.
     */
    advanceClock: (row: ClockAdvance) => s.advance.run(row).changes === 1,
    pauseClocks: (officeId: string, at: string) => void s.pauseClocks.run(at, officeId),
    resumeClock: (officeId: string, state: string, deadline: string, nextNominalAt: string | null, nextReminderAt: string | null) =>
      void s.resumeClock.run(deadline, nextNominalAt, nextReminderAt, officeId, state),
    /** Records a fired level; null when that (office, state entry, level) has already fired. */
    insertFiredTimer: (timer: FiredTimer): number | null => {
      const result = s.insertFired.run(timer);
      return result.changes === 1 ? Number(result.lastInsertRowid) : null;
    },
    firedTimers: (officeId: string) => s.firedOf.all(officeId),
    pause: (officeId: string) => s.pause.get(officeId),
    upsertPause: (row: PauseRow) => void s.upsertPause.run(row),
    deletePause: (officeId: string) => void s.deletePause.run(officeId),
    expiredPauses: (now: string, limit: number) => s.expiredPauses.all(now, limit),
    log: (officeId: string, at: string, type: string, state: string | null, level: number | null, detail: object, actor: string) =>
      void s.log.run(officeId, at, type, state, level, JSON.stringify(detail), actor),
    logOf: (officeId: string) => s.logOf.all(officeId),
    /** The newest log row's id (0 when empty), then what was logged after it: what one `sweep` did. */
    lastLogId: () => s.lastLogId.get()!.id,
    logSince: (afterId: number) => s.logSince.all(afterId),
    /** Reads a setting, storing `create()` first if absent (first writer wins). */
    setting: (key: string, create: () => string): string => {
      const existing = s.setting.get(key);
      if (existing) return existing.value;
      s.insertSetting.run(key, create());
      return s.setting.get(key)!.value;
    },
    hasSetting: (key: string) => s.setting.get(key) !== undefined,
    addSetting: (key: string, value: string) => void s.insertSetting.run(key, value),
    officeSettings: (officeId: string) => s.officeSettings.get(officeId) ?? { time_zone: null, coordinator_email: null },
    setOfficeSettings: (officeId: string, timeZone: string | null, coordinatorEmail: string | null) =>
      void s.upsertOfficeSettings.run({ office_id: officeId, time_zone: timeZone, coordinator_email: coordinatorEmail }),
    linkUse: (tokenId: string) => s.linkUsed.get(tokenId),
    useLink: (tokenId: string, officeId: string, action: string, at: string, seq: number | null) =>
      void s.useLink.run(tokenId, officeId, action, at, seq),
    unclockedStates: (paths: string[]) => (paths.length === 0 ? [] : unclockedOf(paths.length).all(...paths)),
  });
}
