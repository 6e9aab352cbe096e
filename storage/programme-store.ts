import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

export type WorkshopStatus = 'planned' | 'held' | 'cancelled';
export type FocalPointStatus = 'nominated' | 'enrolled' | 'trained' | 'no-show';
export type Attendance = 'attended' | 'missed' | 'cancelled';
export type GoldDiskStatus = 'current' | 'superseded' | 'recalled';
export type BroadcastRowStatus = 'pending' | 'done' | 'skipped' | 'failed';

export interface Workshop {
  id: string;
  title: string;
  city: string;
  country: string;
  start: string;
  end: string;
  capacity: number;
  status: WorkshopStatus;
  createdAt: string | null;
  statusAt: string | null;
}

export interface FocalPoint {
  id: number;
  officeId: string;
  name: string;
  email: string;
  role: string | null;
  status: FocalPointStatus;
  workshopId: string | null;
  nominatedAt: string;
  enrolledAt: string | null;
  trainedAt: string | null;
  noShowAt: string | null;
}

export interface Enrolment {
  workshopId: string;
  focalPointId: number;
  officeId: string;
  enrolledAt: string;
  attendance: Attendance | null;
}

export interface GoldDiskVersion {
  version: string;
  releasedAt: string;
  notes: string;
  status: GoldDiskStatus;
  recalledAt: string | null;
  recallReason: string | null;
}

export interface Broadcast {
  id: string;
  kind: string;
  event: { type: string } & Record<string, unknown>;
  description: string;
  actor: string;
  createdAt: string;
  finishedAt: string | null;
}

export interface BroadcastRow {
  position: number;
  officeId: string;
  status: BroadcastRowStatus;
  message: string | null;
  version: number | null;
  at: string | null;
}

/** The rows of `workshops` and `focal_points`, alike on both backends. */
export interface WorkshopRow {
  id: string;
  title: string;
  city: string;
  country: string;
  start_date: string;
  end_date: string;
  capacity: number;
  status: WorkshopStatus;
  created_at: string | null;
  status_at: string | null;
}

export interface FocalPointRow {
  id: number;
  office_id: string;
  name: string;
  email: string;
  role: string | null;
  status: FocalPointStatus;
  workshop_id: string | null;
  nominated_at: string;
  enrolled_at: string | null;
  trained_at: string | null;
  no_show_at: string | null;
}

export const toWorkshop = (r: WorkshopRow): Workshop => ({
  id: r.id,
  title: r.title,
  city: r.city,
  country: r.country,
  start: r.start_date,
  end: r.end_date,
  capacity: r.capacity,
  status: r.status,
  createdAt: r.created_at,
  statusAt: r.status_at,
});

export const toFocalPoint = (r: FocalPointRow): FocalPoint => ({
  id: r.id,
  officeId: r.office_id,
  name: r.name,
  email: r.email,
  role: r.role,
  status: r.status,
  workshopId: r.workshop_id,
  nominatedAt: r.nominated_at,
  enrolledAt: r.enrolled_at,
  trainedAt: r.trained_at,
  noShowAt: r.no_show_at,
});

/** A focal point's enrolment in a workshop, with the names the attendance list shows. */
export interface EnrolmentOfWorkshop extends Enrolment {
  name: string;
  email: string;
  officeName: string;
  country: string;
}

/** A focal point with its office's name and country, as the register pages list it. */
export interface FocalPointOfOffice extends FocalPoint {
  officeName: string;
  country: string;
}

export interface FocalPointFilter {
  officeId?: string;
  status?: FocalPointStatus;
  limit?: number;
  offset?: number;
}

/** Which offices a bulk action is for; every condition given must hold. */
export interface OfficeSelectionFilter {
  /** An active state the office is in. */
  state?: string;
  /** Each list must contain the office's country (a country list and a region's countries). */
  countryLists?: string[][];
  track?: string;
  ids?: string[];
}

