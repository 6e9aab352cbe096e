import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClockAdvance, ClockRow, FiredTimer, LogRow, OfficeReminderSettings, PauseRow, ReminderStore, TimerRow, UnclockedState } from '../reminder-store';
import { binary } from './text-order';
import type { PostgresUnitOfWork } from './unit-of-work';

/** The columns of a ClockRow (the lease columns are PostgreSQL's own and not part of the answer). */
const CLOCK = `office_id, state, entry_seq, stage, owner, entered_at, deadline, paused_at, reminders_sent, next_reminder_at,
  escalated_at, next_level, next_nominal_at`;

/**
 * How long a due clock stays claimed by the server that read it. Inside the scheduler's transaction
 * the row lock already keeps other servers off; the lease covers a read made outside one, whose
 * locks end with the statement. Expired, the clock is taken again.
 */
const CLOCK_LEASE = '2 minutes';

/**
 * The keys of each log type's detail as the reminders write them (reminders/reminders.ts,
 * server/links/pages.ts): jsonb keeps keys sorted by length, SQLite keeps the text as written.
 */
const DETAIL_KEYS: Record<string, readonly string[]> = {
  REMINDER_SENT: ['messageId', 'to', 'of'],
  ESCALATED: ['messageId', 'to'],
  PAUSED: ['until', 'reason'],
  LINK_USED: ['action', 'event', 'seq'],
};

function detailText(type: string, detail: unknown): string {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return JSON.stringify(detail);
  const value = detail as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of DETAIL_KEYS[type] ?? []) if (Object.prototype.hasOwnProperty.call(value, key)) ordered[key] = value[key];
  for (const [key, v] of Object.entries(value)) if (!(key in ordered)) ordered[key] = v;
  return JSON.stringify(ordered);
}

type StoredLog = Omit<LogRow, 'detail'> & { detail: unknown };
const logRow = (r: StoredLog): LogRow => ({ ...r, detail: detailText(r.type, r.detail) });
const LOG = 'id, office_id, at, type, state, level, detail, actor';

/**
 * The reminders repository on PostgreSQL: the same interface and answers as the SQLite one. Several
 * servers may run the scheduler on one database: `dueClocks` locks the clocks it returns
 * (`FOR UPDATE SKIP LOCKED`) and leases them to this repository's server, so another server's pass
 * skips them; `advanceClock` ends the lease with the level it fires, and reminder_timers' UNIQUE key
 * fires each level once whatever happens.
 */
