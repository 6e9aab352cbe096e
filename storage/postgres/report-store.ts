import type { PlannedWorkshop, ReportOffice, ReportStore, TrainingAsOf } from '../report-store';
import { binary } from './text-order';
import type { PostgresUnitOfWork } from './unit-of-work';

/**
 * The report's reads on PostgreSQL: the same answers as storage/report-store.ts. The instants given
 * are compared as timestamptz and the day `after` as a date, where SQLite compares the ISO text;
 * for the ISO-8601 UTC text the records carry, both orders agree.
 */
export function createPostgresReportStore(unit: PostgresUnitOfWork): ReportStore {
  const q = unit.query.bind(unit);
  return {
    async offices() {
      return q<ReportOffice & Record<string, unknown>>('SELECT id, name, country, track FROM offices');
    },
    async countEvents(type, start, end) {
      const [row] = await q<{ n: number }>('SELECT count(*) AS n FROM history WHERE type = $1 AND at >= $2 AND at < $3', [type, start, end]);
      return row!.n;
    },
    async trainingAsOf(end) {
      const [row] = await q<TrainingAsOf & Record<string, unknown>>(
        `SELECT count(*) AS "focalPoints", count(DISTINCT f.office_id) AS offices, count(DISTINCT o.country) AS countries
         FROM focal_points f JOIN offices o ON o.id = f.office_id WHERE f.trained_at < $1`,
        [end],
      );
      return { focalPoints: row!.focalPoints, offices: row!.offices, countries: row!.countries };
    },
    async plannedWorkshopsAsOf(after, end) {
      return q<PlannedWorkshop & Record<string, unknown>>(
        `SELECT id, title, city, country, start_date AS start, end_date AS "end" FROM workshops
         WHERE start_date > $1::date AND (created_at IS NULL OR created_at < $2)
           AND NOT (status = 'cancelled' AND (status_at IS NULL OR status_at < $2))
         ORDER BY start_date, ${binary('id')}`,
        [after, end],
      );
    },
    async goldDiskVersionAsOf(end) {
      const [row] = await q<{ version: string }>(
        `SELECT version FROM gold_disk_versions WHERE released_at < $1 AND (recalled_at IS NULL OR recalled_at >= $1)
         ORDER BY released_at DESC, ${binary('version')} DESC LIMIT 1`,
        [end],
      );
      return row?.version ?? null;
    },
  };
}
