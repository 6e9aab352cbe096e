import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

/**
 * Mail a loaded history says was sent: rows written while replaying the demo programme's past
 * (reminders, escalations, letters) whose sending time has come are recorded as sent then, so a
 * first start does not send two years of mail at once.
 */
export function markPastMailSent(db: Db, now: string): Promise<number> {
  return unitOfWorkOf(db).run(() => {
    return db
      .prepare(
        `UPDATE outbox SET status = 'sent', attempts = 1, sent_at = send_after, lease_owner = NULL, lease_until = NULL
         WHERE status = 'pending' AND send_after <= ?`,
      )
      .run(now).changes;
  });
}