export function createPostgresReminderStore(unit: PostgresUnitOfWork): ReminderStore {
  const q = unit.query.bind(unit);
  const server = `${hostname()}:${process.pid}:${randomUUID()}`;
  return {
    async insertClock(row: ClockRow) {
      // INSERT OR REPLACE: a new row, so no lease survives.
      await q(
        `INSERT INTO sla_clocks (${CLOCK}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (office_id, state) DO UPDATE SET entry_seq = excluded.entry_seq, stage = excluded.stage, owner = excluded.owner,
           entered_at = excluded.entered_at, deadline = excluded.deadline, paused_at = excluded.paused_at,
           reminders_sent = excluded.reminders_sent, next_reminder_at = excluded.next_reminder_at, escalated_at = excluded.escalated_at,
           next_level = excluded.next_level, next_nominal_at = excluded.next_nominal_at, lease_owner = NULL, lease_until = NULL`,
        [row.office_id, row.state, row.entry_seq, row.stage, row.owner, row.entered_at, row.deadline, row.paused_at, row.reminders_sent,
          row.next_reminder_at, row.escalated_at, row.next_level, row.next_nominal_at],
      );
    },
    async deleteClock(officeId, state) {
      await q('DELETE FROM sla_clocks WHERE office_id = $1 AND state = $2', [officeId, state]);
    },
    clock: async (officeId, state) => (await q<ClockRow>(`SELECT ${CLOCK} FROM sla_clocks WHERE office_id = $1 AND state = $2`, [officeId, state]))[0],
    clocks: (officeId) => q<ClockRow>(`SELECT ${CLOCK} FROM sla_clocks WHERE office_id = $1 ORDER BY ${binary('state')}`, [officeId]),

    async dueClocks(now, limit) {
      // Clocks locked by another server's open pass are skipped, as are those it leased and whose
      // lease still runs; this server's own lease is no bar (a pass that read but did not fire).
      const rows = await q<ClockRow>(
        `WITH due AS (
           SELECT office_id, state FROM sla_clocks
           WHERE next_reminder_at <= $1::timestamptz AND (lease_owner IS NULL OR lease_owner = $3 OR lease_until <= $1::timestamptz)
           ORDER BY next_reminder_at, ${binary('office_id')}, ${binary('state')} LIMIT $2
           FOR UPDATE SKIP LOCKED)
         UPDATE sla_clocks c SET lease_owner = $3, lease_until = $1::timestamptz + $4::interval
         FROM due WHERE c.office_id = due.office_id AND c.state = due.state
         RETURNING ${CLOCK.split(',').map((col) => `c.${col.trim()}`).join(', ')}`,
        [now, limit, server, CLOCK_LEASE],
      );
      // UPDATE … RETURNING keeps no order: the due order again (ISO instants of one width sort as text).
      const key = (r: ClockRow) => [r.next_reminder_at!, r.office_id, r.state];
      return rows.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Buffer.compare(Buffer.from(x[i]!), Buffer.from(y[i]!));
        return 0;
      });
    },
    earliestDue: async (now) =>
      (await q<{ due: string | null }>('SELECT min(next_reminder_at) AS due FROM sla_clocks WHERE next_reminder_at <= $1::timestamptz', [now]))[0]!.due,

    async advanceClock(row: ClockAdvance) {
      const changed = await q(
        `UPDATE sla_clocks SET reminders_sent = $1, escalated_at = $2, next_level = $3, next_nominal_at = $4, next_reminder_at = $5,
           lease_owner = NULL, lease_until = NULL
         WHERE office_id = $6 AND state = $7 AND entry_seq = $8 AND next_level = $9 AND next_reminder_at IS NOT NULL
         RETURNING 1`,
        [row.reminders_sent, row.escalated_at, row.next_level, row.next_nominal_at, row.next_reminder_at, row.office_id, row.state, row.entry_seq, row.level],
      );
      return changed.length === 1;
    },
    async pauseClocks(officeId, at) {
      await q('UPDATE sla_clocks SET paused_at = $1, next_reminder_at = NULL WHERE office_id = $2 AND paused_at IS NULL', [at, officeId]);
    },
    async resumeClock(officeId, state, deadline, nextNominalAt, nextReminderAt) {
      await q('UPDATE sla_clocks SET paused_at = NULL, deadline = $1, next_nominal_at = $2, next_reminder_at = $3 WHERE office_id = $4 AND state = $5', [
        deadline, nextNominalAt, nextReminderAt, officeId, state,
      ]);
    },

    async insertFiredTimer(timer: FiredTimer) {
      // NOT EXISTS first: a level fired already takes no identity value, so ids run as SQLite's do.
      // ON CONFLICT covers two servers inserting the same level at once (the second waits, then skips).
      const rows = await q<{ id: number }>(
        `INSERT INTO reminder_timers (office_id, state, entry_seq, level, kind, nominal_at, due_at, status, created_at, fired_at)
         SELECT $1::text, $2::text, $3::integer, $4::integer, $5::text, $6::timestamptz, $7::timestamptz, 'fired', $8::timestamptz, $9::timestamptz
         WHERE NOT EXISTS (SELECT 1 FROM reminder_timers WHERE office_id = $1 AND state = $2 AND entry_seq = $3 AND level = $4)
         ON CONFLICT (office_id, state, entry_seq, level) DO NOTHING
         RETURNING id`,
        [timer.office_id, timer.state, timer.entry_seq, timer.level, timer.kind, timer.nominal_at, timer.due_at, timer.created_at, timer.fired_at],
      );
      return rows[0]?.id ?? null;
    },
    firedTimers: (officeId) =>
      q<TimerRow>(
        `SELECT id, office_id, state, entry_seq, level, kind, nominal_at, due_at, status, created_at, fired_at
         FROM reminder_timers WHERE office_id = $1 ORDER BY id`,
        [officeId],
      ),

    pause: async (officeId) => (await q<PauseRow>('SELECT office_id, paused_at, until, reason, actor FROM reminder_pauses WHERE office_id = $1', [officeId]))[0],
    async upsertPause(row: PauseRow) {
      await q(
        `INSERT INTO reminder_pauses (office_id, paused_at, until, reason, actor) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (office_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, actor = excluded.actor`,
        [row.office_id, row.paused_at, row.until, row.reason, row.actor],
      );
    },
    async deletePause(officeId) {
      await q('DELETE FROM reminder_pauses WHERE office_id = $1', [officeId]);
    },
    expiredPauses: (now, limit) =>
      q<PauseRow>(
        `SELECT office_id, paused_at, until, reason, actor FROM reminder_pauses WHERE until <= $1::timestamptz
         ORDER BY until, ${binary('office_id')} LIMIT $2`,
        [now, limit],
      ),

    async log(officeId, at, type, state, level, detail, actor) {
      await q('INSERT INTO reminder_log (office_id, at, type, state, level, detail, actor) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)', [
        officeId, at, type, state, level, JSON.stringify(detail), actor,
      ]);
    },
    logOf: async (officeId) => (await q<StoredLog>(`SELECT ${LOG} FROM reminder_log WHERE office_id = $1 ORDER BY id`, [officeId])).map(logRow),
    lastLogId: async () => (await q<{ id: number }>('SELECT coalesce(max(id), 0)::bigint AS id FROM reminder_log'))[0]!.id,
    logSince: async (afterId) => (await q<StoredLog>(`SELECT ${LOG} FROM reminder_log WHERE id > $1 ORDER BY id`, [afterId])).map(logRow),

    async setting(key, create) {
      const read = async () => (await q<{ value: string }>('SELECT value FROM reminder_settings WHERE key = $1', [key]))[0]?.value;
      const existing = await read();
      if (existing !== undefined) return existing;
      await q('INSERT INTO reminder_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, create()]);
      return (await read())!;
    },
    hasSetting: async (key) => (await q('SELECT 1 FROM reminder_settings WHERE key = $1', [key])).length > 0,
    async addSetting(key, value) {
      await q('INSERT INTO reminder_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
    },
    officeSettings: async (officeId) =>
      (await q<OfficeReminderSettings>('SELECT time_zone, coordinator_email FROM office_reminder_settings WHERE office_id = $1', [officeId]))[0] ?? {
        time_zone: null,
        coordinator_email: null,
      },
    async setOfficeSettings(officeId, timeZone, coordinatorEmail) {
      await q(
        `INSERT INTO office_reminder_settings (office_id, time_zone, coordinator_email) VALUES ($1, $2, $3)
         ON CONFLICT (office_id) DO UPDATE SET time_zone = excluded.time_zone, coordinator_email = excluded.coordinator_email`,
        [officeId, timeZone, coordinatorEmail],
      );
    },
    linkUse: async (tokenId) => (await q<{ used_at: string; seq: number | null }>('SELECT used_at, seq FROM link_uses WHERE token_id = $1', [tokenId]))[0],
    async useLink(tokenId, officeId, action, at, seq) {
      await q('INSERT INTO link_uses (token_id, office_id, action, used_at, seq) VALUES ($1, $2, $3, $4, $5)', [tokenId, officeId, action, at, seq]);
    },
    unclockedStates: async (paths) =>
      paths.length === 0
        ? []
        : q<UnclockedState>(
            `SELECT s.office_id, s.path, s.entered_at FROM office_states s
             WHERE s.is_leaf AND s.path = ANY($1::text[])
               AND NOT EXISTS (SELECT 1 FROM sla_clocks c WHERE c.office_id = s.office_id AND c.state = s.path)
             ORDER BY ${binary('s.office_id')}, ${binary('s.path')}`,
            [paths],
          ),
  };
}
