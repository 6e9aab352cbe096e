import { allStates } from '../machines/describe';
import type { OfficeFilter, OfficeRecord, OfficeStore } from '../storage/types';
import type { ReminderStatus } from './reminders';
import { officeNotFound } from './errors';
import { toOfficeView, type OfficeView } from './view';

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

const leafPaths = allStates()
  .filter((s) => s.states.length === 0)
  .map((s) => s.path);

export function officeStats(store: OfficeStore) {
  const byStage = store.countByStage();
  const total = Object.values(byStage).reduce((a, b) => a + b, 0);
  return { total, byStage, byState: store.countByLeafState(leafPaths) };
}
