import type { ReminderPolicy } from '../machines/meta';
import { FIGURE_NAMES, type FigureName, type FiguresStore, type PauseStep } from '../storage/figures-store';
import { zoneOf } from './business-hours';
import { deadlineOf, isOverdue } from './deadlines';

/**
 * The programme's headline figures, one definition each (the SQL in storage/figures-store.ts):
 * - invited, preparing, handed over: offices in that top-level state;
 * - installed (kits installed to date): kit-track offices installed, or handed over after installing;
 * - connected: Internet-track offices connected, or handed over after connecting (they get no kit);
 * - stalled: offices past the deadline of at least one state they are in (once each, whatever the
 *   number of regions stalled);
 * - stuck: stalled offices escalated to the coordinator after their reminders.
 * The overview cards, the lists they link to, `GET /api/stats`, the CLI `stats` and the progress
 * report all read them from here.
 */
export { FIGURE_NAMES, type FigureName };
export type Figures = Record<FigureName, number>;

export const FIGURE_LABELS: Record<FigureName, string> = {
  invited: 'Invited, awaiting reply',
  preparing: 'Preparing site and training',
  installed: 'Kits installed to date',
  connected: 'Connected over the Internet',
  handedOver: 'Handed over to IT operations',
  stalled: 'Stalled: past a deadline',
  stuck: 'Stuck: escalated',
};

/** Every figure now, from the live tables (offices, SLA clocks). */
export async function currentFigures(figures: FiguresStore, now: Date): Promise<Figures> {
  return await figures.countFigures(now.toISOString());
}

/**
 * Installations of the offices counted in "installed" as of `end`, per period key (e.g. the month
 * "2026-03" or the quarter "2026-Q1" of the date): they add up to that figure.
 */
export async function installationsAsOf(figures: FiguresStore, end: Date | string, key: (isoDate: string) => string): Promise<Map<string, number>> {
  return countBy(await figures.installationDatesAsOf(typeof end === 'string' ? end : end.toISOString()), key);
}

/**
 * Kits installed per month ("YYYY-MM") now: they add up to `installed`, the installed figure now (an
 * office without a recorded installation, from an imported history, is under '').
 */
export async function installationsByMonth(figures: FiguresStore, installed: number): Promise<{ month: string; n: number }[]> {
  const rows = await figures.installationsByMonthNow();
  const undated = installed - rows.reduce((n, r) => n + r.n, 0);
  return undated > 0 ? [{ month: '', n: undated }, ...rows] : rows;
}

/** The same for the Internet track: the offices counted in "connected", by when they were connected. */
export async function connectionsAsOf(figures: FiguresStore, end: Date | string, key: (isoDate: string) => string): Promise<Map<string, number>> {
  return countBy(await figures.connectionDatesAsOf(typeof end === 'string' ? end : end.toISOString()), key);
}

