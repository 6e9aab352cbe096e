import { MARK_PAST_MAIL_SENT, type DemoStore } from '../demo-store';
import type { PostgresUnitOfWork } from './unit-of-work';

export function createPostgresDemoStore(unit: PostgresUnitOfWork): DemoStore {
  return {
    markPastMailSent: async (now) => (await unit.query<{ id: number }>(`${MARK_PAST_MAIL_SENT}$1::timestamptz RETURNING id`, [now])).length,
  };
}
