import { pendingMigrations, type Db } from './db';
import { unitOfWorkOf } from './unit-of-work';

/** What `/healthz` and `/readyz` ask of the database, whichever backend serves it. */
export interface DatabaseHealth {
  backend: 'sqlite' | 'postgres';
  /** Resolves once the database has answered a query; rejects when it does not. */
  ping(): Promise<void>;
  /** Migrations not yet applied: a server with any is not ready for traffic. */
  pendingMigrations(): Promise<string[]>;
}

export function sqliteHealth(db: Db): DatabaseHealth {
  const unit = unitOfWorkOf(db);
  return {
    backend: 'sqlite',
    ping: () => unit.run(() => void db.prepare('SELECT 1').get()),
    pendingMigrations: () => unit.run(() => pendingMigrations(db)),
  };
}
