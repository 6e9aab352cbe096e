import { openDatabase, type Db } from './db';

/** A workshop row as the import format needs it. */
export interface ExportWorkshop {
  id: string;
  title: string;
  city: string;
  country: string;
  startDate: string;
  endDate: string;
  capacity: number;
  status: string;
}

/** An office's details, carried by its registration row. */
export interface ExportOffice {
  id: string;
  name: string;
  country: string;
  city: string | null;
  language: string;
  track: string;
  contacts: unknown;
}

export interface ExportHistoryRow {
  officeId: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  at: string;
  /** On a REGISTERED row: the office as it is stored now; null when its row is gone. */
  office?: ExportOffice | null;
}

/** One line of the audit trail: an office transition or an account action. */
export interface AuditTrailRow {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/**
 * Reads of one consistent state of the database: every read sees the same committed transactions,
 * whatever commits while it runs. Rows come in keyset-paged chunks, so a long download holds no
 * more than a chunk in memory.
 */
export interface ExportSnapshot {
  /** Every workshop, by id. */
  workshops(): AsyncIterable<ExportWorkshop>;
  /** Every history row by time, then office, then sequence. */
  history(): AsyncIterable<ExportHistoryRow>;
  /** Office transitions and account actions with `from <= at < to`, oldest first. */
  auditTrail(period: { from: string; to: string }): AsyncIterable<AuditTrailRow>;
  /** Ends the snapshot; safe to call more than once. */
  close(): Promise<void>;
}

/** Exports (GET /api/export, GET /api/audit?format=…, `cli export`): snapshots that do not hold up writers. */
export interface ExportStore {
  /** A snapshot as of now; close it when done. */
  openSnapshot(): Promise<ExportSnapshot>;
}

export interface SqliteExportStoreOptions {
  /** The database file (in WAL mode, as storage/db.ts opens it). */
  file: string;
  busyTimeoutMs?: number;
}

const CHUNK = 1000;

/**
 * Each snapshot is a read transaction on a read-only connection of its own to the same file. In WAL
 * mode a reader keeps the view of the moment its transaction began while writers go on committing
 * on the server's connection, so the download neither tears nor blocks them; it only keeps the
 * WAL from being checkpointed past its mark until it ends. On the server's own connection the
 * transaction would either wait for (and stop) every writer for the whole download, or, in between
 * the chunks, let their statements into it.
 */
export function createSqliteExportStore(options: SqliteExportStoreOptions): ExportStore {
  return {
    async openSnapshot() {
      if (options.file === ':memory:') throw new Error('an export reads its snapshot on a second connection, which an in-memory database cannot have');
      const db = openDatabase(options.file, { readonly: true, busyTimeoutMs: options.busyTimeoutMs });
      try {
        db.exec('BEGIN');
        // BEGIN takes no snapshot by itself: the first read does, so the view is fixed here and
        // not at whatever later moment the first chunk is read.
        db.prepare('SELECT count(*) FROM sqlite_schema').get();
      } catch (error) {
        db.close();
        throw error;
      }
      return sqliteSnapshot(db);
    },
  };
}

interface WorkshopRow {
  id: string;
  title: string;
  city: string;
  country: string;
  start_date: string;
  end_date: string;
  capacity: number;
  status: string;
}

interface HistoryRow {
  office_id: string;
  seq: number;
  type: string;
  payload: string;
  at: string;
}

interface OfficeRow {
  id: string;
  name: string;
  country: string;
  city: string | null;
  language: string;
  track: string;
  contacts: string;
}

interface AuditRow {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  request_id: string | null;
  details: string;
  src: number;
  k1: string;
  k2: number;
}

function sqliteSnapshot(db: Db): ExportSnapshot {
  let closed = false;
  const open = () => {
    if (closed) throw new Error('the export snapshot is closed');
  };
  return {
    async *workshops() {
      open();
      const page = db.prepare<{ id: string }, WorkshopRow>(
        `SELECT id, title, city, country, start_date, end_date, capacity, status FROM workshops WHERE id > @id ORDER BY id LIMIT ${CHUNK}`,
      );
      let key = { id: '' };
      for (;;) {
        open();
        const rows = page.all(key);
        for (const w of rows) {
          yield { id: w.id, title: w.title, city: w.city, country: w.country, startDate: w.start_date, endDate: w.end_date, capacity: w.capacity, status: w.status };
        }
        if (rows.length < CHUNK) return;
        key = { id: rows[rows.length - 1]!.id };
      }
    },

    async *history() {
      open();
      const page = db.prepare<{ at: string; office: string; seq: number }, HistoryRow>(
        `SELECT office_id, seq, type, payload, at FROM history
         WHERE at >= @at AND (at, office_id, seq) > (@at, @office, @seq)
         ORDER BY at, office_id, seq LIMIT ${CHUNK}`,
      );
      const office = db.prepare<[string], OfficeRow>('SELECT id, name, country, city, language, track, contacts FROM offices WHERE id = ?');
      let key = { at: '', office: '', seq: -1 };
      for (;;) {
        open();
        const rows = page.all(key);
        for (const row of rows) {
          const entry: ExportHistoryRow = { officeId: row.office_id, seq: row.seq, type: row.type, payload: JSON.parse(row.payload) as Record<string, unknown>, at: row.at };
          if (row.type === 'REGISTERED') {
            open();
            const o = office.get(row.office_id);
            entry.office = o ? { id: o.id, name: o.name, country: o.country, city: o.city, language: o.language, track: o.track, contacts: JSON.parse(o.contacts) as unknown } : null;
          }
          yield entry;
        }
        if (rows.length < CHUNK) return;
        const last = rows[rows.length - 1]!;
        key = { at: last.at, office: last.office_id, seq: last.seq };
      }
    },

    async *auditTrail(period) {
      open();
      // Each branch carries the keyset condition itself so it walks its `at` index.
      const page = db.prepare<{ from: string; to: string; at: string; src: number; k1: string; k2: number }, AuditRow>(
        `SELECT * FROM (
           SELECT at, actor, 'office.' || type AS action, office_id AS subject, request_id, payload AS details, 0 AS src, office_id AS k1, seq AS k2
           FROM history WHERE at >= @from AND at < @to AND at >= @at AND (at, 0, office_id, seq) > (@at, @src, @k1, @k2)
           UNION ALL
           SELECT at, actor, action, subject, NULL, details, 1, '', id
           FROM audit_log WHERE at >= @from AND at < @to AND at >= @at AND (at, 1, '', id) > (@at, @src, @k1, @k2)
         ) ORDER BY at, src, k1, k2 LIMIT ${CHUNK}`,
      );
      let key = { at: period.from, src: -1, k1: '', k2: -1 };
      for (;;) {
        open();
        const rows = page.all({ ...period, ...key });
        for (const r of rows) {
          yield { at: r.at, actor: r.actor, action: r.action, subject: r.subject, requestId: r.request_id, details: JSON.parse(r.details) as Record<string, unknown> };
        }
        if (rows.length < CHUNK) return;
        const last = rows[rows.length - 1]!;
        key = { at: last.at, src: last.src, k1: last.k1, k2: last.k2 };
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      // Read-only: ending the transaction only releases the snapshot.
      db.close();
    },
  };
}
