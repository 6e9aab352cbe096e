import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

/** What the reminders need of the programme's workshop calendar: when a workshop ends. */
export interface WorkshopCalendar {
  /** The workshop's last day (YYYY-MM-DD); null when it is unknown or the programme keeps no workshops. */
  endDate(workshopId: string): Promise<string | null>;
}

export function createSqliteWorkshopCalendar(db: Db): WorkshopCalendar {
  let end: ((id: string) => { end_date: string } | undefined) | null | undefined;
  return unitOfWorkOf(db).repository<WorkshopCalendar>({
    endDate(workshopId) {
      // A database without the programme tables has no calendar to read: deadlines then follow the SLA.
      if (end === undefined) {
        const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'workshops'").get() !== undefined;
        const stmt = exists ? db.prepare<[string], { end_date: string }>('SELECT end_date FROM workshops WHERE id = ?') : null;
        end = stmt ? (id) => stmt.get(id) : null;
      }
      return end?.(workshopId)?.end_date ?? null;
    },
  });
}
