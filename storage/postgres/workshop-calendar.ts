import type { WorkshopCalendar } from '../workshop-calendar';
import type { PostgresUnitOfWork } from './unit-of-work';

/** The workshop calendar on PostgreSQL: migration 003 always has the workshops table. */
export function createPostgresWorkshopCalendar(unit: PostgresUnitOfWork): WorkshopCalendar {
  return {
    endDate: async (workshopId) =>
      (await unit.query<{ end_date: string }>('SELECT end_date FROM workshops WHERE id = $1', [workshopId]))[0]?.end_date ?? null,
  };
}
