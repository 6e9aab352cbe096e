import type { HistoryReader, OfficeInfoRow, TransitionRow } from '../history-store';
import type { PostgresUnitOfWork } from './unit-of-work';

/** The history as analytics and the forecast read it, on PostgreSQL. */
export function createPostgresHistoryReader(unit: PostgresUnitOfWork): HistoryReader {
  const q = unit.query.bind(unit);
  return {
    transitionsBefore: (end) =>
      q<TransitionRow>(
        `SELECT office_id AS "officeId", type, to_states::text AS "toStates", at,
                CASE WHEN type = 'ENROLLED' THEN payload ->> 'workshopId' END AS "workshopId",
                payload ->> 'reason' AS reason
         FROM history WHERE at < $1::timestamptz ORDER BY office_id COLLATE "C", seq`,
        [end],
      ),
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