/** Everything the programme keeps beside the offices: workshops, focal points, Gold Disk versions, kits, broadcasts. */
export interface ProgrammeStore {
  // --- workshops
  getWorkshop(id: string): Promise<Workshop | undefined>;
  listWorkshops(): Promise<Workshop[]>;
  upsertWorkshop(w: Workshop): Promise<void>;
  setWorkshopStatus(id: string, status: WorkshopStatus, at: string): Promise<void>;
  setWorkshopCapacity(id: string, capacity: number): Promise<void>;
  /** New dates for a workshop that is still planned; false when it is not (or does not exist). */
  rescheduleWorkshop(id: string, start: string, end: string): Promise<boolean>;
  /** Places taken: enrolments not cancelled. */
  enrolledCount(workshopId: string): Promise<number>;
  enrolments(workshopId: string): Promise<EnrolmentOfWorkshop[]>;
  addEnrolment(workshopId: string, focalPointId: number, officeId: string, at: string): Promise<void>;
  setAttendance(workshopId: string, focalPointId: number, attendance: Attendance): Promise<void>;
  /** The SEQUENCE of the workshop's calendar event: 0 until its dates first change. */
  calendarSequence(workshopId: string): Promise<number>;
  bumpCalendarSequence(workshopId: string): Promise<void>;

  // --- focal points
  getFocalPoint(id: number): Promise<FocalPoint | undefined>;
  focalPointByEmail(officeId: string, email: string): Promise<FocalPoint | undefined>;
  focalPointsOf(officeId: string): Promise<FocalPoint[]>;
  listFocalPoints(filter: FocalPointFilter): Promise<{ total: number; focalPoints: FocalPointOfOffice[] }>;
  /** Nominated or no-show focal points of offices whose training region is in one of `states`. */
  enrollableFocalPoints(states: string[]): Promise<FocalPointOfOffice[]>;
  insertFocalPoint(officeId: string, name: string, email: string, role: string | null, at: string): Promise<number>;
  renominate(id: number, name: string, role: string | null): Promise<void>;
  markEnrolled(id: number, workshopId: string, at: string): Promise<void>;
  markTrained(id: number, workshopId: string | null, at: string): Promise<void>;
  markNoShow(id: number, at: string): Promise<void>;
  markNominatedAgain(id: number): Promise<void>;
  /** True while the register (focal points, kit shipments) is empty and the history holds nominations. */
  focalPointRegisterNeedsBackfill(): Promise<boolean>;
  /** Offices with at least one history row of one of `types`, in no particular order. */
  officesWithHistoryOf(types: string[]): Promise<string[]>;

  // --- Gold Disk and kits
  getGoldDisk(version: string): Promise<GoldDiskVersion | undefined>;
  listGoldDisks(): Promise<GoldDiskVersion[]>;
  currentGoldDisk(): Promise<string | null>;
  releaseGoldDisk(version: string, notes: string, at: string): Promise<void>;
  recallGoldDisk(version: string, reason: string, at: string): Promise<void>;
  recordShipment(officeId: string, seq: number, version: string | null, at: string): Promise<void>;
  /** Every kit shipped to one office, oldest first, with the Gold Disk version it carried. */
  shipmentsOf(officeId: string): Promise<{ seq: number; version: string | null; at: string }[]>;
  shipmentsByVersion(): Promise<Record<string, number>>;

  // --- offices, as the bulk actions pick them
  /** Offices whose active states include any of `paths`, in id order. */
  officesIn(paths: string[]): Promise<string[]>;
  /** Offices matching every condition of `filter`, by name then id. */
  selectOfficeIds(filter: OfficeSelectionFilter): Promise<string[]>;

