import type { OfficeFilter, OfficeStore } from '../storage/types';
import { officeNotFound } from './errors';
import { toOfficeView, type OfficeView } from './view';

export function getOfficeView(store: OfficeStore, id: string): OfficeView {
  const office = store.getOffice(id);
  if (!office) throw officeNotFound(id);
  return toOfficeView(office, store.enteredAt(id));
}

export function listOfficeViews(store: OfficeStore, filter: OfficeFilter): { offices: OfficeView[]; total: number } {
  const { offices, total } = store.listOffices(filter);
  return { offices: offices.map((o) => toOfficeView(o, store.enteredAt(o.id))), total };
}

export function officeStats(store: OfficeStore) {
  const byStage = store.countByStage();
  const total = Object.values(byStage).reduce((a, b) => a + b, 0);
  return { total, byStage, byState: store.countByLeafState() };
}
