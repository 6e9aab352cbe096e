import { Duration } from 'luxon';
import { allStates } from '../../machines/describe';
import type { Owner, ReminderPolicy } from '../../machines/meta';
import type { Db } from '../../storage/db';
import type { Workshop } from '../../storage/programme-store';
import { lastCompleteQuarter, makePeriod, quarterOf, quartersBetween, type Period } from './period';

/**
 * The quarterly progress report, computed from the history as of the end of the period: each
 * office's states then are those of its last history row before that instant, and every count
 * reads only rows (history, focal-point training, workshops, Gold Disk releases) dated before it.
 * A report for a past period therefore does not change when later events arrive.
 */
export interface StalledOffice {
  officeId: string;
  name: string;
  country: string;
  state: string;
  stateLabel: string;
  stage: string;
  owner: Owner;
  enteredAt: string;
  daysInState: number;
  daysOverdue: number;
}

export interface StalledGroup {
  stage: string;
  stageLabel: string;
  owner: Owner;
  offices: number;
  /** The office of this group stalled the longest. */
  longest: StalledOffice;
}

export type PlannedWorkshop = Pick<Workshop, 'id' | 'title' | 'city' | 'country' | 'start' | 'end'>;

export interface ProgressReport {
  period: Period;
  /** Offices with a KIT_INSTALLED dated in the period. */
  installedInPeriod: number;
  /** Offices installed or handed over at the end (handed-over Internet-track offices included). */
  installedTotal: number;
  /** Kit-track offices that said yes and are not installed at the end: in preparing or deployment (on hold included). */
  preparingForDeployment: number;
  /** SEND_CIRCULAR, REPLY_AFFIRMATIVE and REPLY_DECLINED events dated in the period. */
  circularLettersInPeriod: number;
  affirmativeRepliesInPeriod: number;
  declinedInPeriod: number;
  /** Focal points trained by the end, the offices they belong to, and those offices' countries. */
  focalPointsTrained: number;
  officesTrained: number;
  countriesTrained: number;
  /** Workshops known at the end, starting after the period, not cancelled by then. */
  workshopsPlanned: number;
  /** Offices in deployment.onHold at the end. */
  awaitingGoldDisk: number;
  keyIssues: {
    /** Offices longer in a state than its SLA at the end of the period. */
    stalledOffices: number;
    groups: StalledGroup[];
    longestStalled: StalledOffice | null;
    /** Offices whose site preparation was blocked by a reported difficulty at the end. */
    siteDifficulties: number;
  };
  /** Offices registered at the end, per stage (top-level state). */
  officesByStage: Record<string, number>;
  /** KIT_INSTALLED per calendar quarter, from the first installation up to the period's quarter. */
  installationsByQuarter: { quarter: string; installed: number }[];
  plannedWorkshops: PlannedWorkshop[];
  /** The Gold Disk version current at the end of the period, if any was recorded. */
  goldDiskVersion: string | null;
}

export interface StallPolicy {
  slaMs: number;
  /** The SLA ends with the office's workshop instead (enrolled). */
  untilWorkshopEnd: boolean;
}

interface StateInfo {
  label: string;
  owner: Owner;
}

const DAY = 86_400_000;

const stateInfo = new Map<string, StateInfo>(allStates().map((s) => [s.path, { label: s.meta.label, owner: s.meta.owner }]));

/** SLA per leaf state: the effective policies when the caller has them, else the defaults in the machine meta. */
export function stallPolicies(policies?: ReadonlyMap<string, ReminderPolicy>): Map<string, StallPolicy> {
  const source: [string, ReminderPolicy | undefined][] = policies
    ? [...policies.entries()]
    : allStates().map((s) => [s.path, s.meta.reminders]);
  const result = new Map<string, StallPolicy>();
  for (const [path, policy] of source) {
    if (!policy?.sla) continue;
    const ms = Duration.fromISO(policy.sla).as('milliseconds');
    if (Number.isFinite(ms) && ms > 0) result.set(path, { slaMs: ms, untilWorkshopEnd: policy.until === 'workshopEnd' });
  }
  return result;
}

interface OfficeAtEnd {
  id: string;
  /** Leaf path → when it was entered. */
  leaves: Map<string, string>;
  workshopId: string | null;
}

