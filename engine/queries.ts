import { allStates } from '../machines/describe';
import type { OfficeFilter, OfficeRecord, OfficeStore } from '../storage/types';
import type { ReminderStatus } from './reminders';
import { officeNotFound } from './errors';
import { toOfficeView, type OfficeView } from './view';
import { currentFigures } from './figures';
import type { Db } from '../storage/db';

/** Where the views get each office's reminder status (engine/reminders.ts). */
export interface ReminderStatusSource {
  status(office: OfficeRecord): ReminderStatus;
}

export function getOfficeView(store: OfficeStore, id: string, reminders?: ReminderStatusSource): OfficeView {
  const office = store.getOffice(id);
  if (!office) throw officeNotFound(id);
  return officeView(office, reminders);
}

/** The view of an office already read (e.g. the one a transition has just written). */
export function officeView(office: OfficeRecord, reminders?: ReminderStatusSource): OfficeView {
  return toOfficeView(office, reminders?.status(office) ?? null);
}

export function listOfficeViews(
  store: OfficeStore,
  filter: OfficeFilter,
  reminders?: ReminderStatusSource,
): { offices: OfficeView[]; total: number } {
  const { offices, total } = store.listOffices(filter);
  return { offices: offices.map((o) => officeView(o, reminders)), total };
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
export function officeStats(store: OfficeStore, db: Db, now: Date) {
  const byStage = inOrder(store.countByStage(), STAGE_ORDER);
  const total = Object.values(byStage).reduce((a, b) => a + b, 0);
  return { total, byStage, byState: inOrder(store.countByLeafState(leafPaths), leafPaths), figures: currentFigures(db, now) };
}
