import type { AuditTrailRow, ExportStore } from '../storage/export-store';

/**
 * Exports in the JSON Lines import format (engine/import.ts), and the audit trail for a period.
 * Each reads one snapshot of the database (storage/export-store.ts), opened when the first line is
 * asked for and closed after the last, or when the consumer stops early (a client that went away):
 * a download never mixes two states of the programme, and never holds up the writers.
 */

/**
 * Every workshop, then every office and event in history order (by time, then office, then
 * sequence): `import` of this file into an empty database rebuilds the same offices, and exporting
 * that database gives the same file. Actors are not part of the import format and are left out.
 */
export async function* exportJsonLines(store: ExportStore): AsyncGenerator<string> {
  const snapshot = await store.openSnapshot();
  try {
    for await (const w of snapshot.workshops()) {
      yield JSON.stringify({ kind: 'workshop', id: w.id, title: w.title, city: w.city, country: w.country, start: w.startDate, end: w.endDate, capacity: w.capacity, status: w.status });
    }
    for await (const row of snapshot.history()) {
      if (row.type === 'REGISTERED') {
        const o = row.office;
        if (!o) continue;
        yield JSON.stringify({
          kind: 'office',
          id: o.id,
          name: o.name,
          country: o.country,
          ...(o.city !== null ? { city: o.city } : {}),
          language: o.language,
          track: o.track,
          contacts: o.contacts,
          at: row.at,
        });
      } else {
        yield JSON.stringify({ kind: 'event', office: row.officeId, type: row.type, at: row.at, ...row.payload });
      }
    }
  } finally {
    await snapshot.close();
  }
}

export type AuditLine = AuditTrailRow;

/** Office transitions and account actions with `from <= at < to`, oldest first (the same two sources as GET /api/audit). */
export async function* auditLines(store: ExportStore, period: { from: string; to: string }): AsyncGenerator<AuditLine> {
  const snapshot = await store.openSnapshot();
  try {
    yield* snapshot.auditTrail(period);
  } finally {
    await snapshot.close();
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
