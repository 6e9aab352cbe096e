import type { Statement } from 'better-sqlite3';
import type { Db } from '../storage/db';
import { stalledClocks } from '../storage/figures-store';
import type { ClockRow as StoredClockRow } from '../storage/reminder-store';

/**
 * Stalled and stuck offices, read from `sla_clocks` (one row per active leaf state with an SLA
 * policy, kept in the same transaction as each transition). An office is *stalled* in a state once
 * its deadline (entry + SLA + paused time) has passed, *stuck* once it has been escalated.
 * While a pause runs, the clock is frozen at the moment it started.
 */
export interface StuckRow {
  officeId: string;
  name: string;
  country: string;
  state: string;
  owner: 'office' | 'wipo';
  enteredAt: string;
  daysInState: number;
  daysOverdue: number;
  remindersSent: number;
  lastEmailAt: string | null;
  nextReminderAt: string | null;
  escalated: boolean;
  pausedUntil: string | null;
  pauseReason: string | null;
  /** The office's other stalled states (another region, say). */
  otherStates: string[];
}

export interface StuckFilter {
  /** `stuck`: only the offices escalated after their reminders. */
  status?: 'stuck';
  owner?: 'office' | 'wipo';
  stage?: string;
  limit?: number;
  offset?: number;
}

const DAY = 86_400_000;

/** A stored clock joined with its office, pause and last email. */
type ClockRow = Omit<StoredClockRow, 'entry_seq' | 'stage' | 'next_level' | 'next_nominal_at'> & {
  name: string;
  country: string;
  pause_until: string | null;
  pause_reason: string | null;
  last_email_at: string | null;
};

/** Details of one clock, fetched only for the rows on the page. */
const DETAILS = `SELECT c.office_id, o.name, o.country, c.state, c.owner, c.entered_at, c.deadline, c.paused_at,
    c.reminders_sent, c.next_reminder_at, c.escalated_at, p.until AS pause_until, p.reason AS pause_reason,
    (SELECT max(x.sent_at) FROM outbox x WHERE x.office_id = c.office_id AND x.status = 'sent') AS last_email_at
  FROM sla_clocks c JOIN offices o ON o.id = c.office_id LEFT JOIN reminder_pauses p ON p.office_id = c.office_id
  WHERE c.office_id = ? AND c.state = ?`;

function conditions(filter: StuckFilter): string {
  return (filter.owner ? ' AND c.owner = @owner' : '') + (filter.stage ? ' AND c.stage = @stage' : '');
}

// Each statement binds its own parameter shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStatement = Statement<any, unknown>;
const statements = new WeakMap<Db, Map<string, AnyStatement>>();

/** Statements are prepared once per database and filter shape. */
function prepared(db: Db, sql: string): AnyStatement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/** Milliseconds overdue: a paused clock stopped counting when its pause began. */
function overdueMs(row: { deadline: string; paused_at: string | null }, now: number): number {
  const until = row.paused_at ? Math.min(Date.parse(row.paused_at), now) : now;
  return until - Date.parse(row.deadline);
}

function toStuckRow(row: ClockRow, now: number): Omit<StuckRow, 'otherStates'> {
  return {
    officeId: row.office_id,
    name: row.name,
    country: row.country,
    state: row.state,
    owner: row.owner,
    enteredAt: row.entered_at,
    daysInState: Math.max(0, Math.floor((now - Date.parse(row.entered_at)) / DAY)),
    daysOverdue: Math.max(0, Math.floor(overdueMs(row, now) / DAY)),
    remindersSent: row.reminders_sent,
    lastEmailAt: row.last_email_at,
    nextReminderAt: row.paused_at ? null : row.next_reminder_at,
    escalated: row.escalated_at !== null,
    pausedUntil: row.pause_until,
    pauseReason: row.pause_reason,
  };
}

/** Milliseconds overdue in SQL, as `overdueMs`. */
const OVERDUE_SQL = `(julianday(CASE WHEN c.paused_at IS NOT NULL AND c.paused_at < @now THEN c.paused_at ELSE @now END) - julianday(c.deadline)) * 86400000.0`;
/** Ranks an escalated clock above any other (overdue times stay far below it), then by time overdue. */
const STUCK_RANK = 1e13;

