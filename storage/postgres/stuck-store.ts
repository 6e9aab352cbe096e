import { stalledClocks } from '../figures-store';
import type { StalledClock, StalledCounts, StalledPageQuery, StuckStore } from '../stuck-store';
import { binary } from './text-order';
import type { PostgresUnitOfWork } from './unit-of-work';

/** Casts of the named parameters that need one (an instant compared in a CASE, say). */
const CASTS: Record<string, string> = { now: '::timestamptz', limit: '::integer', offset: '::integer' };

/**
 * SQL written with SQLite's named parameters (`@now`, as stalledClocks() and the SQLite store write
 * them) as PostgreSQL's positional ones, with the values in that order.
 */
function positional(sql: string, params: Record<string, unknown>): [string, unknown[]] {
  const names: string[] = [];
  const text = sql.replace(/@([a-z]+)\b/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`no value for @${name}`);
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}${CASTS[name] ?? ''}`;
  });
  return [text, names.map((n) => params[n])];
}

/** Milliseconds overdue, as the SQLite store's julianday difference: a paused clock stopped counting when its pause began. */
const OVERDUE_SQL = `(extract(epoch FROM (CASE WHEN c.paused_at IS NOT NULL AND c.paused_at < @now THEN c.paused_at ELSE @now END) - c.deadline) * 1000)`;
/** Ranks an escalated clock above any other (overdue times stay far below it), as on SQLite. */
const STUCK_RANK = '1e13';

const DETAILS = `SELECT c.office_id, o.name, o.country, c.state, c.owner, c.entered_at, c.deadline, c.paused_at,
    c.reminders_sent, c.next_reminder_at, c.escalated_at, p.until AS pause_until, p.reason AS pause_reason,
    (SELECT max(x.sent_at) FROM outbox x WHERE x.office_id = c.office_id AND x.status = 'sent') AS last_email_at
  FROM sla_clocks c JOIN offices o ON o.id = c.office_id LEFT JOIN reminder_pauses p ON p.office_id = c.office_id
  WHERE c.office_id = $1 AND c.state = $2`;

function conditions(query: StalledPageQuery): string {
  return (query.owner ? ' AND c.owner = @owner' : '') + (query.stage ? ' AND c.stage = @stage' : '') + (query.stuckOnly ? ' AND c.escalated_at IS NOT NULL' : '');
}

/** The stuck list's repository on PostgreSQL: the same stalled-clock SQL (stalledClocks()) and answers as on SQLite. */
export function createPostgresStuckStore(unit: PostgresUnitOfWork): StuckStore {
  const run = <R extends object>(sql: string, params: Record<string, unknown>) => {
    const [text, values] = positional(sql, params);
    return unit.query<R & Record<string, unknown>>(text, values);
  };
  const countsOf = (rows: { key: string; stalled: number; stuck: number }[], into: StalledCounts = {}) => {
    for (const row of rows) {
      const entry = (into[row.key] ??= { stalled: 0, stuck: 0 });
      entry.stalled += row.stalled;
      entry.stuck += row.stuck;
    }
    return into;
  };

  return {
    async stalledPage(query) {
      const params = { now: query.now, owner: query.owner ?? null, stage: query.stage ?? null, limit: query.limit, offset: query.offset };
      const clocks = stalledClocks(
        `c.office_id, c.state, CASE WHEN c.escalated_at IS NOT NULL THEN ${STUCK_RANK} ELSE 0 END + ${OVERDUE_SQL} AS rank`,
        conditions(query),
      );
      // Each office's clock of highest rank (SQLite takes the bare `state` of the group's max row).
      const keys = await run<{ office_id: string; state: string }>(
        `SELECT office_id, state FROM (
           SELECT DISTINCT ON (office_id) office_id, state, rank FROM (${clocks}) s ORDER BY office_id, rank DESC, ${binary('state')}) k
         ORDER BY rank DESC, ${binary('office_id')} LIMIT @limit OFFSET @offset`,
        params,
      );
      const [{ n: total }] = (await run<{ n: number }>(`SELECT count(DISTINCT office_id) AS n FROM (${clocks}) s`, params)) as [{ n: number }];
      const page: StalledClock[] = [];
      for (const key of keys) {
        const [details] = await unit.query<Omit<StalledClock, 'other_states'>>(DETAILS, [key.office_id, key.state]);
        const others = await run<{ state: string }>(
          `SELECT state FROM (${stalledClocks('c.state', ' AND c.office_id = @office')}) s WHERE state <> @state ORDER BY ${binary('state')}`,
          { now: query.now, office: key.office_id, state: key.state },
        );
        page.push({ ...details!, other_states: others.map((r) => r.state) });
      }
      return { total, clocks: page };
    },

    async stalledCountsByState(now) {
      const groups = ['c.paused_at IS NULL AND c.deadline <= @now', 'c.paused_at IS NOT NULL AND c.deadline <= c.paused_at AND c.deadline <= @now'];
      const result: StalledCounts = {};
      for (const where of groups) {
        countsOf(
          await run<{ key: string; stalled: number; stuck: number }>(
            `SELECT c.state AS key, count(*) AS stalled, count(c.escalated_at) AS stuck FROM sla_clocks c WHERE ${where}
             GROUP BY c.state ORDER BY ${binary('c.state')}`,
            { now },
          ),
          result,
        );
      }
      return result;
    },

    async stalledOfficesByStage(now) {
      return countsOf(
        await run<{ key: string; stalled: number; stuck: number }>(
          `SELECT stage AS key, count(DISTINCT office_id) AS stalled, count(DISTINCT CASE WHEN escalated THEN office_id END) AS stuck
           FROM (${stalledClocks('c.stage, c.office_id, c.escalated_at IS NOT NULL AS escalated')}) s GROUP BY stage ORDER BY ${binary('stage')}`,
          { now },
        ),
      );
    },
  };
}
