import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import { stalledClocks } from './figures-store';
import type { ClockRow } from './reminder-store';
import { unitOfWorkOf } from './unit-of-work';

/**
 * Stalled clocks read from `sla_clocks` for the stuck list and its counts. A clock is stalled once
 * its deadline has passed (a paused one, only if it had passed when the pause began); it is stuck
 * once escalated.
 */
export type StalledClock = Omit<ClockRow, 'entry_seq' | 'stage' | 'next_level' | 'next_nominal_at'> & {
  name: string;
  country: string;
  pause_until: string | null;
  pause_reason: string | null;
  last_email_at: string | null;
  /** The office's other stalled states (another region, say), by path. */
  other_states: string[];
};

export interface StalledPageQuery {
  now: string;
  /** Only the escalated clocks. */
  stuckOnly?: boolean;
  owner?: 'office' | 'wipo';
  stage?: string;
  limit: number;
  offset: number;
}

export type StalledCounts = Record<string, { stalled: number; stuck: number }>;

export interface StuckStore {
  /**
   * One page of stalled offices, each once: stuck ones (escalated) first, then the others, most
   * overdue first within each, with each office's stuck or else most overdue stalled clock.
   * `total` counts every stalled office the query matches.
   */
  stalledPage(query: StalledPageQuery): Promise<{ total: number; clocks: StalledClock[] }>;
  /** Stalled and stuck clocks per leaf state path. */
  stalledCountsByState(now: string): Promise<StalledCounts>;
  /** Stalled and stuck offices per top-level stage, each office once per stage. */
  stalledOfficesByStage(now: string): Promise<StalledCounts>;
}

/** Details of one clock, fetched only for the rows on the page. */
const DETAILS = `SELECT c.office_id, o.name, o.country, c.state, c.owner, c.entered_at, c.deadline, c.paused_at,
    c.reminders_sent, c.next_reminder_at, c.escalated_at, p.until AS pause_until, p.reason AS pause_reason,
    (SELECT max(x.sent_at) FROM outbox x WHERE x.office_id = c.office_id AND x.status = 'sent') AS last_email_at
  FROM sla_clocks c JOIN offices o ON o.id = c.office_id LEFT JOIN reminder_pauses p ON p.office_id = c.office_id
  WHERE c.office_id = ? AND c.state = ?`;

/** Milliseconds overdue: a paused clock stopped counting when its pause began. */
const OVERDUE_SQL = `(julianday(CASE WHEN c.paused_at IS NOT NULL AND c.paused_at < @now THEN c.paused_at ELSE @now END) - julianday(c.deadline)) * 86400000.0`;
/** Ranks an escalated clock above any other (overdue times stay far below it), then by time overdue. */
const STUCK_RANK = 1e13;

function conditions(query: StalledPageQuery): string {
  return (query.owner ? ' AND c.owner = @owner' : '') + (query.stage ? ' AND c.stage = @stage' : '') + (query.stuckOnly ? ' AND c.escalated_at IS NOT NULL' : '');
}

export function createStuckStore(db: Db): StuckStore {
  // Each statement binds its own parameter shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type AnyStatement = Statement<any, unknown>;
  // Prepared once per filter shape (owner, stage and status each on or off).
  const cache = new Map<string, AnyStatement>();
  const prepared = (sql: string): AnyStatement => {
    let stmt = cache.get(sql);
    if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };

  return unitOfWorkOf(db).repository<StuckStore>({
    stalledPage(query) {
      const params = { now: query.now, owner: query.owner ?? null, stage: query.stage ?? null, limit: query.limit, offset: query.offset };
      // SQLite takes the bare `state` from the row of the group's max rank.
      const clocks = stalledClocks(`c.office_id, c.state, (c.escalated_at IS NOT NULL) * ${STUCK_RANK} + ${OVERDUE_SQL} AS rank`, conditions(query));
      const keys = prepared(
        `SELECT office_id, state, max(rank) AS rank FROM (${clocks}) GROUP BY office_id ORDER BY rank DESC, office_id LIMIT @limit OFFSET @offset`,
      ).all(params) as { office_id: string; state: string }[];
      const total = (prepared(`SELECT count(DISTINCT office_id) AS n FROM (${clocks})`).get(params) as { n: number }).n;
      const details = prepared(DETAILS);
      const others = prepared(`SELECT state FROM (${stalledClocks('c.state', ' AND c.office_id = @office')}) WHERE state <> @state ORDER BY state`);
      return {
        total,
        clocks: keys.map((key) => ({
          ...(details.get([key.office_id, key.state]) as Omit<StalledClock, 'other_states'>),
          other_states: (others.all({ now: query.now, office: key.office_id, state: key.state }) as { state: string }[]).map((r) => r.state),
        })),
      };
    },

    // One range of the covering `deadline` index for running clocks (grouped by the state it
    // carries) plus the few paused ones.
    stalledCountsByState(now) {
      const groups = ['c.paused_at IS NULL AND c.deadline <= @now', 'c.paused_at IS NOT NULL AND c.deadline <= c.paused_at AND c.deadline <= @now'];
      const result: StalledCounts = {};
      for (const where of groups) {
        const rows = prepared(
          `SELECT c.state, count(*) AS stalled, count(c.escalated_at) AS stuck FROM sla_clocks c WHERE ${where} GROUP BY c.state`,
        ).all({ now }) as { state: string; stalled: number; stuck: number }[];
        for (const row of rows) {
          const entry = (result[row.state] ??= { stalled: 0, stuck: 0 });
          entry.stalled += row.stalled;
          entry.stuck += row.stuck;
        }
      }
      return result;
    },

    stalledOfficesByStage(now) {
      const rows = prepared(
        `SELECT stage, count(DISTINCT office_id) AS stalled, count(DISTINCT CASE WHEN escalated THEN office_id END) AS stuck
         FROM (${stalledClocks('c.stage, c.office_id, c.escalated_at IS NOT NULL AS escalated')}) GROUP BY stage`,
      ).all({ now }) as { stage: string; stalled: number; stuck: number }[];
      return Object.fromEntries(rows.map((r) => [r.stage, { stalled: r.stalled, stuck: r.stuck }]));
    },
  });
}
