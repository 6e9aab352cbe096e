import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { AuditTrailRow, ExportHistoryRow, ExportSnapshot, ExportStore, ExportWorkshop } from '../export-store';
import { contactsInOrder, payloadInOrder } from './json-order';
import { binary } from './text-order';

const CHUNK = 1000;

interface HistoryRow {
  office_id: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  at: string;
  o_id: string | null;
  o_name: string;
  o_country: string;
  o_city: string | null;
  o_language: string;
  o_track: string;
  o_contacts: unknown;
}

interface AuditRow {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  src: number;
}

const WORKSHOPS = `SELECT id, title, city, country, start_date AS "startDate", end_date AS "endDate", capacity, status
  FROM workshops ORDER BY ${binary('id')}`;

// The office joins its REGISTERED row only, as the SQLite store looks it up for that row only.
const HISTORY = `SELECT h.office_id, h.seq, h.type, h.payload, h.at, o.id AS o_id, o.name AS o_name, o.country AS o_country,
    o.city AS o_city, o.language AS o_language, o.track AS o_track, o.contacts AS o_contacts
  FROM history h LEFT JOIN offices o ON h.type = 'REGISTERED' AND o.id = h.office_id
  ORDER BY h.at, ${binary('h.office_id')}, h.seq`;

// Ties of `at` as on SQLite: office transitions (by office byte-wise, then seq) before account actions (by id).
const AUDIT_TRAIL = `SELECT at, actor, action, subject, request_id, details, src FROM (
    SELECT at, actor, 'office.' || type AS action, office_id AS subject, request_id, payload AS details, 0 AS src, office_id AS k1, seq::bigint AS k2
    FROM history WHERE at >= $1::timestamptz AND at < $2::timestamptz
    UNION ALL
    SELECT at, actor, action, subject, NULL, details, 1, '', id
    FROM audit_log WHERE at >= $1::timestamptz AND at < $2::timestamptz
  ) trail ORDER BY at, src, ${binary('k1')}, k2`;

/**
 * Each snapshot is a REPEATABLE READ, READ ONLY transaction on a pooled connection of its own: every
 * read sees the transactions committed when it began, and, as PostgreSQL's readers take no locks that
 * writers wait for, the server's transactions go on committing meanwhile. Rows come through
 * server-side cursors, a chunk per FETCH, so neither side holds the whole table. The connection goes
 * back to the pool at close(), which programme/export.ts calls also when its consumer stops early.
 */
export function createPostgresExportStore(pool: Pool): ExportStore {
  return {
    async openSnapshot() {
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        // The snapshot is taken by the first statement after BEGIN: fix it now, not at the first chunk.
        await client.query('SELECT 1');
      } catch (error) {
        client.release(true);
        throw error;
      }
      return postgresSnapshot(client);
    },
  };
}

function postgresSnapshot(client: PoolClient): ExportSnapshot {
  let closing: Promise<void> | undefined;
  let cursors = 0;
  const open = () => {
    if (closing) throw new Error('the export snapshot is closed');
  };

  async function* rowsOf<R extends QueryResultRow>(text: string, values: unknown[] = []): AsyncGenerator<R> {
    open();
    const name = `export_${++cursors}`;
    await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, values);
    try {
      for (;;) {
        open();
        const { rows } = await client.query<R>(`FETCH ${CHUNK} FROM ${name}`);
        yield* rows;
        if (rows.length < CHUNK) return;
      }
    } finally {
      // A consumer that stops early leaves the cursor open; the snapshot's end closes it anyway.
      if (!closing) await client.query(`CLOSE ${name}`);
    }
  }

  return {
    async *workshops() {
      yield* rowsOf<ExportWorkshop & QueryResultRow>(WORKSHOPS);
    },

    async *history() {
      for await (const row of rowsOf<HistoryRow>(HISTORY)) {
        const entry: ExportHistoryRow = { officeId: row.office_id, seq: row.seq, type: row.type, payload: payloadInOrder(row.type, row.payload), at: row.at };
        if (row.type === 'REGISTERED') {
          entry.office =
            row.o_id === null
              ? null
              : { id: row.o_id, name: row.o_name, country: row.o_country, city: row.o_city, language: row.o_language, track: row.o_track, contacts: contactsInOrder(row.o_contacts) };
        }
        yield entry;
      }
    },

    async *auditTrail(period) {
      for await (const r of rowsOf<AuditRow>(AUDIT_TRAIL, [period.from, period.to])) {
        // An account action's details keep jsonb's key order: no schema says how they were written.
        const details = r.src === 0 ? payloadInOrder(r.action.slice('office.'.length), r.details) : r.details;
        const line: AuditTrailRow = { at: r.at, actor: r.actor, action: r.action, subject: r.subject, requestId: r.request_id, details };
        yield line;
      }
    },

    close() {
      closing ??= (async () => {
        let broken = false;
        try {
          // Read-only: ending the transaction only releases the snapshot (and its cursors).
          await client.query('COMMIT');
        } catch {
          broken = true;
        } finally {
          client.release(broken);
        }
      })();
      return closing;
    },
  };
}
