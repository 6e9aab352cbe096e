import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';
import type { Workshop } from './programme-store';

export type PlannedWorkshop = Pick<Workshop, 'id' | 'title' | 'city' | 'country' | 'start' | 'end'>;

export interface ReportOffice {
  id: string;
  name: string;
  country: string;
  track: string;
}

export interface TrainingAsOf {
  /** Focal points trained before the instant. */
  focalPoints: number;
  /** The offices they belong to. */
  offices: number;
  /** Those offices' countries. */
  countries: number;
}

/**
 * The quarterly progress report's reads. Each "as of" read sees only rows dated before its instant,
 * so a report for a past period does not change when later events arrive.
 */
export interface ReportStore {
  /** Every office registered now, in no particular order. */
  offices(): Promise<ReportOffice[]>;
  /** History rows of one event type dated in [start, end). */
  countEvents(type: string, start: string, end: string): Promise<number>;
  trainingAsOf(end: string): Promise<TrainingAsOf>;
  /** Workshops known before `end`, starting after the day `after`, not cancelled before `end`; by start date. */
  plannedWorkshopsAsOf(after: string, end: string): Promise<PlannedWorkshop[]>;
  /** The Gold Disk version released before `end` and not recalled by then, the latest such; null if none. */
  goldDiskVersionAsOf(end: string): Promise<string | null>;
}

/** The report's reads on SQLite. */
export function createSqliteReportStore(db: Db): ReportStore {
  const s = {
    offices: db.prepare<[], ReportOffice>('SELECT id, name, country, track FROM offices'),
    countEvents: db.prepare<[string, string, string], { n: number }>('SELECT count(*) AS n FROM history WHERE type = ? AND at >= ? AND at < ?'),
    training: db.prepare<[string], TrainingAsOf>(
      `SELECT count(*) AS focalPoints, count(DISTINCT f.office_id) AS offices, count(DISTINCT o.country) AS countries
       FROM focal_points f JOIN offices o ON o.id = f.office_id WHERE f.trained_at < ?`,
    ),
    plannedWorkshops: db.prepare<[string, string, string], PlannedWorkshop>(
      `SELECT id, title, city, country, start_date AS start, end_date AS "end" FROM workshops
       WHERE start_date > ? AND (created_at IS NULL OR created_at < ?)
         AND NOT (status = 'cancelled' AND (status_at IS NULL OR status_at < ?))
       ORDER BY start_date, id`,
    ),
    goldDisk: db.prepare<[string, string], { version: string }>(
      `SELECT version FROM gold_disk_versions WHERE released_at < ? AND (recalled_at IS NULL OR recalled_at >= ?)
       ORDER BY released_at DESC, version DESC LIMIT 1`,
    ),
  };
  return unitOfWorkOf(db).repository<ReportStore>({
    offices: () => s.offices.all(),
    countEvents: (type, start, end) => s.countEvents.get(type, start, end)!.n,
    trainingAsOf: (end) => s.training.get(end)!,
    plannedWorkshopsAsOf: (after, end) => s.plannedWorkshops.all(after, end, end),
    goldDiskVersionAsOf: (end) => s.goldDisk.get(end, end)?.version ?? null,
  });
}