/**
 * Stalled offices, each once: stuck ones (escalated) first, then the others, most overdue first
 * within each. An office's row shows its stuck or else most overdue stalled state (SQLite takes the
 * bare `state` from the row of the group's max rank); `otherStates` names the others. `total` is
 * the stalled figure of engine/figures.ts (or the stuck one with `status: 'stuck'`) when no owner
 * or stage filter is given. Names, pauses and last emails are read for the rows on the page only.
 */
export function listStuck(db: Db, now: Date, filter: StuckFilter = {}): { rows: StuckRow[]; total: number } {
  const t = now.getTime();
  const params = { now: now.toISOString(), owner: filter.owner ?? null, stage: filter.stage ?? null, limit: filter.limit ?? 100, offset: filter.offset ?? 0 };
  const where = conditions(filter) + (filter.status === 'stuck' ? ' AND c.escalated_at IS NOT NULL' : '');
  const clocks = stalledClocks(`c.office_id, c.state, (c.escalated_at IS NOT NULL) * ${STUCK_RANK} + ${OVERDUE_SQL} AS rank`, where);
  const keys = prepared(
    db,
    `SELECT office_id, state, max(rank) AS rank FROM (${clocks}) GROUP BY office_id ORDER BY rank DESC, office_id LIMIT @limit OFFSET @offset`,
  ).all(params) as { office_id: string; state: string }[];
  const total = (prepared(db, `SELECT count(DISTINCT office_id) AS n FROM (${clocks})`).get(params) as { n: number }).n;
  const details = prepared(db, DETAILS);
  const others = prepared(db, `SELECT state FROM (${stalledClocks('c.state', ' AND c.office_id = @office')}) WHERE state <> @state ORDER BY state`);
  return {
    total,
    rows: keys.map((key) => ({
      ...toStuckRow(details.get([key.office_id, key.state]) as ClockRow, t),
      otherStates: (others.all({ now: params.now, office: key.office_id, state: key.state }) as { state: string }[]).map((r) => r.state),
    })),
  };
}

/**
 * Stalled and stuck counts per leaf state path: one range of the covering `deadline` index for
 * running clocks (grouped by the state it carries) plus the few paused ones.
 */
export function stalledCountsByState(db: Db, now: Date): Record<string, { stalled: number; stuck: number }> {
  const params = { now: now.toISOString() };
  const groups = [
    'c.paused_at IS NULL AND c.deadline <= @now',
    'c.paused_at IS NOT NULL AND c.deadline <= c.paused_at AND c.deadline <= @now',
  ];
  const result: Record<string, { stalled: number; stuck: number }> = {};
  for (const where of groups) {
    const rows = prepared(
      db,
      `SELECT c.state, count(*) AS stalled, count(c.escalated_at) AS stuck FROM sla_clocks c WHERE ${where} GROUP BY c.state`,
    ).all(params) as { state: string; stalled: number; stuck: number }[];
    for (const row of rows) {
      const entry = (result[row.state] ??= { stalled: 0, stuck: 0 });
      entry.stalled += row.stalled;
      entry.stuck += row.stuck;
    }
  }
  return result;
}

/** Stalled and stuck offices per top-level stage, each office once (an office stalled in both regions of `preparing` is one). */
export function stalledOfficesByStage(db: Db, now: Date): Record<string, { stalled: number; stuck: number }> {
  const rows = prepared(
    db,
    `SELECT stage, count(DISTINCT office_id) AS stalled, count(DISTINCT CASE WHEN escalated THEN office_id END) AS stuck
     FROM (${stalledClocks('c.stage, c.office_id, c.escalated_at IS NOT NULL AS escalated')}) GROUP BY stage`,
  ).all({ now: now.toISOString() }) as { stage: string; stalled: number; stuck: number }[];
  return Object.fromEntries(rows.map((r) => [r.stage, { stalled: r.stalled, stuck: r.stuck }]));
}
