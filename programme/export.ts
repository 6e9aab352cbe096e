import type { Db } from '../storage/db';

/**
 * Exports in the JSON Lines import format (engine/import.ts), and the audit trail for a period.
 * Both are read in keyset-paged chunks, each one short synchronous query, so a long download never
 * holds a statement open while it waits for the client.
 */
const CHUNK = 1000;

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

/**
 * Every workshop, then every office and event in history order (by time, then office, then
 * sequence): `import` of this file into an empty database rebuilds the same offices, and exporting
 * that database gives the same file. Actors are not part of the import format and are left out.
 */
export function* exportJsonLines(db: Db): Generator<string> {
  const workshops = db
    .prepare<[], { id: string; title: string; city: string; country: string; start_date: string; end_date: string; capacity: number; status: string }>(
      'SELECT id, title, city, country, start_date, end_date, capacity, status FROM workshops ORDER BY id',
    )
    .all();
  for (const w of workshops) {
    yield JSON.stringify({ kind: 'workshop', id: w.id, title: w.title, city: w.city, country: w.country, start: w.start_date, end: w.end_date, capacity: w.capacity, status: w.status });
  }
  const page = db.prepare<{ at: string; office: string; seq: number }, HistoryRow>(
    `SELECT office_id, seq, type, payload, at FROM history
     WHERE at >= @at AND (at, office_id, seq) > (@at, @office, @seq)
     ORDER BY at, office_id, seq LIMIT ${CHUNK}`,
  );
  const office = db.prepare<[string], OfficeRow>('SELECT id, name, country, city, language, track, contacts FROM offices WHERE id = ?');
  let key = { at: '', office: '', seq: -1 };
  for (;;) {
    const rows = page.all(key);
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as Record<string, unknown>;
      if (row.type === 'REGISTERED') {
        const o = office.get(row.office_id);
        if (!o) continue;
        yield JSON.stringify({
          kind: 'office',
          id: o.id,
          name: o.name,
          country: o.country,
          ...(o.city !== null ? { city: o.city } : {}),
          language: o.language,
          track: o.track,
          contacts: JSON.parse(o.contacts) as unknown,
          at: row.at,
        });
      } else {
        yield JSON.stringify({ kind: 'event', office: row.office_id, type: row.type, at: row.at, ...payload });
      }
    }
    if (rows.length < CHUNK) return;
    const last = rows[rows.length - 1]!;
    key = { at: last.at, office: last.office_id, seq: last.seq };
  }
}

export interface AuditLine {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
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

/**
 * Office transitions and account actions with `from <= at < to`, oldest first (the same two sources
 * as GET /api/audit). Each branch carries the keyset condition itself so it walks its `at` index.
 */
export function* auditLines(db: Db, period: { from: string; to: string }): Generator<AuditLine> {
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
    const rows = page.all({ ...period, ...key });
    for (const r of rows) {
      yield { at: r.at, actor: r.actor, action: r.action, subject: r.subject, requestId: r.request_id, details: JSON.parse(r.details) as Record<string, unknown> };
    }
    if (rows.length < CHUNK) return;
    const last = rows[rows.length - 1]!;
    key = { at: last.at, src: last.src, k1: last.k1, k2: last.k2 };
  }
}

export const AUDIT_CSV_COLUMNS = ['at', 'actor', 'action', 'subject', 'requestId', 'details'] as const;

/** One CSV field (RFC 4180); a text starting with = + - @ gets a leading ' so spreadsheets do not run it. */
function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsvLine(line: AuditLine): string {
  return [line.at, line.actor, line.action, line.subject, line.requestId, JSON.stringify(line.details)].map(csvField).join(',');
}
