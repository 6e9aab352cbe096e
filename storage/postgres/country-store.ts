import type { CountryFiguresRepository, CountryStageCount, CountryStalledCount } from '../country-store';
import { stalledClocks } from '../figures-store';
import type { PostgresUnitOfWork } from './unit-of-work';

/** The map's per-country counts on PostgreSQL: the same queries, and so the same answers, as on SQLite. */
export function createPostgresCountryStore(unit: PostgresUnitOfWork): CountryFiguresRepository {
  return {
    stagesByCountry: () =>
      unit.query<CountryStageCount>('SELECT country, stage, count(*)::int AS offices FROM offices GROUP BY country, stage ORDER BY country, stage'),
    stalledByCountry: (now) =>
      unit.query<CountryStalledCount>(
        `SELECT o.country, count(DISTINCT c.office_id)::int AS stalled FROM (${stalledClocks('c.office_id').replaceAll('@now', '$1::timestamptz')}) c
         JOIN offices o ON o.id = c.office_id GROUP BY o.country ORDER BY o.country`,
        [now],
      ),
  };
}
