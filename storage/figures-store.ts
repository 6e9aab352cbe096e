import { unitOfWorkOf } from './unit-of-work';
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

/** What the figures functions read: the headline counts now and as of a date, from the live tables and the history. */
export interface FiguresStore {
  /** Every figure at `now` (ISO instant). */
  countFigures(now: string): Promise<Record<FigureName, number>>;
  countStateFiguresAsOf(end: string): Promise<Record<StateFigure, number>>;
  /** When each office counted in "installed" as of `end` had its kit installed (null: no dated row). */
  installationDatesAsOf(end: string): Promise<(string | null)[]>;
  /** The offices counted in "installed" now, per month ("YYYY-MM") of their installation. */
  installationsByMonthNow(): Promise<{ month: string; n: number }[]>;
  /** When each office counted in "connected" as of `end` was connected. */
  connectionDatesAsOf(end: string): Promise<(string | null)[]>;
  /** Each office's active leaf states as of `end` (those of its last history row before then). */
  leavesAsOf(end: string): Promise<{ id: string; leaves: string[] }[]>;
  /** Every history row before `end`, office by office in order. */
  historyBefore(end: string): Promise<Iterable<HistoryStep>>;
  /** What the as-of stalled figure needs of each office: its country, its time-zone override, its name. */
  officeFacts(): Promise<Map<string, { name: string; country: string; track: string; timeZone: string | null }>>;
  /** Last day of every workshop, by id. */
  workshopEndDays(): Promise<Map<string, string>>;
  /** State entries escalated before `end`, as `office\0state\0entry seq` keys. */
  escalatedBefore(end: string): Promise<Set<string>>;
  /** Every pause begun or ended before `end` (the reminder log's PAUSED and RESUMED rows), office by office in order. */
  pauseStepsBefore(end: string): Promise<PauseStep[]>;
}

export interface PauseStep {
  office_id: string;
  type: 'PAUSED' | 'RESUMED';
  at: string;
}

export type StateFigure = (typeof STATE_FIGURES)[number];

export interface HistoryStep {
  office_id: string;
  seq: number;
  type: string;
  to_states: string;
  at: string;
  workshop_id: string | null;
}

/** Offices as of `@end` as rows `o(id, track, stage)`: each office's stage is that of its last history row before then. */
const OFFICES_AS_OF = `WITH last AS (SELECT office_id, max(seq) AS seq FROM history WHERE at < @end GROUP BY office_id),
    leaf AS (SELECT h.office_id, h.to_states ->> '$[0]' AS path
             FROM last JOIN history h ON h.office_id = last.office_id AND h.seq = last.seq),
    o AS (SELECT f.id, f.track, substr(leaf.path, 1, instr(leaf.path || '.', '.') - 1) AS stage
          FROM leaf JOIN offices f ON f.id = leaf.office_id)`;

/**
 * Each state figure is one count on the `offices_stage_track` index (migration 008); the stalled
 * and stuck figures count distinct offices over the stalled clocks, the same sets as FIGURE_SQL's
 * EXISTS conditions, one office once however many of its states are stalled.
 */
