import { FIGURE_SQL } from '../figures-store';
import type { ActiveNode, HistoryEntry, OfficeFilter, OfficeRecord, OfficeStateUpdate, OfficeStore } from '../types';
import type { PostgresUnitOfWork } from './unit-of-work';

interface OfficeRow {
  id: string;
  name: string;
  country: string;
  city: string | null;
  language: string;
  track: OfficeRecord['track'];
  contacts: OfficeRecord['contacts'];
  stage: string;
  states: string[];
  snapshot: OfficeRecord['snapshot'];
  entered_at: Record<string, string>;
  machine_version: number;
  version: number;
  created_at: string;
  updated_at: string;
}

interface HistoryRow {
  office_id: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  from_states: string[];
  to_states: string[];
  actor: string;
  at: string;
  request_id: string | null;
}

const toOffice = (r: OfficeRow): OfficeRecord => ({
  id: r.id,
  name: r.name,
  country: r.country,
  city: r.city,
  language: r.language,
  track: r.track,
  contacts: r.contacts,
  stage: r.stage,
  states: r.states,
  snapshot: r.snapshot,
  enteredAt: r.entered_at,
  machineVersion: r.machine_version,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toHistory = (r: HistoryRow): HistoryEntry => ({
  officeId: r.office_id,
  seq: r.seq,
  type: r.type,
  payload: r.payload,
  from: r.from_states,
  to: r.to_states,
  actor: r.actor,
  at: r.at,
  requestId: r.request_id,
});

const json = (value: unknown) => JSON.stringify(value);

/** A figure's one SQL condition (storage/figures-store.ts), its `@now` as a positional parameter. */
function figureCondition(name: keyof typeof FIGURE_SQL, nowParam: string): string {
  return FIGURE_SQL[name].replaceAll('@now', nowParam);
}

/** The offices repository on PostgreSQL: the same interface and answers as the SQLite one. */
export function createPostgresOfficeStore(unit: PostgresUnitOfWork): OfficeStore {
  const q = unit.query.bind(unit);
  const insertNodes = async (officeId: string, nodes: readonly ActiveNode[], at: string) => {
    if (nodes.length === 0) return;
    await q(
      `INSERT INTO office_states (office_id, path, is_leaf, entered_at)
       SELECT $1, n.path, n.is_leaf, $2 FROM unnest($3::text[], $4::boolean[]) AS n(path, is_leaf)`,
      [officeId, at, nodes.map((n) => n.path), nodes.map((n) => n.isLeaf)],
    );
  };
  return {
    transaction: (work) => unit.transaction(work),

    async getOffice(id) {
      const [row] = await q<OfficeRow>('SELECT * FROM offices WHERE id = $1', [id]);
      return row ? toOffice(row) : undefined;
    },

    async getOfficeForUpdate(id) {
      // Two servers applying events to one office queue here, so its history cannot fork.
      const [row] = await q<OfficeRow>('SELECT * FROM offices WHERE id = $1 FOR UPDATE', [id]);
      return row ? toOffice(row) : undefined;
    },

    async insertOffice(o, nodes) {
      await q(
        `INSERT INTO offices (id, name, country, city, language, track, contacts, stage, states, snapshot, entered_at, machine_version, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [o.id, o.name, o.country, o.city, o.language, o.track, json(o.contacts), o.stage, json(o.states), json(o.snapshot), json(o.enteredAt), o.machineVersion, o.version, o.createdAt, o.updatedAt],
      );
      await insertNodes(o.id, nodes, o.createdAt);
    },

    async updateOfficeState(u: OfficeStateUpdate) {
      const d = u.details;
      const rows = await q(
        `UPDATE offices SET stage = $2, states = $3, snapshot = $4, entered_at = $5, machine_version = $6, version = $7, updated_at = $8,
           name = coalesce($9, name), country = coalesce($10, country), city = CASE WHEN $9::text IS NULL THEN city ELSE $11 END,
           language = coalesce($12, language), contacts = coalesce($13::jsonb, contacts)
         WHERE id = $1 AND version = $7 - 1 RETURNING id`,
        [u.id, u.stage, json(u.states), json(u.snapshot), json(u.enteredAt), u.machineVersion, u.version, u.updatedAt,
          d?.name ?? null, d?.country ?? null, d?.city ?? null, d?.language ?? null, d ? json(d.contacts) : null],
      );
      return rows.length === 1;
    },

    async replaceActiveNodes(officeId, exited, entered, at) {
      if (exited.length > 0) await q('DELETE FROM office_states WHERE office_id = $1 AND path = ANY($2::text[])', [officeId, exited]);
      await insertNodes(officeId, entered, at);
    },

    async enteredAt(officeId, paths) {
      const rows = await q<{ path: string; entered_at: string }>(
        'SELECT path, entered_at FROM office_states WHERE office_id = $1 AND path = ANY($2::text[])',
        [officeId, [...paths]],
      );
      return Object.fromEntries(rows.map((r) => [r.path, r.entered_at]));
    },

    async countActiveStateRows() {
      const [row] = await q<{ n: number }>('SELECT count(*) AS n FROM office_states');
      return row!.n;
    },

    async activeStateRows() {
      return q<{ office_id: string; path: string }>('SELECT office_id, path FROM office_states');
    },

    async appendHistory(e) {
      await q(
        `INSERT INTO history (office_id, seq, type, payload, from_states, to_states, actor, at, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [e.officeId, e.seq, e.type, json(e.payload), json(e.from), json(e.to), e.actor, e.at, e.requestId ?? null],
      );
    },

    async history(officeId) {
      return (await q<HistoryRow>('SELECT * FROM history WHERE office_id = $1 ORDER BY seq', [officeId])).map(toHistory);
    },

    async listOffices(filter: OfficeFilter) {
      const where: string[] = [];
      const values: unknown[] = [];
      const param = (value: unknown) => {
        values.push(value);
        return `$${values.length}`;
      };
      if (filter.stage) where.push(`o.stage = ${param(filter.stage)}`);
      if (filter.country) where.push(`o.country = ${param(filter.country)}`);
      if (filter.state) where.push(`EXISTS (SELECT 1 FROM office_states s WHERE s.office_id = o.id AND s.path = ${param(filter.state)})`);
      // A parameter only where the condition reads `@now`: PostgreSQL refuses one it cannot type.
      const withNow = (name: keyof typeof FIGURE_SQL, at: string) => (FIGURE_SQL[name].includes('@now') ? figureCondition(name, `${param(at)}::timestamptz`) : FIGURE_SQL[name]);
      if (filter.stalledAt) where.push(withNow('stalled', filter.stalledAt));
      if (filter.figure) where.push(withNow(filter.figure.name, filter.figure.at));
      if (filter.q) {
        const pattern = param(`%${filter.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
        where.push(`(o.name ILIKE ${pattern} OR o.id ILIKE ${pattern})`);
      }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const [count] = await q<{ n: number }>(`SELECT count(*) AS n FROM offices o ${clause}`, values);
      const rows = await q<OfficeRow>(
        `SELECT o.* FROM offices o ${clause} ORDER BY lower(o.name), o.id LIMIT ${param(filter.limit ?? 100)} OFFSET ${param(filter.offset ?? 0)}`,
        values,
      );
      return { offices: rows.map(toOffice), total: count!.n };
    },

    async countByStage() {
      const rows = await q<{ stage: string; n: number }>('SELECT stage, count(*) AS n FROM offices GROUP BY stage');
      return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
    },

    async countByLeafState(leafPaths) {
      const rows = await q<{ path: string; n: number }>(
        'SELECT path, count(*) AS n FROM office_states WHERE path = ANY($1::text[]) GROUP BY path',
        [[...leafPaths]],
      );
      return Object.fromEntries(rows.filter((r) => r.n > 0).map((r) => [r.path, r.n]));
    },

    async officeIds() {
      return (await q<{ id: string }>('SELECT id FROM offices ORDER BY id')).map((r) => r.id);
    },

    async snapshotShapes() {
      // Compared as jsonb, handed out as its text: the same value finds the same offices again.
      const rows = await q<{ value: string; machine_version: number; n: number }>(
        `SELECT (snapshot -> 'value')::text AS value, machine_version, count(*) AS n FROM offices GROUP BY 1, 2`,
      );
      return rows.map((r) => ({ value: r.value, machineVersion: r.machine_version, count: r.n }));
    },

    async officeIdsInShape(value, machineVersion, limit) {
      const rows = await q<{ id: string }>(
        `SELECT id FROM offices WHERE snapshot -> 'value' = $1::jsonb AND machine_version = $2 ORDER BY id LIMIT $3`,
        [value, machineVersion, limit],
      );
      return rows.map((r) => r.id);
    },
  };
}
