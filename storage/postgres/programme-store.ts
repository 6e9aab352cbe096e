import type {
  Attendance,
  Broadcast,
  BroadcastRow,
  BroadcastRowStatus,
  EnrolmentOfWorkshop,
  FocalPointFilter,
  FocalPointOfOffice,
  GoldDiskVersion,
  OfficeSelectionFilter,
  ProgrammeStore,
} from '../programme-store';
import { toFocalPoint, toWorkshop, type FocalPointRow, type WorkshopRow } from '../programme-store';
import { binary, byName } from './text-order';
import type { PostgresUnitOfWork } from './unit-of-work';

type FocalPointOfficeRow = FocalPointRow & { office_name: string; office_country: string };

interface BroadcastTableRow {
  id: string;
  kind: string;
  event: Broadcast['event'];
  description: string;
  actor: string;
  created_at: string;
  finished_at: string | null;
}

const toFocalPointOfOffice = (r: FocalPointOfficeRow): FocalPointOfOffice => ({
  ...toFocalPoint(r),
  officeName: r.office_name,
  country: r.office_country,
});

/**
 * jsonb keeps its keys sorted (by length, then bytes), not as written; SQLite hands back the text
 * written, where `type` comes first. Putting it first again gives the common events (a type and one
 * field) the same key order as SQLite; deeper orders are not restored.
 */
