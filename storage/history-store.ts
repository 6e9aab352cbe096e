import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

/**
 * The reads analytics and the forecast make of the history: every transition up to an instant, in
 * one ordered pass over the history's primary key, streamed so memory holds one row at a time.
 */
export interface TransitionRow {
  officeId: string;
  /** The row's place in its office's history (1, 2, …). */
  seq: number;
  type: string;
  /** JSON array of the leaf paths after the transition. */
  toStates: string;
  at: string;
  /** The workshop of an ENROLLED row (SLA of `enrolled` ends with it), else null. */
  workshopId: string | null;
  /** The reason given with a decline, difficulty, hold or withdrawal, else null. */
  reason: string | null;
}

/** A row with its place in the whole history: SQLite's rowid, PostgreSQL's event id. */
export interface PositionedTransitionRow extends TransitionRow {
  position: number;
}

export interface TransitionsAfter {
  /** Rows at a position above the one asked, by position (so each office's rows come in sequence). */
  rows: Iterable<PositionedTransitionRow>;
  /**
   * Rows in the whole history as the same read saw it (less than those taken: some were missed), or
   * null where positions grow in commit order and nothing can appear below one read.
   */
  total: number | null;
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
  seq: number;
  type: string;
  to_states: string;
  at: string;
  workshop_id: string | null;
  reason: string | null;
}

export interface HistoryReader {
  /** Every history row dated before `end` (ISO instant), by office then sequence. */
  transitionsBefore(end: string): Promise<Iterable<TransitionRow>>;
  /**
   * Every row at a position above `after`, for extending episodes already built (0: the whole
   * history). On PostgreSQL a row can become visible below a position already read (ids are taken
   * at insert, not commit): the caller re-reads a window below and checks `total`.
   */
  transitionsAfter(after: number): Promise<TransitionsAfter>;
  offices(): Promise<OfficeInfoRow[]>;
  officeCount(): Promise<number>;
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
    `SELECT office_id, seq, type, to_states, at,
            CASE WHEN type = 'ENROLLED' THEN payload ->> '$.workshopId' END AS workshop_id,
            payload ->> '$.reason' AS reason
     FROM history WHERE at < ? ORDER BY office_id, seq`,
  );
  const after = db.prepare<[number], RawRow & { position: number }>(
    `SELECT rowid AS position, office_id, seq, type, to_states, at,
            CASE WHEN type = 'ENROLLED' THEN payload ->> '$.workshopId' END AS workshop_id,
            payload ->> '$.reason' AS reason
     FROM history WHERE rowid > ? ORDER BY rowid`,
  );
  const officeCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM offices');
  const offices = db.prepare<[], OfficeInfoRow>('SELECT id, name, country, track, contacts FROM offices');
  const workshops = db.prepare<[], { id: string; end_date: string }>('SELECT id, end_date FROM workshops');
  const version = db.prepare<[], { h: number | null; o: number; w: number }>(
    'SELECT (SELECT max(rowid) FROM history) AS h, (SELECT count(*) FROM offices) AS o, (SELECT count(*) FROM workshops) AS w',
  );
  return unitOfWorkOf(db).repository<HistoryReader>({
    *transitionsBefore(end) {
      for (const r of rows.iterate(end)) {
        yield { officeId: r.office_id, seq: r.seq, type: r.type, toStates: r.to_states, at: r.at, workshopId: r.workshop_id, reason: r.reason };
      }
    },
    transitionsAfter(position) {
      // One writer: rowids grow in commit order, so nothing appears below one read and no count
      // (a scan of the whole history) is needed.
      const rows = after.all(position).map((r) => ({ position: r.position, officeId: r.office_id, seq: r.seq, type: r.type, toStates: r.to_states, at: r.at, workshopId: r.workshop_id, reason: r.reason }));
      return { rows, total: null };
    },
    offices: () => offices.all(),
    officeCount: () => officeCount.get()!.n,
    workshopEnds: () => new Map(workshops.all().map((w) => [w.id, w.end_date])),
    version() {
      const v = version.get()!;
      return `${v.h ?? 0}:${v.o}:${v.w}`;
    },
  });
}
