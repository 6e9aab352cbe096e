import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

/** What loading the demo programme writes besides its offices and events. */
export interface DemoStore {
  /**
   * Mail a loaded history says was sent: rows written while replaying the demo programme's past
   * (reminders, escalations, letters) whose sending time has come are recorded as sent then, so a
   * first start does not send two years of mail at once. Answers how many.
   */
  markPastMailSent(now: string): Promise<number>;
}

export const MARK_PAST_MAIL_SENT = `UPDATE outbox SET status = 'sent', attempts = 1, sent_at = send_after, lease_owner = NULL, lease_until = NULL
  WHERE status = 'pending' AND send_after <= `;

export function createSqliteDemoStore(db: Db): DemoStore {
  const mark = db.prepare<[string]>(`${MARK_PAST_MAIL_SENT}?`);
  return unitOfWorkOf(db).repository<DemoStore>({ markPastMailSent: (now) => mark.run(now).changes });
}