export function createSqliteFiguresStore(db: Db): FiguresStore {
  const states = STATE_FIGURES.map((name) => [name, db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM offices o WHERE ${FIGURE_SQL[name]}`)] as const);
  const clocks = db.prepare<[{ now: string }], { stalled: number; stuck: number }>(
    `SELECT count(DISTINCT office_id) AS stalled, count(DISTINCT CASE WHEN escalated THEN office_id END) AS stuck
     FROM (${stalledClocks('c.office_id, c.escalated_at IS NOT NULL AS escalated')})`,
  );
  const statesAsOf = db.prepare<[{ end: string }], Record<StateFigure, number>>(
    `${OFFICES_AS_OF} SELECT ${STATE_FIGURES.map((name) => `count(*) FILTER (WHERE ${FIGURE_SQL[name]}) AS "${name}"`).join(', ')} FROM o`,
  );
  const datesAsOf = (figure: FigureName) =>
    db.prepare<[{ end: string; event: string }], { at: string | null }>(
      `${OFFICES_AS_OF}
       SELECT (SELECT max(h.at) FROM history h WHERE h.office_id = o.id AND h.type = @event AND h.at < @end) AS at
       FROM o WHERE ${FIGURE_SQL[figure]} ORDER BY 1`,
    );
  const installedAsOf = datesAsOf('installed');
  const connectedAsOf = datesAsOf('connected');
  // By the machine, only kit-track offices install (once), and a withdrawal is the only way out of
  // installed other than the handover: the KIT_INSTALLED rows (the covering `history_type_at`
  // index) less those of offices withdrawn afterwards are the installed figure's set.
  const byMonthNow = db.prepare<[], { month: string; n: number }>(
    `SELECT month, sum(n) AS n FROM (
       SELECT substr(at, 1, 7) AS month, count(*) AS n FROM history WHERE type = 'KIT_INSTALLED' GROUP BY 1
       UNION ALL
       SELECT substr(h.at, 1, 7), -count(*) FROM offices o JOIN history h ON h.office_id = o.id
       WHERE o.stage = 'withdrawn' AND h.type = 'KIT_INSTALLED' GROUP BY 1)
     GROUP BY month HAVING sum(n) > 0 ORDER BY month`,
  );
  const leaves = db.prepare<[{ end: string }], { id: string; to_states: string }>(
    `WITH last AS (SELECT office_id, max(seq) AS seq FROM history WHERE at < @end GROUP BY office_id)
     SELECT h.office_id AS id, h.to_states FROM last JOIN history h ON h.office_id = last.office_id AND h.seq = last.seq`,
  );
  const before = db.prepare<[string], HistoryStep>(
    `SELECT office_id, seq, type, to_states, at,
            CASE WHEN type = 'ENROLLED' THEN payload ->> '$.workshopId' END AS workshop_id
     FROM history WHERE at < ? ORDER BY office_id, seq`,
  );
  const facts = db.prepare<[], { id: string; name: string; country: string; track: string; time_zone: string | null }>(
    'SELECT o.id, o.name, o.country, o.track, s.time_zone FROM offices o LEFT JOIN office_reminder_settings s ON s.office_id = o.id',
  );
  const workshops = db.prepare<[], { id: string; end_date: string }>('SELECT id, end_date FROM workshops');
  const escalated = db.prepare<[string], { office_id: string; state: string; entry_seq: number }>(
    "SELECT office_id, state, entry_seq FROM reminder_timers WHERE kind = 'escalation' AND fired_at < ?",
  );
  const pauseSteps = db.prepare<[string], PauseStep>(
    "SELECT office_id, type, at FROM reminder_log WHERE type IN ('PAUSED', 'RESUMED') AND at < ? ORDER BY office_id, id",
  );
  return unitOfWorkOf(db).repository<FiguresStore>({
    countFigures(now) {
      const counts = Object.fromEntries(states.map(([name, stmt]) => [name, stmt.get()!.n])) as Record<StateFigure, number>;
      return { ...counts, ...clocks.get({ now })! };
    },
    countStateFiguresAsOf: (end) => statesAsOf.get({ end })!,
    installationDatesAsOf: (end) => installedAsOf.all({ end, event: 'KIT_INSTALLED' }).map((r) => r.at),
    installationsByMonthNow: () => byMonthNow.all(),
    connectionDatesAsOf: (end) => connectedAsOf.all({ end, event: 'SERVICES_CONNECTED' }).map((r) => r.at),
    leavesAsOf: (end) => leaves.all({ end }).map((r) => ({ id: r.id, leaves: JSON.parse(r.to_states) as string[] })),
    historyBefore: (end) => before.iterate(end),
    officeFacts: () => new Map(facts.all().map((r) => [r.id, { name: r.name, country: r.country, track: r.track, timeZone: r.time_zone }])),
    workshopEndDays: () => new Map(workshops.all().map((w) => [w.id, w.end_date])),
    escalatedBefore: (end) => new Set(escalated.all(end).map((r) => `${r.office_id}\u0000${r.state}\u0000${r.entry_seq}`)),
    pauseStepsBefore: (end) => pauseSteps.all(end),
  });
}
