import { FIGURE_SQL, stalledClocks, type FigureName, type FiguresStore, type HistoryStep, type PauseStep, type StateFigure } from '../figures-store';
import type { PostgresUnitOfWork } from './unit-of-work';

const STATE_FIGURES: StateFigure[] = ['invited', 'preparing', 'installed', 'connected', 'handedOver'];

/** Offices as of $1 (an instant) as rows `o(id, track, stage)`, as the SQLite OFFICES_AS_OF. */
const OFFICES_AS_OF = `WITH last AS (SELECT office_id, max(seq) AS seq FROM history WHERE at < $1::timestamptz GROUP BY office_id),
    leaf AS (SELECT h.office_id, h.to_states ->> 0 AS path
             FROM last JOIN history h ON h.office_id = last.office_id AND h.seq = last.seq),
    o AS (SELECT f.id, f.track, split_part(leaf.path, '.', 1) AS stage
          FROM leaf JOIN offices f ON f.id = leaf.office_id)`;

const withNow = (sql: string, param: string) => sql.replaceAll('@now', param);

/** The figures repository on PostgreSQL: the same SQL conditions (FIGURE_SQL) and answers as on SQLite. */
export function createPostgresFiguresStore(unit: PostgresUnitOfWork): FiguresStore {
  const q = unit.query.bind(unit);
  const datesAsOf = async (end: string, figure: FigureName, event: string) =>
    (
      await q<{ at: string | null }>(
        `${OFFICES_AS_OF}
         SELECT (SELECT max(h.at) FROM history h WHERE h.office_id = o.id AND h.type = $2 AND h.at < $1::timestamptz) AS at
         FROM o WHERE ${FIGURE_SQL[figure]} ORDER BY 1 NULLS FIRST`,
        [end, event],
      )
    ).map((r) => r.at);
  return {
    async countFigures(now) {
      const [states] = await q<Record<StateFigure, number>>(
        `SELECT ${STATE_FIGURES.map((name) => `count(*) FILTER (WHERE ${FIGURE_SQL[name]}) AS "${name}"`).join(', ')} FROM offices o`,
      );
      const [clocks] = await q<{ stalled: number; stuck: number }>(
        `SELECT count(DISTINCT office_id) AS stalled, count(DISTINCT CASE WHEN escalated THEN office_id END) AS stuck
         FROM (${withNow(stalledClocks('c.office_id, c.escalated_at IS NOT NULL AS escalated'), '$1::timestamptz')}) s`,
        [now],
      );
      return { ...states!, ...clocks! };
    },
    async countStateFiguresAsOf(end) {
      const [row] = await q<Record<StateFigure, number>>(
        `${OFFICES_AS_OF} SELECT ${STATE_FIGURES.map((name) => `count(*) FILTER (WHERE ${FIGURE_SQL[name]}) AS "${name}"`).join(', ')} FROM o`,
        [end],
      );
      return row!;
    },
    installationDatesAsOf: (end) => datesAsOf(end, 'installed', 'KIT_INSTALLED'),
    connectionDatesAsOf: (end) => datesAsOf(end, 'connected', 'SERVICES_CONNECTED'),
    installationsByMonthNow: () =>
      q<{ month: string; n: number }>(
        `SELECT month, sum(n) AS n FROM (
           SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS n FROM history WHERE type = 'KIT_INSTALLED' GROUP BY 1
           UNION ALL
           SELECT to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM'), -count(*) FROM offices o JOIN history h ON h.office_id = o.id
           WHERE o.stage = 'withdrawn' AND h.type = 'KIT_INSTALLED' GROUP BY 1) m
         GROUP BY month HAVING sum(n) > 0 ORDER BY month`,
      ),
    leavesAsOf: async (end) =>
      (
        await q<{ id: string; to_states: string[] }>(
          `WITH last AS (SELECT office_id, max(seq) AS seq FROM history WHERE at < $1::timestamptz GROUP BY office_id)
           SELECT h.office_id AS id, h.to_states FROM last JOIN history h ON h.office_id = last.office_id AND h.seq = last.seq`,
          [end],
        )
      ).map((r) => ({ id: r.id, leaves: r.to_states })),
    historyBefore: (end) =>
      q<HistoryStep>(
        `SELECT office_id, seq, type, to_states::text AS to_states, at,
                CASE WHEN type = 'ENROLLED' THEN payload ->> 'workshopId' END AS workshop_id
         FROM history WHERE at < $1::timestamptz ORDER BY office_id COLLATE "C", seq`,
        [end],
      ),
    officeFacts: async () => {
      const rows = await q<{ id: string; name: string; country: string; track: string; time_zone: string | null }>(
        'SELECT o.id, o.name, o.country, o.track, s.time_zone FROM offices o LEFT JOIN office_reminder_settings s ON s.office_id = o.id',
      );
      return new Map(rows.map((r) => [r.id, { name: r.name, country: r.country, track: r.track, timeZone: r.time_zone }]));
    },
    workshopEndDays: async () => new Map((await q<{ id: string; end_date: string }>('SELECT id, end_date FROM workshops')).map((w) => [w.id, w.end_date])),
    escalatedBefore: async (end) => {
      const rows = await q<{ office_id: string; state: string; entry_seq: number }>(
        "SELECT office_id, state, entry_seq FROM reminder_timers WHERE kind = 'escalation' AND fired_at < $1::timestamptz",
        [end],
      );
      return new Set(rows.map((r) => `${r.office_id}\u0000${r.state}\u0000${r.entry_seq}`));
    },
    pauseStepsBefore: (end) =>
      q<PauseStep>(
        `SELECT office_id, type, at FROM reminder_log WHERE type IN ('PAUSED', 'RESUMED') AND at < $1::timestamptz ORDER BY office_id COLLATE "C", id`,
        [end],
      ),
  };
}
