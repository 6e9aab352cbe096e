import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

/**
 * The reads analytics and the forecast make of the history: every transition up to an instant, in
 * one ordered pass over the history's primary key, streamed so memory holds one row at a time.
 */
export interface TransitionRow {
  officeId: string;
  type: string;
  /** JSON array of the leaf paths after the transition. */
  toStates: string;
  at: string;
  /** The workshop of an ENROLLED row (SLA of `enrolled` ends with it), else null. */
  workshopId: string | null;
  /** The reason given with a decline, difficulty, hold or withdrawal, else null. */
  reason: string | null;
}

export interface OfficeInfoRow {
  id: string;
  name: string;
  country: string;
  track: 'kit' | 'internet';
  /** JSON array of {name, email, role?}. */
  contacts: string;
}

interface RawRow {
  office_id: string;
  type: string;
  to_states: string;
  at: string;
  workshop_id: string | null;
  reason: string | null;
}

export interface HistoryReader {
  /** Every history row dated before `end` (ISO instant), by office then sequence. */
  transitionsBefore(end: string): Promise<Iterable<TransitionRow>>;
  offices(): Promise<OfficeInfoRow[]>;
  /** Last day of every workshop known, by id. */
  workshopEnds(): Promise<Map<string, string>>;
  /**
   * Changes whenever a history row or an office is added: history is append-only, so its largest
   * rowid and the office count say whether a result computed from it is still current.
   */
  version(): Promise<string>;
}

export function createHistoryReader(db: Db): HistoryReader {
  const rows = db.prepare<[string], RawRow>(
    `SELECT office_id, type, to_states, at,
            CASE WHEN type = 'ENROLLED' THEN payload ->> '$.workshopId' END AS workshop_id,
            payload ->> '$.reason' AS reason
     FROM history WHERE at < ? ORDER BY office_id, seq`,
  );
  const offices = db.prepare<[], OfficeInfoRow>('SELECT id, name, country, track, contacts FROM offices');
  const workshops = db.prepare<[], { id: string; end_date: string }>('SELECT id, end_date FROM workshops');
  const version = db.prepare<[], { h: number | null; o: number; w: number }>(
    'SELECT (SELECT max(rowid) FROM history) AS h, (SELECT count(*) FROM offices) AS o, (SELECT count(*) FROM workshops) AS w',
  );
  return unitOfWorkOf(db).repository<HistoryReader>({
    *transitionsBefore(end) {
      for (const r of rows.iterate(end)) {
        yield { officeId: r.office_id, type: r.type, toStates: r.to_states, at: r.at, workshopId: r.workshop_id, reason: r.reason };
      }
    },
    offices: () => offices.all(),
    workshopEnds: () => new Map(workshops.all().map((w) => [w.id, w.end_date])),
    version() {
      const v = version.get()!;
      return `${v.h ?? 0}:${v.o}:${v.w}`;
    },
  });
}