const toBroadcast = (r: BroadcastTableRow): Broadcast => {
  const { type, ...payload } = r.event;
  return {
    id: r.id,
    kind: r.kind,
    event: { type, ...payload },
    description: r.description,
    actor: r.actor,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
};

const FOCAL_POINT_OF_OFFICE = 'SELECT f.*, o.name AS office_name, o.country AS office_country FROM focal_points f JOIN offices o ON o.id = f.office_id';
const GOLD_DISK = `SELECT version, released_at AS "releasedAt", notes, status, recalled_at AS "recalledAt", recall_reason AS "recallReason"
  FROM gold_disk_versions`;

/** The programme's repository on PostgreSQL: the same interface and answers as storage/programme-store.ts. */
export function createPostgresProgrammeStore(unit: PostgresUnitOfWork): ProgrammeStore {
  const q = unit.query.bind(unit);
  const one = async <R extends object>(text: string, values: unknown[] = []): Promise<R | undefined> => (await q<R & Record<string, unknown>>(text, values))[0];

  return {
    // --- workshops
    async getWorkshop(id) {
      const row = await one<WorkshopRow>('SELECT * FROM workshops WHERE id = $1', [id]);
      return row ? toWorkshop(row) : undefined;
    },
    async listWorkshops() {
      return (await q<WorkshopRow>(`SELECT * FROM workshops ORDER BY start_date, ${binary('id')}`)).map(toWorkshop);
    },
    async upsertWorkshop(w) {
      await q(
        `INSERT INTO workshops (id, title, city, country, start_date, end_date, capacity, status, created_at, status_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, city = excluded.city, country = excluded.country,
           start_date = excluded.start_date, end_date = excluded.end_date, capacity = excluded.capacity,
           status = excluded.status, status_at = excluded.status_at`,
        [w.id, w.title, w.city, w.country, w.start, w.end, w.capacity, w.status, w.createdAt, w.statusAt],
      );
    },
    async setWorkshopStatus(id, status, at) {
      await q('UPDATE workshops SET status = $1, status_at = $2 WHERE id = $3', [status, at, id]);
    },
    async setWorkshopCapacity(id, capacity) {
      await q('UPDATE workshops SET capacity = $1 WHERE id = $2', [capacity, id]);
    },
    async rescheduleWorkshop(id, start, end) {
      const rows = await q("UPDATE workshops SET start_date = $1, end_date = $2 WHERE id = $3 AND status = 'planned' RETURNING id", [start, end, id]);
      return rows.length === 1;
    },
    async calendarSequence(workshopId) {
      return (await one<{ sequence: number }>('SELECT sequence FROM workshop_calendar WHERE workshop_id = $1', [workshopId]))?.sequence ?? 0;
    },
    async bumpCalendarSequence(workshopId) {
      await q(
        `INSERT INTO workshop_calendar (workshop_id, sequence) VALUES ($1, 1)
         ON CONFLICT (workshop_id) DO UPDATE SET sequence = workshop_calendar.sequence + 1`,
        [workshopId],
      );
    },
    async enrolledCount(workshopId) {
      const row = await one<{ n: number }>(
        "SELECT count(*) AS n FROM enrolments WHERE workshop_id = $1 AND (attendance IS NULL OR attendance <> 'cancelled')",
        [workshopId],
      );
      return row!.n;
    },
    async enrolments(workshopId) {
      return q<EnrolmentOfWorkshop & Record<string, unknown>>(
        `SELECT e.workshop_id AS "workshopId", e.focal_point_id AS "focalPointId", e.office_id AS "officeId",
                e.enrolled_at AS "enrolledAt", e.attendance, f.name, f.email, o.name AS "officeName", o.country
         FROM enrolments e JOIN focal_points f ON f.id = e.focal_point_id JOIN offices o ON o.id = e.office_id
         WHERE e.workshop_id = $1 ORDER BY ${byName('o.name')}, ${binary('f.name')}`,
        [workshopId],
      );
    },
    async addEnrolment(workshopId, focalPointId, officeId, at) {
      await q(
        `INSERT INTO enrolments (workshop_id, focal_point_id, office_id, enrolled_at, attendance) VALUES ($1, $2, $3, $4, NULL)
         ON CONFLICT (workshop_id, focal_point_id) DO UPDATE SET enrolled_at = excluded.enrolled_at, attendance = NULL`,
        [workshopId, focalPointId, officeId, at],
      );
    },
    async setAttendance(workshopId, focalPointId, attendance: Attendance) {
      await q('UPDATE enrolments SET attendance = $1 WHERE workshop_id = $2 AND focal_point_id = $3', [attendance, workshopId, focalPointId]);
    },

    // --- focal points
    async getFocalPoint(id) {
      const row = await one<FocalPointRow>('SELECT * FROM focal_points WHERE id = $1', [id]);
      return row ? toFocalPoint(row) : undefined;
    },
    async focalPointByEmail(officeId, email) {
      const row = await one<FocalPointRow>('SELECT * FROM focal_points WHERE office_id = $1 AND email = $2', [officeId, email.toLowerCase()]);
      return row ? toFocalPoint(row) : undefined;
    },
    async focalPointsOf(officeId) {
      return (await q<FocalPointRow>('SELECT * FROM focal_points WHERE office_id = $1 ORDER BY id', [officeId])).map(toFocalPoint);
    },
    async listFocalPoints(filter: FocalPointFilter) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (filter.officeId) where.push(`f.office_id = $${values.push(filter.officeId)}`);
      if (filter.status) where.push(`f.status = $${values.push(filter.status)}`);
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const [count] = await q<{ n: number }>(`SELECT count(*) AS n FROM focal_points f ${clause}`, values);
      const page = [...values, filter.limit ?? 100, filter.offset ?? 0];
      const rows = await q<FocalPointOfficeRow>(
        `${FOCAL_POINT_OF_OFFICE} ${clause} ORDER BY ${byName('o.name')}, f.id LIMIT $${page.length - 1} OFFSET $${page.length}`,
        page,
      );
      return { total: count!.n, focalPoints: rows.map(toFocalPointOfOffice) };
    },
    async enrollableFocalPoints(states) {
      const rows = await q<FocalPointOfficeRow>(
        `${FOCAL_POINT_OF_OFFICE}
         WHERE f.status IN ('nominated', 'no-show')
           AND EXISTS (SELECT 1 FROM office_states s WHERE s.office_id = f.office_id AND s.path = ANY($1::text[]))
         ORDER BY ${byName('o.name')}, f.id`,
        [states],
      );
      return rows.map(toFocalPointOfOffice);
    },
    async insertFocalPoint(officeId, name, email, role, at) {
      const row = await one<{ id: number }>(
        `INSERT INTO focal_points (office_id, name, email, role, status, nominated_at) VALUES ($1, $2, $3, $4, 'nominated', $5) RETURNING id`,
        [officeId, name, email.toLowerCase(), role, at],
      );
      return row!.id;
    },
    async renominate(id, name, role) {
      await q('UPDATE focal_points SET name = $1, role = coalesce($2, role) WHERE id = $3', [name, role, id]);
    },
    async markEnrolled(id, workshopId, at) {
      await q("UPDATE focal_points SET status = 'enrolled', workshop_id = $1, enrolled_at = $2 WHERE id = $3", [workshopId, at, id]);
    },
    async markTrained(id, workshopId, at) {
      await q(
        "UPDATE focal_points SET status = 'trained', workshop_id = coalesce($1, workshop_id), trained_at = coalesce(trained_at, $2) WHERE id = $3",
        [workshopId, at, id],
      );
    },
    async markNoShow(id, at) {
      await q("UPDATE focal_points SET status = 'no-show', no_show_at = $1 WHERE id = $2", [at, id]);
    },
    async markNominatedAgain(id) {
      await q("UPDATE focal_points SET status = 'nominated', workshop_id = NULL WHERE id = $1", [id]);
    },
    async focalPointRegisterNeedsBackfill() {
      const row = await one<{ needed: boolean }>(
        `SELECT NOT EXISTS (SELECT 1 FROM focal_points) AND NOT EXISTS (SELECT 1 FROM kit_shipments)
           AND EXISTS (SELECT 1 FROM history WHERE type = 'FOCAL_POINT_NOMINATED') AS needed`,
      );
      return row!.needed;
    },
    async officesWithHistoryOf(types) {
      return (await q<{ office_id: string }>('SELECT DISTINCT office_id FROM history WHERE type = ANY($1::text[])', [types])).map((r) => r.office_id);
    },

    // --- Gold Disk and kits
    async getGoldDisk(version) {
      return one<GoldDiskVersion>(`${GOLD_DISK} WHERE version = $1`, [version]);
    },
    async listGoldDisks() {
      return q<GoldDiskVersion & Record<string, unknown>>(`${GOLD_DISK} ORDER BY released_at DESC, ${binary('version')} DESC`);
    },
    async currentGoldDisk() {
      return (await one<{ version: string }>("SELECT version FROM gold_disk_versions WHERE status = 'current'"))?.version ?? null;
    },
    async releaseGoldDisk(version, notes, at) {
      // Both or neither: a refused version (one already released) leaves the current one current.
      await unit.transaction(async () => {
        await q("UPDATE gold_disk_versions SET status = 'superseded' WHERE status = 'current'");
        await q("INSERT INTO gold_disk_versions (version, released_at, notes, status) VALUES ($1, $2, $3, 'current')", [version, at, notes]);
      });
    },
    async recallGoldDisk(version, reason, at) {
      await q("UPDATE gold_disk_versions SET status = 'recalled', recalled_at = $1, recall_reason = $2 WHERE version = $3", [at, reason, version]);
    },
    async recordShipment(officeId, seq, version, at) {
      await q('INSERT INTO kit_shipments (office_id, seq, gold_disk_version, shipped_at) VALUES ($1, $2, $3, $4)', [officeId, seq, version, at]);
    },
    async shipmentsOf(officeId) {
      return q<{ seq: number; version: string | null; at: string }>(
        'SELECT seq, gold_disk_version AS version, shipped_at AS at FROM kit_shipments WHERE office_id = $1 ORDER BY seq',
        [officeId],
      );
    },
    async shipmentsByVersion() {
      // In SQLite's group order (NULL first, then bytes), which decides the key order of the answer.
      const rows = await q<{ version: string | null; n: number }>(
        `SELECT gold_disk_version AS version, count(*) AS n FROM kit_shipments GROUP BY 1 ORDER BY ${binary('gold_disk_version')} NULLS FIRST`,
      );
      return Object.fromEntries(rows.map((r) => [r.version ?? 'unknown', r.n]));
    },

    // --- offices, as the bulk actions pick them
    async officesIn(paths) {
      const rows = await q<{ office_id: string }>(
        `SELECT office_id FROM office_states WHERE path = ANY($1::text[]) GROUP BY office_id ORDER BY ${binary('office_id')}`,
        [paths],
      );
      return rows.map((r) => r.office_id);
    },
    async selectOfficeIds(filter: OfficeSelectionFilter) {
      const where: string[] = [];
      const values: unknown[] = [];
      const param = (value: unknown) => `$${values.push(value)}`;
      if (filter.state !== undefined) where.push(`EXISTS (SELECT 1 FROM office_states s WHERE s.office_id = o.id AND s.path = ${param(filter.state)})`);
      for (const countries of filter.countryLists ?? []) where.push(`o.country = ANY(${param(countries)}::text[])`);
      if (filter.track !== undefined) where.push(`o.track = ${param(filter.track)}`);
      if (filter.ids) where.push(`o.id = ANY(${param(filter.ids)}::text[])`);
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const rows = await q<{ id: string }>(`SELECT o.id FROM offices o ${clause} ORDER BY ${byName('o.name')}, ${binary('o.id')}`, values);
      return rows.map((r) => r.id);
    },

    // --- broadcasts
    async createBroadcast(b, officeIds) {
      await unit.transaction(async () => {
        await q('INSERT INTO broadcasts (id, kind, event, description, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          b.id, b.kind, JSON.stringify(b.event), b.description, b.actor, b.createdAt,
        ]);
        await q(
          `INSERT INTO broadcast_offices (broadcast_id, position, office_id, status)
           SELECT $1, t.n - 1, t.office_id, 'pending' FROM unnest($2::text[]) WITH ORDINALITY AS t(office_id, n)`,
          [b.id, officeIds],
        );
      });
    },
    async getBroadcast(id) {
      const row = await one<BroadcastTableRow>('SELECT id, kind, event, description, actor, created_at, finished_at FROM broadcasts WHERE id = $1', [id]);
      return row ? toBroadcast(row) : undefined;
    },
    async listBroadcasts(limit = 50) {
      // SQLite breaks ties of created_at by rowid (insertion order); there is no such column here (003_programme.sql).
      const rows = await q<BroadcastTableRow & Record<string, unknown>>(
        `SELECT id, kind, event, description, actor, created_at, finished_at FROM broadcasts
         ORDER BY created_at DESC, ${binary('id')} DESC LIMIT $1`,
        [limit],
      );
      return rows.map(toBroadcast);
    },
    async broadcastRows(id) {
      return q<BroadcastRow & Record<string, unknown>>(
        'SELECT position, office_id AS "officeId", status, message, version, at FROM broadcast_offices WHERE broadcast_id = $1 ORDER BY position',
        [id],
      );
    },
    async broadcastCounts(id) {
      const counts: Record<BroadcastRowStatus, number> = { pending: 0, done: 0, skipped: 0, failed: 0 };
      const rows = await q<{ status: BroadcastRowStatus; n: number }>(
        'SELECT status, count(*) AS n FROM broadcast_offices WHERE broadcast_id = $1 GROUP BY status',
        [id],
      );
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    },
    async pendingRows(id, limit) {
      // Rows another server is processing right now (locked by isPending in its transaction) are
      // left out: this run takes other offices instead of queueing behind that one.
      return q<{ position: number; officeId: string }>(
        `SELECT position, office_id AS "officeId" FROM broadcast_offices
         WHERE broadcast_id = $1 AND status = 'pending' ORDER BY position LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [id, limit],
      );
    },
    async isPending(id, position) {
      // The claim of one office: in the office's transaction this locks the row until it commits,
      // so a second server asking meanwhile is told "not pending" and never applies the event twice;
      // once committed, the row is no longer pending. With one server (and on SQLite, one writer)
      // no row is ever locked by another, and the answer is the row's status.
      const rows = await q(
        "SELECT 1 FROM broadcast_offices WHERE broadcast_id = $1 AND position = $2 AND status = 'pending' FOR UPDATE SKIP LOCKED",
        [id, position],
      );
      return rows.length === 1;
    },
    async finishRow(id, position, status, message, version, at) {
      const rows = await q(
        `UPDATE broadcast_offices SET status = $1, message = $2, version = $3, at = $4
         WHERE broadcast_id = $5 AND position = $6 AND status = 'pending' RETURNING position`,
        [status, message, version, at, id, position],
      );
      return rows.length === 1;
    },
    async finishBroadcast(id, at) {
      await q(
        `UPDATE broadcasts SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM broadcast_offices WHERE broadcast_id = $2 AND status = 'pending')`,
        [at, id],
      );
    },
    async abandonedBroadcasts(now, limit) {
      const rows = await q<{ id: string }>(
        `SELECT id FROM broadcasts WHERE finished_at IS NULL AND (lease_until IS NULL OR lease_until <= $1)
         ORDER BY created_at, ${binary('id')} LIMIT $2`,
        [now, limit],
      );
      return rows.map((r) => r.id);
    },
    async leaseBroadcast(id, owner, now, until) {
      // One statement: of two servers taking the same expired lease at once, the second's update
      // waits for the first's row lock, then finds the lease live and another owner's.
      const rows = await q(
        `UPDATE broadcasts SET lease_owner = $2, lease_until = $4
         WHERE id = $1 AND finished_at IS NULL AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until IS NULL OR lease_until <= $3)
         RETURNING id`,
        [id, owner, now, until],
      );
      return rows.length === 1;
    },
  };
}