  // --- broadcasts
  createBroadcast(b: Omit<Broadcast, 'finishedAt'>, officeIds: string[]): Promise<void>;
  getBroadcast(id: string): Promise<Broadcast | undefined>;
  listBroadcasts(limit?: number): Promise<Broadcast[]>;
  broadcastRows(id: string): Promise<BroadcastRow[]>;
  broadcastCounts(id: string): Promise<Record<BroadcastRowStatus, number>>;
  pendingRows(id: string, limit: number): Promise<{ position: number; officeId: string }[]>;
  isPending(id: string, position: number): Promise<boolean>;
  /** Marks a pending row; false when it was no longer pending (someone else processed it). */
  finishRow(
    id: string,
    position: number,
    status: Exclude<BroadcastRowStatus, 'pending'>,
    message: string | null,
    version: number | null,
    at: string,
  ): Promise<boolean>;
  /** Marks the broadcast finished once no row is pending. */
  finishBroadcast(id: string, at: string): Promise<void>;
  /** Unfinished broadcasts whose lease is missing or ran out by `now`, oldest first. */
  abandonedBroadcasts(now: string, limit: number): Promise<string[]>;
  /**
   * Takes or renews the lease of an unfinished broadcast for `owner` until `until`: false when it
   * is finished or another owner's lease runs past `now`.
   */
  leaseBroadcast(id: string, owner: string, now: string, until: string): Promise<boolean>;
}

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/** The programme's repository on SQLite. */
export function createProgrammeStore(db: Db): ProgrammeStore {
  const s = {
    workshop: db.prepare<[string], WorkshopRow>('SELECT * FROM workshops WHERE id = ?'),
    workshops: db.prepare<[], WorkshopRow>('SELECT * FROM workshops ORDER BY start_date, id'),
    upsertWorkshop: db.prepare(`INSERT INTO workshops (id, title, city, country, start_date, end_date, capacity, status, created_at, status_at)
      VALUES (@id, @title, @city, @country, @start, @end, @capacity, @status, @createdAt, @statusAt)
      ON CONFLICT (id) DO UPDATE SET title = excluded.title, city = excluded.city, country = excluded.country,
        start_date = excluded.start_date, end_date = excluded.end_date, capacity = excluded.capacity,
        status = excluded.status, status_at = excluded.status_at`),
    setWorkshopStatus: db.prepare('UPDATE workshops SET status = ?, status_at = ? WHERE id = ?'),
    setWorkshopCapacity: db.prepare('UPDATE workshops SET capacity = ? WHERE id = ?'),
    rescheduleWorkshop: db.prepare("UPDATE workshops SET start_date = ?, end_date = ? WHERE id = ? AND status = 'planned'"),
    calendarSequence: db.prepare<[string], { sequence: number }>('SELECT sequence FROM workshop_calendar WHERE workshop_id = ?'),
    bumpCalendarSequence: db.prepare(`INSERT INTO workshop_calendar (workshop_id, sequence) VALUES (?, 1)
      ON CONFLICT (workshop_id) DO UPDATE SET sequence = sequence + 1`),
    enrolledCount: db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM enrolments WHERE workshop_id = ? AND (attendance IS NULL OR attendance <> 'cancelled')",
    ),
    enrolments: db.prepare<[string], EnrolmentOfWorkshop>(
      `SELECT e.workshop_id AS workshopId, e.focal_point_id AS focalPointId, e.office_id AS officeId,
              e.enrolled_at AS enrolledAt, e.attendance, f.name, f.email, o.name AS officeName, o.country
       FROM enrolments e JOIN focal_points f ON f.id = e.focal_point_id JOIN offices o ON o.id = e.office_id
       WHERE e.workshop_id = ? ORDER BY o.name COLLATE NOCASE, f.name`,
    ),
    addEnrolment: db.prepare(
      `INSERT INTO enrolments (workshop_id, focal_point_id, office_id, enrolled_at, attendance) VALUES (?, ?, ?, ?, NULL)
       ON CONFLICT (workshop_id, focal_point_id) DO UPDATE SET enrolled_at = excluded.enrolled_at, attendance = NULL`,
    ),
    setAttendance: db.prepare('UPDATE enrolments SET attendance = ? WHERE workshop_id = ? AND focal_point_id = ?'),
    focalPoint: db.prepare<[number], FocalPointRow>('SELECT * FROM focal_points WHERE id = ?'),
    focalPointByEmail: db.prepare<[string, string], FocalPointRow>('SELECT * FROM focal_points WHERE office_id = ? AND email = ?'),
    focalPointsOf: db.prepare<[string], FocalPointRow>('SELECT * FROM focal_points WHERE office_id = ? ORDER BY id'),
    insertFocalPoint: db.prepare(`INSERT INTO focal_points (office_id, name, email, role, status, nominated_at)
      VALUES (?, ?, ?, ?, 'nominated', ?)`),
    // Nominating the same person again updates the name and role; training status is left as it is.
    renominate: db.prepare('UPDATE focal_points SET name = ?, role = coalesce(?, role) WHERE id = ?'),
    enrol: db.prepare("UPDATE focal_points SET status = 'enrolled', workshop_id = ?, enrolled_at = ? WHERE id = ?"),
    train: db.prepare(
      "UPDATE focal_points SET status = 'trained', workshop_id = coalesce(?, workshop_id), trained_at = coalesce(trained_at, ?) WHERE id = ?",
    ),
    noShow: db.prepare("UPDATE focal_points SET status = 'no-show', no_show_at = ? WHERE id = ?"),
    backToNominated: db.prepare("UPDATE focal_points SET status = 'nominated', workshop_id = NULL WHERE id = ?"),
    registerEmpty: db
      .prepare<[], number>('SELECT NOT EXISTS (SELECT 1 FROM focal_points) AND NOT EXISTS (SELECT 1 FROM kit_shipments) AS empty')
      .pluck(),
    anyNomination: db.prepare<[], number>("SELECT EXISTS (SELECT 1 FROM history WHERE type = 'FOCAL_POINT_NOMINATED')").pluck(),
    goldDisk: db.prepare<[string], GoldDiskVersion>(
      `SELECT version, released_at AS releasedAt, notes, status, recalled_at AS recalledAt, recall_reason AS recallReason
       FROM gold_disk_versions WHERE version = ?`,
    ),
    goldDisks: db.prepare<[], GoldDiskVersion>(
      `SELECT version, released_at AS releasedAt, notes, status, recalled_at AS recalledAt, recall_reason AS recallReason
       FROM gold_disk_versions ORDER BY released_at DESC, version DESC`,
    ),
    currentGoldDisk: db.prepare<[], { version: string }>("SELECT version FROM gold_disk_versions WHERE status = 'current'"),
    supersede: db.prepare("UPDATE gold_disk_versions SET status = 'superseded' WHERE status = 'current'"),
    insertGoldDisk: db.prepare(
      "INSERT INTO gold_disk_versions (version, released_at, notes, status) VALUES (?, ?, ?, 'current')",
    ),
    recallGoldDisk: db.prepare(
      "UPDATE gold_disk_versions SET status = 'recalled', recalled_at = ?, recall_reason = ? WHERE version = ?",
    ),
    insertShipment: db.prepare(
      'INSERT INTO kit_shipments (office_id, seq, gold_disk_version, shipped_at) VALUES (?, ?, ?, ?)',
    ),
    shipmentsOf: db.prepare<[string], { seq: number; version: string | null; at: string }>(
      'SELECT seq, gold_disk_version AS version, shipped_at AS at FROM kit_shipments WHERE office_id = ? ORDER BY seq',
    ),
    shipmentsByVersion: db.prepare<[], { version: string | null; n: number }>(
      'SELECT gold_disk_version AS version, count(*) AS n FROM kit_shipments GROUP BY 1',
    ),
    insertBroadcast: db.prepare(`INSERT INTO broadcasts (id, kind, event, description, actor, created_at)
      VALUES (?, ?, ?, ?, ?, ?)`),
    insertBroadcastRow: db.prepare(
      "INSERT INTO broadcast_offices (broadcast_id, position, office_id, status) VALUES (?, ?, ?, 'pending')",
    ),
    broadcast: db.prepare<[string], { id: string; kind: string; event: string; description: string; actor: string; created_at: string; finished_at: string | null }>(
      'SELECT * FROM broadcasts WHERE id = ?',
    ),
    broadcasts: db.prepare<[number], { id: string; kind: string; event: string; description: string; actor: string; created_at: string; finished_at: string | null }>(
      'SELECT * FROM broadcasts ORDER BY created_at DESC, rowid DESC LIMIT ?',
    ),
    broadcastRows: db.prepare<[string], BroadcastRow>(
      'SELECT position, office_id AS officeId, status, message, version, at FROM broadcast_offices WHERE broadcast_id = ? ORDER BY position',
    ),
    broadcastCounts: db.prepare<[string], { status: BroadcastRowStatus; n: number }>(
      'SELECT status, count(*) AS n FROM broadcast_offices WHERE broadcast_id = ? GROUP BY status',
    ),
    pendingRows: db.prepare<[string, number], { position: number; officeId: string }>(
      `SELECT position, office_id AS officeId FROM broadcast_offices
       WHERE broadcast_id = ? AND status = 'pending' ORDER BY position LIMIT ?`,
    ),
    isPending: db.prepare<[string, number], { n: number }>(
      "SELECT count(*) AS n FROM broadcast_offices WHERE broadcast_id = ? AND position = ? AND status = 'pending'",
    ),
    finishRow: db.prepare(`UPDATE broadcast_offices SET status = ?, message = ?, version = ?, at = ?
      WHERE broadcast_id = ? AND position = ? AND status = 'pending'`),
    finishBroadcast: db.prepare(`UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM broadcast_offices WHERE broadcast_id = ? AND status = 'pending')`),
    abandonedBroadcasts: db.prepare<[string, number], string>(`SELECT id FROM broadcasts
      WHERE finished_at IS NULL AND (lease_until IS NULL OR lease_until <= ?) ORDER BY created_at, id LIMIT ?`).pluck(),
    leaseBroadcast: db.prepare(`UPDATE broadcasts SET lease_owner = @owner, lease_until = @until
      WHERE id = @id AND finished_at IS NULL AND (lease_owner IS NULL OR lease_owner = @owner OR lease_until IS NULL OR lease_until <= @now)`),
  };

  const toBroadcast = (r: { id: string; kind: string; event: string; description: string; actor: string; created_at: string; finished_at: string | null }): Broadcast => ({
    id: r.id,
    kind: r.kind,
    event: JSON.parse(r.event) as Broadcast['event'],
    description: r.description,
    actor: r.actor,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  });

  return unitOfWorkOf(db).repository<ProgrammeStore>({
    // --- workshops
    getWorkshop: (id: string) => {
      const row = s.workshop.get(id);
      return row ? toWorkshop(row) : undefined;
    },
    listWorkshops: () => s.workshops.all().map(toWorkshop),
    upsertWorkshop: (w: Workshop) => void s.upsertWorkshop.run(w),
    setWorkshopStatus: (id: string, status: WorkshopStatus, at: string) => void s.setWorkshopStatus.run(status, at, id),
    setWorkshopCapacity: (id: string, capacity: number) => void s.setWorkshopCapacity.run(capacity, id),
    rescheduleWorkshop: (id: string, start: string, end: string) => s.rescheduleWorkshop.run(start, end, id).changes === 1,
    calendarSequence: (workshopId: string) => s.calendarSequence.get(workshopId)?.sequence ?? 0,
    bumpCalendarSequence: (workshopId: string) => void s.bumpCalendarSequence.run(workshopId),
    enrolledCount: (workshopId: string) => s.enrolledCount.get(workshopId)!.n,
    enrolments: (workshopId: string) => s.enrolments.all(workshopId),
    addEnrolment: (workshopId: string, focalPointId: number, officeId: string, at: string) =>
      void s.addEnrolment.run(workshopId, focalPointId, officeId, at),
    setAttendance: (workshopId: string, focalPointId: number, attendance: Attendance) =>
      void s.setAttendance.run(attendance, workshopId, focalPointId),

    // --- focal points
    getFocalPoint: (id: number) => {
      const row = s.focalPoint.get(id);
      return row ? toFocalPoint(row) : undefined;
    },
    focalPointByEmail: (officeId: string, email: string) => {
      const row = s.focalPointByEmail.get(officeId, email.toLowerCase());
      return row ? toFocalPoint(row) : undefined;
    },
    focalPointsOf: (officeId: string) => s.focalPointsOf.all(officeId).map(toFocalPoint),
    listFocalPoints(filter: FocalPointFilter) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 100, offset: filter.offset ?? 0 };
      if (filter.officeId) {
        where.push('f.office_id = @officeId');
        params.officeId = filter.officeId;
      }
      if (filter.status) {
        where.push('f.status = @status');
        params.status = filter.status;
      }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total = (db.prepare(`SELECT count(*) AS n FROM focal_points f ${clause}`).get(params) as { n: number }).n;
      const rows = db
        .prepare<Record<string, unknown>, FocalPointRow & { office_name: string; country: string }>(
          `SELECT f.*, o.name AS office_name, o.country FROM focal_points f JOIN offices o ON o.id = f.office_id ${clause}
           ORDER BY o.name COLLATE NOCASE, f.id LIMIT @limit OFFSET @offset`,
        )
        .all(params);
      return {
        total,
        focalPoints: rows.map((r) => ({ ...toFocalPoint(r), officeName: r.office_name, country: r.country })),
      };
    },
    enrollableFocalPoints(states: string[]) {
      const rows = db
        .prepare<string[], FocalPointRow & { office_name: string; country: string }>(
          `SELECT f.*, o.name AS office_name, o.country FROM focal_points f JOIN offices o ON o.id = f.office_id
           WHERE f.status IN ('nominated', 'no-show')
             AND EXISTS (SELECT 1 FROM office_states s WHERE s.office_id = f.office_id AND s.path IN (${placeholders(states)}))
           ORDER BY o.name COLLATE NOCASE, f.id`,
        )
        .all(...states);
      return rows.map((r) => ({ ...toFocalPoint(r), officeName: r.office_name, country: r.country }));
    },
    insertFocalPoint: (officeId: string, name: string, email: string, role: string | null, at: string) =>
      Number(s.insertFocalPoint.run(officeId, name, email.toLowerCase(), role, at).lastInsertRowid),
    renominate: (id: number, name: string, role: string | null) => void s.renominate.run(name, role, id),
    markEnrolled: (id: number, workshopId: string, at: string) => void s.enrol.run(workshopId, at, id),
    markTrained: (id: number, workshopId: string | null, at: string) => void s.train.run(workshopId, at, id),
    markNoShow: (id: number, at: string) => void s.noShow.run(at, id),
    markNominatedAgain: (id: number) => void s.backToNominated.run(id),
    focalPointRegisterNeedsBackfill: () => s.registerEmpty.get() === 1 && s.anyNomination.get() === 1,
    officesWithHistoryOf: (types: string[]) =>
      db
        .prepare<string[], { office_id: string }>(`SELECT DISTINCT office_id FROM history WHERE type IN (${placeholders(types)})`)
        .all(...types)
        .map((r) => r.office_id),

    // --- Gold Disk and kits
    getGoldDisk: (version: string) => s.goldDisk.get(version),
    listGoldDisks: () => s.goldDisks.all(),
    currentGoldDisk: () => s.currentGoldDisk.get()?.version ?? null,
    releaseGoldDisk(version: string, notes: string, at: string) {
      s.supersede.run();
      s.insertGoldDisk.run(version, at, notes);
    },
    recallGoldDisk: (version: string, reason: string, at: string) => void s.recallGoldDisk.run(at, reason, version),
    recordShipment: (officeId: string, seq: number, version: string | null, at: string) =>
      void s.insertShipment.run(officeId, seq, version, at),
    shipmentsOf: (officeId: string) => s.shipmentsOf.all(officeId),
    shipmentsByVersion: () => Object.fromEntries(s.shipmentsByVersion.all().map((r) => [r.version ?? 'unknown', r.n])),

    // --- offices, as the bulk actions pick them
    officesIn: (paths: string[]) =>
      db
        .prepare<string[], { office_id: string }>(`SELECT DISTINCT office_id FROM office_states WHERE path IN (${placeholders(paths)}) ORDER BY office_id`)
        .all(...paths)
        .map((r) => r.office_id),
    selectOfficeIds(filter: OfficeSelectionFilter) {
      const where: string[] = [];
      const params: string[] = [];
      const inList = (column: string, values: string[]) => {
        where.push(`${column} IN (${placeholders(values)})`);
        params.push(...values);
      };
      if (filter.state !== undefined) {
        where.push('EXISTS (SELECT 1 FROM office_states s WHERE s.office_id = o.id AND s.path = ?)');
        params.push(filter.state);
      }
      for (const countries of filter.countryLists ?? []) inList('o.country', countries);
      if (filter.track !== undefined) {
        where.push('o.track = ?');
        params.push(filter.track);
      }
      if (filter.ids) inList('o.id', filter.ids);
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      return db
        .prepare<string[], { id: string }>(`SELECT o.id FROM offices o ${clause} ORDER BY o.name COLLATE NOCASE, o.id`)
        .all(...params)
        .map((r) => r.id);
    },

    // --- broadcasts
    createBroadcast(b: Omit<Broadcast, 'finishedAt'>, officeIds: string[]) {
      s.insertBroadcast.run(b.id, b.kind, JSON.stringify(b.event), b.description, b.actor, b.createdAt);
      officeIds.forEach((officeId, position) => s.insertBroadcastRow.run(b.id, position, officeId));
    },
    getBroadcast: (id: string) => {
      const row = s.broadcast.get(id);
      return row ? toBroadcast(row) : undefined;
    },
    listBroadcasts: (limit = 50) => s.broadcasts.all(limit).map(toBroadcast),
    broadcastRows: (id: string) => s.broadcastRows.all(id),
    broadcastCounts(id: string): Record<BroadcastRowStatus, number> {
      const counts = { pending: 0, done: 0, skipped: 0, failed: 0 };
      for (const r of s.broadcastCounts.all(id)) counts[r.status] = r.n;
      return counts;
    },
    pendingRows: (id: string, limit: number) => s.pendingRows.all(id, limit),
    isPending: (id: string, position: number) => s.isPending.get(id, position)!.n === 1,
    finishRow: (id: string, position: number, status: Exclude<BroadcastRowStatus, 'pending'>, message: string | null, version: number | null, at: string) =>
      s.finishRow.run(status, message, version, at, id, position).changes === 1,
    finishBroadcast: (id: string, at: string) => void s.finishBroadcast.run(at, id, id),
    abandonedBroadcasts: (now: string, limit: number) => s.abandonedBroadcasts.all(now, limit),
    leaseBroadcast: (id: string, owner: string, now: string, until: string) => s.leaseBroadcast.run({ id, owner, now, until }).changes === 1,
  });
}
