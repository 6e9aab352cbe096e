import type { HistoryReader, OfficeInfoRow, PositionedTransitionRow, TransitionRow } from '../history-store';
import type { PostgresUnitOfWork } from './unit-of-work';

/** The history as analytics and the forecast read it, on PostgreSQL. */
export function createPostgresHistoryReader(unit: PostgresUnitOfWork): HistoryReader {
  const q = unit.query.bind(unit);
  return {
    transitionsBefore: (end) =>
      q<TransitionRow>(
        `SELECT office_id AS "officeId", seq, type, to_states::text AS "toStates", at,
                CASE WHEN type = 'ENROLLED' THEN payload ->> 'workshopId' END AS "workshopId",
                payload ->> 'reason' AS reason
         FROM history WHERE at < $1::timestamptz ORDER BY office_id COLLATE "C", seq`,
        [end],
      ),
    async transitionsAfter(position) {
      // One statement, one snapshot: the count is of the same moment as the rows. Rows committed
      // late below `position` are for the caller's re-read window; the count catches older ones.
      const rows = await q<PositionedTransitionRow & { total: number }>(
        `WITH n AS (SELECT count(*)::int AS total FROM history)
         SELECT n.total, h.* FROM n LEFT JOIN LATERAL (
           SELECT event_id AS position, office_id AS "officeId", seq, type, to_states::text AS "toStates", at,
                  CASE WHEN type = 'ENROLLED' THEN payload ->> 'workshopId' END AS "workshopId",
                  payload ->> 'reason' AS reason
           FROM history WHERE event_id > $1::bigint) h ON true
         ORDER BY h.position`,
        [position],
      );
      const total = rows[0]?.total ?? 0;
      // The one row of an empty read carries the count only.
      return { rows: rows.filter((r) => r.officeId !== null), total };
    },
    officeCount: async () => (await q<{ n: number }>('SELECT count(*) AS n FROM offices'))[0]!.n,
    offices: () => q<OfficeInfoRow>('SELECT id, name, country, track, contacts::text AS contacts FROM offices'),
    workshopEnds: async () => new Map((await q<{ id: string; end_date: string }>('SELECT id, end_date FROM workshops')).map((w) => [w.id, w.end_date])),
    async version() {
      // Event ids are taken at insert, not at commit: a row below the largest id may still become
      // visible, so the count of rows says "changed" where the largest id alone would not.
      const [v] = await q<{ h: number | null; n: number; o: number; w: number }>(
        'SELECT (SELECT max(event_id) FROM history) AS h, (SELECT count(*) FROM history) AS n, (SELECT count(*) FROM offices) AS o, (SELECT count(*) FROM workshops) AS w',
      );
      return `${v!.h ?? 0}:${v!.n}:${v!.o}:${v!.w}`;
    },
  };
}
