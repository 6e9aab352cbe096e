import { allStates, stageOfPath } from '../../machines/describe';
import type { Owner, ReminderPolicy } from '../../machines/meta';
import type { PlannedWorkshop } from '../../storage/report-store';
import type { Storage } from '../../storage/storage';
import { daysOverdue, daysSince } from '../../engine/deadlines';
import { connectionsAsOf, figuresAsOf, installationsAsOf, type Figures } from '../../engine/figures';
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

export type { PlannedWorkshop };

export interface ProgressReport {
  period: Period;
  /** Offices counted in `installedTotal` whose kit was installed in the period. */
  installedInPeriod: number;
  /** Kits installed to date: kit-track offices installed, or handed over after installing, at the end (engine/figures.ts). */
  installedTotal: number;
  /** Internet-track offices counted in `connectedTotal` connected in the period. */
  connectedInPeriod: number;
  /** Internet-track offices connected, or handed over after connecting, at the end: they get no kit. */
  connectedTotal: number;
  /** Every headline figure at the end of the period, as the overview shows them at that instant. */
  figures: Figures;
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
  /** The offices of `installedTotal` by the quarter their kit was installed, from the first up to the period's quarter: they add up to it. */
  installationsByQuarter: { quarter: string; installed: number }[];
  plannedWorkshops: PlannedWorkshop[];
  /** The Gold Disk version current at the end of the period, if any was recorded. */
  goldDiskVersion: string | null;
}

interface StateInfo {
  label: string;
  owner: Owner;
}

const stateInfo = new Map<string, StateInfo>(allStates().map((s) => [s.path, { label: s.meta.label, owner: s.meta.owner }]));

/** The machine's own reminder policies, for a caller without the effective ones. */
function defaultPolicies(): Map<string, ReminderPolicy> {
  return new Map(allStates().flatMap((s) => (s.meta.reminders ? [[s.path, s.meta.reminders] as const] : [])));
}


export interface ReportOptions {
  from?: string;
  to?: string;
  /** Effective reminder policies (machine defaults merged with operator overrides). */
  policies?: ReadonlyMap<string, ReminderPolicy>;
}

/** What the report reads: its own queries and the figures as of the period's end. */
export type ProgressReportDeps = Pick<Storage, 'reports' | 'figures'>;

export async function computeProgressReport(deps: ProgressReportDeps, now: Date, options: ReportOptions = {}): Promise<ProgressReport> {
  const { reports, figures } = deps;
  const period =
    options.from || options.to
      ? makePeriod(options.from ?? options.to!, options.to ?? options.from!)
      : lastCompleteQuarter(now);
  const { start, end } = period;
  const endMs = Date.parse(end);

  const policies = options.policies ?? defaultPolicies();
  const asOf = await figuresAsOf(figures, end, policies);
  const offices = new Map((await reports.offices()).map((o) => [o.id, o]));

  let preparingForDeployment = 0;
  let awaitingGoldDisk = 0;
  let siteDifficulties = 0;
  const officesByStage: Record<string, number> = {};
  for (const office of await figures.leavesAsOf(end)) {
    const info = offices.get(office.id);
    if (!info) continue;
    const stage = stageOfPath(office.leaves[0] ?? 'prospect');
    officesByStage[stage] = (officesByStage[stage] ?? 0) + 1;
    if (info.track === 'kit' && (stage === 'preparing' || stage === 'deployment')) preparingForDeployment++;
    if (office.leaves.includes('deployment.onHold')) awaitingGoldDisk++;
    if (office.leaves.includes('preparing.site.blocked')) siteDifficulties++;
  }

  const stalled: StalledOffice[] = asOf.stalled.map((entry) => {
    const info = offices.get(entry.officeId);
    const state = stateInfo.get(entry.state);
    const enteredMs = Date.parse(entry.enteredAt);
    return {
      officeId: entry.officeId,
      name: info?.name ?? entry.officeId,
      country: info?.country ?? '',
      state: entry.state,
      stateLabel: state?.label ?? entry.state,
      stage: stageOfPath(entry.state),
      owner: state?.owner ?? 'wipo',
      enteredAt: entry.enteredAt,
      daysInState: daysSince(enteredMs, endMs),
      daysOverdue: daysOverdue(entry.deadline, null, endMs),
    };
  });
  const stalledIds = new Set(stalled.map((s) => s.officeId));

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

  const inPeriod = (at: string) => (at >= start && at < end ? 'in' : 'before');
  const installedInPeriod = (await installationsAsOf(figures, end, inPeriod)).get('in') ?? 0;
  const connectedInPeriod = (await connectionsAsOf(figures, end, inPeriod)).get('in') ?? 0;

  const trained = await reports.trainingAsOf(end);
  const plannedWorkshops = await reports.plannedWorkshopsAsOf(period.to, end);

  // The same offices as installedTotal, by quarter: the bars add up to the total.
  const perQuarter = await installationsAsOf(figures, end, quarterOf);
  const undated = perQuarter.get('') ?? 0;
  perQuarter.delete('');
  const lastQuarter = quarterOf(period.to);
  const firstQuarter = [...perQuarter.keys()].sort()[0] ?? lastQuarter;
  // A kit-track office handed over without a recorded installation (an imported history) counts in the first quarter.
  const installationsByQuarter = quartersBetween(firstQuarter, lastQuarter).map((quarter, i) => ({
    quarter,
    installed: (perQuarter.get(quarter) ?? 0) + (i === 0 ? undated : 0),
  }));

  const goldDiskVersion = await reports.goldDiskVersionAsOf(end);
  const circularLettersInPeriod = await reports.countEvents('SEND_CIRCULAR', start, end);
  const affirmativeRepliesInPeriod = await reports.countEvents('REPLY_AFFIRMATIVE', start, end);
  const declinedInPeriod = await reports.countEvents('REPLY_DECLINED', start, end);

  return {
    period,
    installedInPeriod,
    installedTotal: asOf.figures.installed,
    connectedInPeriod,
    connectedTotal: asOf.figures.connected,
    figures: asOf.figures,
    preparingForDeployment,
    circularLettersInPeriod,
    affirmativeRepliesInPeriod,
    declinedInPeriod,
    focalPointsTrained: trained.focalPoints,
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
    goldDiskVersion,
  };
}