/** Counts per key; an office without a recorded date (an imported history) is under ''. */
function countBy(dates: (string | null)[], key: (isoDate: string) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const at of dates) {
    const k = at ? key(at) : '';
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** One office-state past its deadline as of a date, from the history. */
export interface StalledEntry {
  officeId: string;
  state: string;
  enteredAt: string;
  /** When the state's SLA ran out (ms since the epoch). */
  deadline: number;
  escalated: boolean;
}

/** Leaf → when and by which history row it was entered. */
type Leaves = Map<string, { at: string; seq: number }>;

/** One pause of an office's reminders (ms): `to` null while it lasts. */
interface Pause {
  from: number;
  to: number | null;
}

/** Each office's pauses, in order, from its PAUSED and RESUMED steps (a PAUSED while paused extends the pause). */
function pausesOf(steps: Iterable<PauseStep>): Map<string, Pause[]> {
  const byOffice = new Map<string, Pause[]>();
  for (const step of steps) {
    let pauses = byOffice.get(step.office_id);
    if (!pauses) byOffice.set(step.office_id, (pauses = []));
    const open = pauses.at(-1)?.to === null ? pauses.at(-1) : undefined;
    if (step.type === 'PAUSED' && !open) pauses.push({ from: Date.parse(step.at), to: null });
    else if (step.type === 'RESUMED' && open) open.to = Date.parse(step.at);
  }
  return byOffice;
}

/**
 * A state entry's clock after the pauses, as the live clock keeps it: each pause that has ended
 * moves the deadline by the time the clock stood still (from the pause, or from the entry when it
 * came during the pause, to the resumption); a pause still on leaves the clock stopped where it began.
 */
function clockAfterPauses(deadline: number, enteredAt: number, pauses: readonly Pause[]): { deadline: number; pausedAt: string | null } {
  for (const pause of pauses) {
    if (pause.to !== null && pause.to <= enteredAt) continue;
    const stopped = Math.max(pause.from, enteredAt);
    if (pause.to === null) return { deadline, pausedAt: new Date(stopped).toISOString() };
    deadline += pause.to - stopped;
  }
  return { deadline, pausedAt: null };
}

/**
 * Every figure as of `end` (an ISO instant), computed from the history alone, so a past date's
 * figures never change: the state figures with the same SQL as the live ones, and stalled as the
 * SLA clocks decide it (entry + SLA, or the day after the office's workshop in its time zone for
 * `until: workshopEnd`), moved and stopped by the reminder pauses as the live clocks are
 * (`clockAfterPauses`), stuck where that state entry's escalation had fired by then. At the current
 * instant it gives the figures `currentFigures` gives.
 */
export async function figuresAsOf(
  store: FiguresStore,
  end: string,
  policies: ReadonlyMap<string, ReminderPolicy>,
): Promise<{ figures: Figures; stalled: StalledEntry[] }> {
  const endMs = Date.parse(end);
  const facts = await store.officeFacts();
  const workshops = await store.workshopEndDays();
  const escalated = await store.escalatedBefore(end);
  const pauses = pausesOf(await store.pauseStepsBefore(end));
  const stalled: StalledEntry[] = [];

  const check = (officeId: string, leaves: Leaves, workshopId: string | null) => {
    for (const [state, entry] of leaves) {
      const policy = policies.get(state);
      if (!policy) continue;
      const due = deadlineOf(policy, entry.at, workshopId ? workshops.get(workshopId) : undefined, () => {
        const f = facts.get(officeId);
        return zoneOf(f?.country ?? '', f?.timeZone ?? null);
      });
      const officePauses = pauses.get(officeId);
      const { deadline, pausedAt } = officePauses ? clockAfterPauses(due, Date.parse(entry.at), officePauses) : { deadline: due, pausedAt: null };
      if (!isOverdue(deadline, pausedAt, endMs)) continue;
      stalled.push({ officeId, state, enteredAt: entry.at, deadline, escalated: escalated.has(`${officeId}\u0000${state}\u0000${entry.seq}`) });
    }
  };

  let office: string | null = null;
  let leaves: Leaves = new Map();
  let workshopId: string | null = null;
  for (const row of await store.historyBefore(end)) {
    if (row.office_id !== office) {
      if (office !== null) check(office, leaves, workshopId);
      office = row.office_id;
      leaves = new Map();
      workshopId = null;
    }
    // A leaf still active after the row keeps the row that entered it.
    const next: Leaves = new Map();
    for (const path of JSON.parse(row.to_states) as string[]) next.set(path, leaves.get(path) ?? { at: row.at, seq: row.seq });
    leaves = next;
    if (row.type === 'ENROLLED' && row.workshop_id) workshopId = row.workshop_id;
    if (row.type === 'NO_SHOW') workshopId = null;
  }
  if (office !== null) check(office, leaves, workshopId);

  const stalledIds = new Set(stalled.map((s) => s.officeId));
  const stuckIds = new Set(stalled.filter((s) => s.escalated).map((s) => s.officeId));
  return { figures: { ...await store.countStateFiguresAsOf(end), stalled: stalledIds.size, stuck: stuckIds.size }, stalled };
}
