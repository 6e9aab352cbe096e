import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';
import { stalledClocks } from './figures-store';

/** Offices of one country in one top-level stage. */
export interface CountryStageCount {
  country: string;
  stage: string;
  offices: number;
}

/** Offices of one country stalled at an instant (an office stalled in two regions counts once). */
export interface CountryStalledCount {
  country: string;
  stalled: number;
}

/** The per-country figures of the map, read with the same conditions as the office lists they open. */
export interface CountryFiguresRepository {
  /** Every office counted by country and stage: the sums per country are `/api/offices?country=XX`'s totals. */
  stagesByCountry(): Promise<CountryStageCount[]>;
  /** The stalled offices per country at `now`: the same set as `/api/offices?stalled=1&country=XX`. */
  stalledByCountry(now: string): Promise<CountryStalledCount[]>;
}

/** The SQLite implementation, its statements prepared once. */
export function createSqliteCountryStore(db: Db): CountryFiguresRepository {
  const stages = db.prepare<[], CountryStageCount>('SELECT country, stage, count(*) AS offices FROM offices GROUP BY country, stage ORDER BY country, stage');
  // The stalled clocks (the source of the stalled figure and the /stuck list), one office once.
  const stalled = db.prepare<[{ now: string }], CountryStalledCount>(
    `SELECT o.country, count(DISTINCT c.office_id) AS stalled FROM (${stalledClocks('c.office_id')}) c
     JOIN offices o ON o.id = c.office_id GROUP BY o.country ORDER BY o.country`,
  );
  return unitOfWorkOf(db).repository<CountryFiguresRepository>({
    stagesByCountry: () => stages.all(),
    stalledByCountry: (now: string) => stalled.all({ now }),
  });
}