interface HistoryRow {
  office_id: string;
  type: string;
  to_states: string;
  at: string;
  workshop_id: string | null;
}

/** Walks every office's history up to `end`, in one ordered pass over the history's primary key. */
function officesAtEnd(db: Db, end: string): OfficeAtEnd[] {
  const rows = db
    .prepare<[string], HistoryRow>(
      `SELECT office_id, type, to_states, at,
              CASE WHEN type = 'ENROLLED' THEN payload ->> '$.workshopId' END AS workshop_id
       FROM history WHERE at < ? ORDER BY office_id, seq`,
    )
    .iterate(end);
  const out: OfficeAtEnd[] = [];
  let current = undefined as OfficeAtEnd | undefined;
  for (const row of rows) {
    if (!current || current.id !== row.office_id) {
      current = { id: row.office_id, leaves: new Map(), workshopId: null };
      out.push(current);
    }
    // A leaf still active after the row keeps the time it was entered (`from_states` of a row are the
    // previous row's `to_states`, so the previous leaves are enough).
    const leaves = new Map<string, string>();
    for (const path of JSON.parse(row.to_states) as string[]) leaves.set(path, current.leaves.get(path) ?? row.at);
    current.leaves = leaves;
    if (row.type === 'ENROLLED' && row.workshop_id) current.workshopId = row.workshop_id;
  }
  return out;
}

const stageOf = (path: string) => path.split('.')[0]!;

export interface ReportOptions {
  from?: string;
  to?: string;
  /** Effective reminder policies (machine defaults merged with operator overrides). */
  policies?: ReadonlyMap<string, ReminderPolicy>;
}

