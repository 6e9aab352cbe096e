import { unitOfWorkOf } from './unit-of-work';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import { STALLED_CLOCK_SQL } from './reminder-store';

/**
 * The programme's headline figures as SQL conditions on an office row (alias `o`), one per figure.
 * A figure's count and the list it links to use the same condition, so they cannot disagree.
 * `@now` is the instant the stalled and stuck figures are taken at.
 */
export const FIGURE_NAMES = ['invited', 'preparing', 'installed', 'connected', 'handedOver', 'stalled', 'stuck'] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export const FIGURE_SQL: Record<FigureName, string> = {
  invited: "o.stage = 'invited'",
  preparing: "o.stage = 'preparing'",
  // Kits installed to date: a kit-track office installed, or handed over after installing.
  installed: "o.track = 'kit' AND o.stage IN ('installed', 'handedOver')",
  // The Internet track's counterpart: connected to the services, or handed over after that.
  connected: "o.track = 'internet' AND o.stage IN ('connected', 'handedOver')",
  handedOver: "o.stage = 'handedOver'",
  // An office stalled in two regions is one stalled office.
  stalled: `EXISTS (SELECT 1 FROM sla_clocks c WHERE c.office_id = o.id AND ${STALLED_CLOCK_SQL})`,
  // Stuck: stalled and escalated to the coordinator after its reminders.
  stuck: `EXISTS (SELECT 1 FROM sla_clocks c WHERE c.office_id = o.id AND c.escalated_at IS NOT NULL AND ${STALLED_CLOCK_SQL})`,
};

const STATE_FIGURES = ['invited', 'preparing', 'installed', 'connected', 'handedOver'] as const;

/**
 * The stalled clocks at @now as one row source `c`, for counting and listing: running clocks come
 * off the partial `sla_clocks_running` index by deadline, the few paused ones off `sla_clocks_paused`
 * (the same set as STALLED_CLOCK_SQL, which a single OR would make a scan of every clock).
 */
export function stalledClocks(columns: string, extraWhere = ''): string {
  return `SELECT ${columns} FROM sla_clocks c WHERE c.paused_at IS NULL AND c.deadline <= @now${extraWhere}
    UNION ALL
    SELECT ${columns} FROM sla_clocks c WHERE c.paused_at IS NOT NULL AND c.deadline <= c.paused_at AND c.deadline <= @now${extraWhere}`;
}

interface Statements {
  states: [(typeof STATE_FIGURES)[number], Statement<[], { n: number }>][];
  clocks: Statement<[{ now: string }], { stalled: number; stuck: number }>;
}
const statements = new WeakMap<Db, Statements>();

/**
 * Every figure at `now`. Each state figure is one count on the `offices_stage_track` index (migration 008); the stalled
 * and stuck figures count distinct offices over the stalled clocks, the same sets as FIGURE_SQL's
 * EXISTS conditions, one office once however many of its states are stalled.
 */
