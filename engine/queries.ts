import { allStates } from '../machines/describe';
import type { OfficeFilter, OfficeRecord, OfficeStore } from '../storage/types';
import type { ReminderStatus } from './reminder-status';
import { officeNotFound } from './errors';
import { toOfficeView, type OfficeView } from './view';
import type { TransitionRecord } from './engine';
import { currentFigures } from './figures';
import type { FiguresStore } from '../storage/figures-store';

/** Where the views get each office's reminder status (reminders/reminders.ts). */
export interface ReminderStatusSource {
  /** `during`: the transition that produced `office`, in its own transaction still. */
  status(office: OfficeRecord, now?: Date, during?: TransitionRecord): Promise<ReminderStatus>;
}

export async function getOfficeView(store: OfficeStore, id: string, reminders?: ReminderStatusSource): Promise<OfficeView> {
  const office = await store.getOffice(id);
  if (!office) throw officeNotFound(id);
  return await officeView(office, reminders);
}

/**
 * The view of an office already read. `transition`: the one that has just written it, inside its
 * transaction still (the events route): the view is built from its record, with the snapshot it
 * resolved and the reminder reads its hooks made, rather than reading and resolving them again.
 */
export async function officeView(office: OfficeRecord, reminders?: ReminderStatusSource, transition?: TransitionRecord): Promise<OfficeView> {
  return toOfficeView(office, reminders ? await reminders.status(office, undefined, transition) : null, transition?.after);
}

export async function listOfficeViews(
  store: OfficeStore,
  filter: OfficeFilter,
  reminders?: ReminderStatusSource,
): Promise<{ offices: OfficeView[]; total: number }> {
  const { offices, total } = await store.listOffices(filter);
  return { offices: await Promise.all(offices.map((o) => officeView(o, reminders))), total };
}

const states = allStates();
/** Top-level states and leaves in the machine's own order: the lifecycle, first state first. */
export const STAGE_ORDER = states.filter((s) => !s.path.includes('.')).map((s) => s.path);
const leafPaths = states.filter((s) => s.states.length === 0).map((s) => s.path);

/** `counts` with its keys in the order of `order` (unknown keys last, sorted), so JSON and the CLI read in lifecycle order. */
function inOrder(counts: Record<string, number>, order: readonly string[]): Record<string, number> {
  const known = order.filter((k) => k in counts);
  const rest = Object.keys(counts).filter((k) => !order.includes(k)).sort();
  return Object.fromEntries([...known, ...rest].map((k) => [k, counts[k]!]));
}

/** Counts per stage and per leaf state (lifecycle order) and the headline figures (engine/figures.ts) at `now`. */
export async function officeStats(store: OfficeStore, figures: FiguresStore, now: Date) {
  const byStage = inOrder(await store.countByStage(), STAGE_ORDER);
  const total = Object.values(byStage).reduce((a, b) => a + b, 0);
  return { total, byStage, byState: inOrder(await store.countByLeafState(leafPaths), leafPaths), figures: await currentFigures(figures, now) };
}