export function computeProgressReport(db: Db, now: Date, options: ReportOptions = {}): ProgressReport {
  const period =
    options.from || options.to
      ? makePeriod(options.from ?? options.to!, options.to ?? options.from!)
      : lastCompleteQuarter(now);
  const { start, end } = period;
  const endMs = Date.parse(end);
  const stall = stallPolicies(options.policies);

  const offices = new Map(
    db
      .prepare<[], { id: string; name: string; country: string; track: string }>('SELECT id, name, country, track FROM offices')
      .all()
      .map((o) => [o.id, o]),
  );
  const workshopEnds = new Map(
    db
      .prepare<[], { id: string; end_date: string }>('SELECT id, end_date FROM workshops')
      .all()
      .map((w) => [w.id, Date.parse(`${w.end_date}T00:00:00.000Z`) + DAY]),
  );

  let installedTotal = 0;
  let preparingForDeployment = 0;
  let awaitingGoldDisk = 0;
  let siteDifficulties = 0;
  const officesByStage: Record<string, number> = {};
  const stalled: StalledOffice[] = [];
  const stalledIds = new Set<string>();

  for (const office of officesAtEnd(db, end)) {
    const info = offices.get(office.id);
    if (!info) continue;
    const paths = [...office.leaves.keys()];
    const stage = stageOf(paths[0] ?? 'prospect');
    officesByStage[stage] = (officesByStage[stage] ?? 0) + 1;
    if (stage === 'installed' || stage === 'handedOver') installedTotal++;
    if (info.track === 'kit' && (stage === 'preparing' || stage === 'deployment')) preparingForDeployment++;
    if (office.leaves.has('deployment.onHold')) awaitingGoldDisk++;
    if (office.leaves.has('preparing.site.blocked')) siteDifficulties++;

    for (const [path, enteredAt] of office.leaves) {
      const policy = stall.get(path);
      if (!policy) continue;
      const enteredMs = Date.parse(enteredAt);
      const workshopEnd = policy.untilWorkshopEnd && office.workshopId ? workshopEnds.get(office.workshopId) : undefined;
      const deadline = workshopEnd ?? enteredMs + policy.slaMs;
      if (deadline >= endMs) continue;
      const state = stateInfo.get(path);
      stalled.push({
        officeId: office.id,
        name: info.name,
        country: info.country,
        state: path,
        stateLabel: state?.label ?? path,
        stage: stageOf(path),
        owner: state?.owner ?? 'wipo',
        enteredAt,
        daysInState: Math.floor((endMs - enteredMs) / DAY),
        daysOverdue: Math.floor((endMs - deadline) / DAY),
      });
      stalledIds.add(office.id);
    }
  }

  const longestFirst = (a: StalledOffice, b: StalledOffice) =>
    b.daysOverdue - a.daysOverdue || b.daysInState - a.daysInState || a.officeId.localeCompare(b.officeId);
  stalled.sort(longestFirst);
  const groups = new Map<string, { stage: string; owner: Owner; ids: Set<string>; longest: StalledOffice }>();
  for (const s of stalled) {
    const key = `${s.stage}\u0000${s.owner}`;
    const group = groups.get(key) ?? { stage: s.stage, owner: s.owner, ids: new Set<string>(), longest: s };
    group.ids.add(s.officeId);
    groups.set(key, group);
  }

  const countType = db.prepare<[string, string, string], { n: number }>(
    'SELECT count(*) AS n FROM history WHERE type = ? AND at >= ? AND at < ?',
  );
  const installedInPeriod = db
    .prepare<[string, string], { n: number }>(
      "SELECT count(DISTINCT office_id) AS n FROM history WHERE type = 'KIT_INSTALLED' AND at >= ? AND at < ?",
    )
    .get(start, end)!.n;

  const trained = db
    .prepare<[string], { fps: number; offices: number; countries: number }>(
      `SELECT count(*) AS fps, count(DISTINCT f.office_id) AS offices, count(DISTINCT o.country) AS countries
       FROM focal_points f JOIN offices o ON o.id = f.office_id WHERE f.trained_at < ?`,
    )
    .get(end)!;

  const plannedWorkshops = db
    .prepare<[string, string, string], PlannedWorkshop>(
      `SELECT id, title, city, country, start_date AS start, end_date AS "end" FROM workshops
       WHERE start_date > ? AND (created_at IS NULL OR created_at < ?)
         AND NOT (status = 'cancelled' AND (status_at IS NULL OR status_at < ?))
       ORDER BY start_date, id`,
    )
    .all(period.to, end, end);

  const perQuarter = new Map(
    db
      .prepare<[string], { quarter: string; n: number }>(
        `SELECT substr(at, 1, 4) || '-Q' || ((CAST(substr(at, 6, 2) AS INTEGER) + 2) / 3) AS quarter, count(*) AS n
         FROM history WHERE type = 'KIT_INSTALLED' AND at < ? GROUP BY quarter`,
      )
      .all(end)
      .map((r) => [r.quarter, r.n]),
  );
  const lastQuarter = quarterOf(period.to);
  const firstQuarter = [...perQuarter.keys()].sort()[0] ?? lastQuarter;
  const installationsByQuarter = quartersBetween(firstQuarter, lastQuarter).map((quarter) => ({
    quarter,
    installed: perQuarter.get(quarter) ?? 0,
  }));

  const goldDisk = db
    .prepare<[string, string], { version: string }>(
      `SELECT version FROM gold_disk_versions WHERE released_at < ? AND (recalled_at IS NULL OR recalled_at >= ?)
       ORDER BY released_at DESC, version DESC LIMIT 1`,
    )
    .get(end, end);

  return {
    period,
    installedInPeriod,
    installedTotal,
    preparingForDeployment,
    circularLettersInPeriod: countType.get('SEND_CIRCULAR', start, end)!.n,
    affirmativeRepliesInPeriod: countType.get('REPLY_AFFIRMATIVE', start, end)!.n,
    declinedInPeriod: countType.get('REPLY_DECLINED', start, end)!.n,
    focalPointsTrained: trained.fps,
    officesTrained: trained.offices,
    countriesTrained: trained.countries,
    workshopsPlanned: plannedWorkshops.length,
    awaitingGoldDisk,
    keyIssues: {
      stalledOffices: stalledIds.size,
      groups: [...groups.values()]
        .map((g) => ({
          stage: g.stage,
          stageLabel: stateInfo.get(g.stage)?.label ?? g.stage,
          owner: g.owner,
          offices: g.ids.size,
          longest: g.longest,
        }))
        .sort((a, b) => b.offices - a.offices || a.stage.localeCompare(b.stage) || a.owner.localeCompare(b.owner)),
      longestStalled: stalled[0] ?? null,
      siteDifficulties,
    },
    officesByStage,
    installationsByQuarter,
    plannedWorkshops,
    goldDiskVersion: goldDisk?.version ?? null,
  };
}
