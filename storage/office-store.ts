import { unitOfWorkOf, type Sync } from './unit-of-work';
import { FIGURE_SQL } from './figures-store';
import type { Db } from './db';
import type {
  HistoryEntry,
  OfficeFilter,
  OfficeRecord,
  OfficeStateUpdate,
  OfficeStore,
} from './types';

interface OfficeRow {
  id: string;
  name: string;
  country: string;
  city: string | null;
  language: string;
  track: string;
  contacts: string;
  stage: string;
  states: string;
  snapshot: string;
  entered_at: string;
  machine_version: number;
  version: number;
  created_at: string;
  updated_at: string;
}

interface HistoryRow {
  office_id: string;
  seq: number;
  type: string;
  payload: string;
  from_states: string;
  to_states: string;
  actor: string;
  at: string;
  request_id: string | null;
}

function toOffice(row: OfficeRow): OfficeRecord {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    city: row.city,
    language: row.language,
    track: row.track as OfficeRecord['track'],
    contacts: JSON.parse(row.contacts) as OfficeRecord['contacts'],
    stage: row.stage,
    states: JSON.parse(row.states) as string[],
    snapshot: JSON.parse(row.snapshot) as OfficeRecord['snapshot'],
    enteredAt: JSON.parse(row.entered_at) as Record<string, string>,
    machineVersion: row.machine_version,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toHistory(row: HistoryRow): HistoryEntry {
  return {
    officeId: row.office_id,
    seq: row.seq,
    type: row.type,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    from: JSON.parse(row.from_states) as string[],
    to: JSON.parse(row.to_states) as string[],
    actor: row.actor,
    at: row.at,
    requestId: row.request_id,
  };
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

export function createOfficeStore(db: Db): OfficeStore {
  const stmt = {
    get: db.prepare<[string], OfficeRow>('SELECT * FROM offices WHERE id = ?'),
    insert: db.prepare(`INSERT INTO offices
      (id, name, country, city, language, track, contacts, stage, states, snapshot, entered_at, machine_version, version, created_at, updated_at)
      VALUES (@id, @name, @country, @city, @language, @track, @contacts, @stage, @states, @snapshot, @enteredAt, @machineVersion, @version, @createdAt, @updatedAt)`),
    update: db.prepare(`UPDATE offices SET stage = @stage, states = @states, snapshot = @snapshot, entered_at = @enteredAt,
      machine_version = @machineVersion, version = @version, updated_at = @updatedAt WHERE id = @id AND version = @version - 1`),
    updateDetails: db.prepare('UPDATE offices SET name = ?, country = ?, city = ?, language = ?, contacts = ? WHERE id = ?'),
    insertNode: db.prepare('INSERT INTO office_states (office_id, path, is_leaf, entered_at) VALUES (?, ?, ?, ?)'),
    deleteNode: db.prepare('DELETE FROM office_states WHERE office_id = ? AND path = ?'),
    // Primary-key lookups of the office's known paths (migration 006 keys rows by path first).
    enteredAt: db.prepare<[string, string], { path: string; entered_at: string }>(
      'SELECT path, entered_at FROM office_states WHERE office_id = ? AND path IN (SELECT value FROM json_each(?))',
    ),
    countStates: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM office_states'),
    stateRows: db.prepare<[], { office_id: string; path: string }>('SELECT office_id, path FROM office_states'),
    appendHistory: db.prepare(`INSERT INTO history (office_id, seq, type, payload, from_states, to_states, actor, at, request_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    history: db.prepare<[string], HistoryRow>('SELECT * FROM history WHERE office_id = ? ORDER BY seq'),
    byStage: db.prepare<[], { stage: string; n: number }>('SELECT stage, count(*) AS n FROM offices GROUP BY stage'),
    // One range of the primary key per leaf state, where grouping all rows by path and reading
    // is_leaf took ~750 ms at 100,000 offices.
    countPath: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM office_states WHERE path = ?'),
    ids: db.prepare<[], { id: string }>('SELECT id FROM offices ORDER BY id'),
    shapes: db.prepare<[], { value: string; machine_version: number; n: number }>(
      `SELECT snapshot -> '$.value' AS value, machine_version, count(*) AS n FROM offices GROUP BY 1, 2`,
    ),
    idsInShape: db.prepare<[string, number, number], { id: string }>(
      `SELECT id FROM offices WHERE snapshot -> '$.value' = ? AND machine_version = ? ORDER BY id LIMIT ?`,
    ),
  };

  const unit = unitOfWorkOf(db);
  const sync: Sync<Omit<OfficeStore, 'transaction'>> = {

    getOffice(id) {
      const row = stmt.get.get(id);
      return row ? toOffice(row) : undefined;
    },

    // One connection, and BEGIN IMMEDIATE holds the database's write lock already.
    getOfficeForUpdate(id) {
      const row = stmt.get.get(id);
      return row ? toOffice(row) : undefined;
    },

    insertOffice(office, nodes) {
      stmt.insert.run({
        ...office,
        contacts: JSON.stringify(office.contacts),
        states: JSON.stringify(office.states),
        snapshot: JSON.stringify(office.snapshot),
        enteredAt: JSON.stringify(office.enteredAt),
      });
      for (const node of nodes) stmt.insertNode.run(office.id, node.path, node.isLeaf ? 1 : 0, office.createdAt);
    },

    updateOfficeState(update: OfficeStateUpdate) {
      const result = stmt.update.run({
        ...update,
        states: JSON.stringify(update.states),
        snapshot: JSON.stringify(update.snapshot),
        enteredAt: JSON.stringify(update.enteredAt),
      });
      if (result.changes !== 1) return false;
      const d = update.details;
      if (d) stmt.updateDetails.run(d.name, d.country, d.city, d.language, JSON.stringify(d.contacts), update.id);
      return true;
    },

    replaceActiveNodes(officeId, exited, entered, at) {
      for (const path of exited) stmt.deleteNode.run(officeId, path);
      for (const node of entered) stmt.insertNode.run(officeId, node.path, node.isLeaf ? 1 : 0, at);
    },

    enteredAt(officeId, paths) {
      return Object.fromEntries(stmt.enteredAt.all(officeId, JSON.stringify(paths)).map((r) => [r.path, r.entered_at]));
    },

    countActiveStateRows() {
      return stmt.countStates.get()!.n;
    },

    activeStateRows() {
      return stmt.stateRows.iterate();
    },

    appendHistory(e: HistoryEntry) {
      stmt.appendHistory.run(
        e.officeId,
        e.seq,
        e.type,
        JSON.stringify(e.payload),
        JSON.stringify(e.from),
        JSON.stringify(e.to),
        e.actor,
        e.at,
        e.requestId ?? null,
      );
    },

    history(officeId) {
      return stmt.history.all(officeId).map(toHistory);
    },

    listOffices(filter: OfficeFilter) {
      const where: string[] = [];
      const params: Record<string, unknown> = {};
      if (filter.stage) {
        where.push('o.stage = @stage');
        params.stage = filter.stage;
      }
      if (filter.country) {
        where.push('o.country = @country');
        params.country = filter.country;
      }
      if (filter.state) {
        where.push('EXISTS (SELECT 1 FROM office_states s WHERE s.office_id = o.id AND s.path = @state)');
        params.state = filter.state;
      }
      if (filter.stalledAt) {
        where.push(FIGURE_SQL.stalled);
        params.now = filter.stalledAt;
      }
      if (filter.figure) {
        where.push(FIGURE_SQL[filter.figure.name]);
        params.now = filter.figure.at;
      }
      if (filter.q) {
        where.push("(o.name LIKE @q ESCAPE '\\' OR o.id LIKE @q ESCAPE '\\')");
        params.q = likePattern(filter.q);
      }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total = (db.prepare(`SELECT count(*) AS n FROM offices o ${clause}`).get(params) as { n: number }).n;
      const rows = db
        .prepare<Record<string, unknown>, OfficeRow>(
          `SELECT o.* FROM offices o ${clause} ORDER BY o.name COLLATE NOCASE, o.id LIMIT @limit OFFSET @offset`,
        )
        .all({ ...params, limit: filter.limit ?? 100, offset: filter.offset ?? 0 });
      return { offices: rows.map(toOffice), total };
    },

    countByStage() {
      return Object.fromEntries(stmt.byStage.all().map((r) => [r.stage, r.n]));
    },

    countByLeafState(leafPaths) {
      const counts: Record<string, number> = {};
      for (const path of leafPaths) {
        const n = stmt.countPath.get(path)!.n;
        if (n > 0) counts[path] = n;
      }
      return counts;
    },

    snapshotShapes() {
      return stmt.shapes.all().map((r) => ({ value: r.value, machineVersion: r.machine_version, count: r.n }));
    },

    officeIdsInShape(value, machineVersion, limit) {
      return stmt.idsInShape.all(value, machineVersion, limit).map((r) => r.id);
    },

    *officeIds() {
      for (const row of stmt.ids.iterate()) yield row.id;
    },
  };
  return { ...unit.repository<Omit<OfficeStore, 'transaction'>>(sync), transaction: (work) => unit.transaction(work) };
}