export function countFigures(db: Db, now: string): Promise<Record<FigureName, number>> {
  return unitOfWorkOf(db).run(() => {
    let s = statements.get(db);
    if (!s) {
      s = {
        states: STATE_FIGURES.map((name) => [name, db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM offices o WHERE ${FIGURE_SQL[name]}`)]),
        clocks: db.prepare(
          `SELECT count(DISTINCT office_id) AS stalled, count(DISTINCT CASE WHEN escalated THEN office_id END) AS stuck
           FROM (${stalledClocks('c.office_id, c.escalated_at IS NOT NULL AS escalated')})`,
        ),
      };
      statements.set(db, s);
    }
    const states = Object.fromEntries(s.states.map(([name, stmt]) => [name, stmt.get()!.n])) as Record<(typeof STATE_FIGURES)[number], number>;
    return { ...states, ...s.clocks.get({ now })! };
  });
}

/** Offices as of `@end` as rows `o(id, track, stage)`: each office's stage is that of its last history row before then. */
const OFFICES_AS_OF = `WITH last AS (SELECT office_id, max(seq) AS seq FROM history WHERE at < @end GROUP BY office_id),
    leaf AS (SELECT h.office_id, h.to_states ->> '$[0]' AS path
             FROM last JOIN history h ON h.office_id = last.office_id AND h.seq = last.seq),
    o AS (SELECT f.id, f.track, substr(leaf.path, 1, instr(leaf.path || '.', '.') - 1) AS stage
          FROM leaf JOIN offices f ON f.id = leaf.office_id)`;

export function countStateFiguresAsOf(db: Db, end: string): Promise<Record<(typeof STATE_FIGURES)[number], number>> {
  return unitOfWorkOf(db).run(() => {
    const columns = STATE_FIGURES.map((name) => `count(*) FILTER (WHERE ${FIGURE_SQL[name]}) AS "${name}"`).join(', ');
    return db.prepare(`${OFFICES_AS_OF} SELECT ${columns} FROM o`).get({ end }) as Record<(typeof STATE_FIGURES)[number], number>;
  });
}

/**
 * When each office counted in "installed" as of `end` had its kit installed: the installations
 * over time add up to the installed figure, by construction (an office withdrawn after installing,
 * or an Internet-track office, is in neither).
 */
export function installationDatesAsOf(db: Db, end: string): Promise<(string | null)[]> {
  return unitOfWorkOf(db).run(() => {
    return datesAsOf(db, end, 'installed', 'KIT_INSTALLED');
  });
}

/**
 * The live counterpart for the overview: the offices counted in "installed" now, per month of their
 * KIT_INSTALLED. Read off the covering `history_type_at` index, less the installations of offices
 * that withdrew afterwards: by the machine, only kit-track offices install (once), and a withdrawal
 * is the only way out of installed other than the handover, so this is the figure's set.
 */
export function installationsByMonthNow(db: Db): Promise<{ month: string; n: number }[]> {
  return unitOfWorkOf(db).run(() => {
    return db
      .prepare<[], { month: string; n: number }>(
        `SELECT month, sum(n) AS n FROM (
           SELECT substr(at, 1, 7) AS month, count(*) AS n FROM history WHERE type = 'KIT_INSTALLED' GROUP BY 1
           UNION ALL
           SELECT substr(h.at, 1, 7), -count(*) FROM offices o JOIN history h ON h.office_id = o.id
           WHERE o.stage = 'withdrawn' AND h.type = 'KIT_INSTALLED' GROUP BY 1)
         GROUP BY month HAVING sum(n) > 0 ORDER BY month`,
      )
      .all();
  });
}

/** When each office counted in "connected" as of `end` was connected (SERVICES_CONNECTED). */
export function connectionDatesAsOf(db: Db, end: string): Promise<(string | null)[]> {
  return unitOfWorkOf(db).run(() => {
    return datesAsOf(db, end, 'connected', 'SERVICES_CONNECTED');
  });
}

function datesAsOf(db: Db, end: string, figure: FigureName, event: string): (string | null)[] {
  return db
    .prepare<{ end: string; event: string }, { at: string | null }>(
      `${OFFICES_AS_OF}
       SELECT (SELECT max(h.at) FROM history h WHERE h.office_id = o.id AND h.type = @event AND h.at < @end) AS at
       FROM o WHERE ${FIGURE_SQL[figure]} ORDER BY 1`,
    )
    .all({ end, event })
    .map((r) => r.at);
}

/** Each office's active leaf states as of `end` (those of its last history row before then). */
export function leavesAsOf(db: Db, end: string): Promise<{ id: string; leaves: string[] }[]> {
  return unitOfWorkOf(db).run(() => {
    return db
      .prepare<{ end: string }, { id: string; to_states: string }>(
        `WITH last AS (SELECT office_id, max(seq) AS seq FROM history WHERE at < @end GROUP BY office_id)
         SELECT h.office_id AS id, h.to_states FROM last JOIN history h ON h.office_id = last.office_id AND h.seq = last.seq`,
      )
      .all({ end })
      .map((r) => ({ id: r.id, leaves: JSON.parse(r.to_states) as string[] }));
  });
}

export interface HistoryStep {
  office_id: string;
  seq: number;
  type: string;
  to_states: string;
  at: string;
  workshop_id: string | null;
}

/** Every history row before `end`, office by office in order (one pass over the primary key). */
export function historyBefore(db: Db, end: string): Promise<Iterable<HistoryStep>> {
  return unitOfWorkOf(db).run(() => {
    return db
      .prepare<[string], HistoryStep>(
        `SELECT office_id, seq, type, to_states, at,
                CASE WHEN type = 'ENROLLED' THEN payload ->> '$.workshopId' END AS workshop_id
         FROM history WHERE at < ? ORDER BY office_id, seq`,
      )
      .iterate(end);
  });
}

/** What the as-of stalled figure needs of each office: its country, its time-zone override, its name. */
export function officeFacts(db: Db): Promise<Map<string, { name: string; country: string; track: string; timeZone: string | null }>> {
  return unitOfWorkOf(db).run(() => {
    const rows = db
      .prepare<[], { id: string; name: string; country: string; track: string; time_zone: string | null }>(
        `SELECT o.id, o.name, o.country, o.track, s.time_zone FROM offices o LEFT JOIN office_reminder_settings s ON s.office_id = o.id`,
      )
      .all();
    return new Map(rows.map((r) => [r.id, { name: r.name, country: r.country, track: r.track, timeZone: r.time_zone }]));
  });
}

/** Last day of every workshop. */
export function workshopEndDays(db: Db): Promise<Map<string, string>> {
  return unitOfWorkOf(db).run(() => {
    return new Map(
      db
        .prepare<[], { id: string; end_date: string }>('SELECT id, end_date FROM workshops')
        .all()
        .map((w) => [w.id, w.end_date]),
    );
  });
}

/** State entries (office, state, entering history seq) escalated before `end`. */
export function escalatedBefore(db: Db, end: string): Promise<Set<string>> {
  return unitOfWorkOf(db).run(() => {
    const rows = db
      .prepare<[string], { office_id: string; state: string; entry_seq: number }>(
        "SELECT office_id, state, entry_seq FROM reminder_timers WHERE kind = 'escalation' AND fired_at < ?",
      )
      .all(end);
    return new Set(rows.map((r) => `${r.office_id}\u0000${r.state}\u0000${r.entry_seq}`));
  });
}
