import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './db';

/** A repository's methods as the rest of the program sees them: every answer a promise. */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : T[K];
};

/** The synchronous SQLite implementation behind an asynchronous repository interface. */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};

interface OpenTransaction {
  savepoints: number;
}

/**
 * The asynchronous unit of work on one SQLite connection. A transaction may await between its
 * statements, so while it is open every other flow's statement waits its turn: it would otherwise
 * run inside the open transaction, see its uncommitted rows, and be lost with it on a rollback.
 * Which flow owns the open transaction is known from its async context.
 */
export class SqliteUnitOfWork {
  private readonly owner = new AsyncLocalStorage<OpenTransaction>();
  private tail: Promise<void> = Promise.resolve();
  private open = false;

  constructor(private readonly db: Db) {}

  /** True inside a transaction of this connection. */
  get inTransaction(): boolean {
    return this.owner.getStore() !== undefined;
  }

  /** Runs one synchronous statement group once no other flow's transaction is open. */
  turn<T>(statement: () => T): T | Promise<T> {
    if (!this.open || this.owner.getStore()) return statement();
    return this.waitTurn(statement);
  }

  /** As `turn`, always answering a promise. */
  run<T>(statement: () => T): Promise<T> {
    return Promise.resolve(this.turn(statement));
  }

  /**
   * One repository call as a promise. In its turn (the common case: inside the flow's own
   * transaction) the statement runs at once and the answer is one settled promise, not the three
   * an async wrapper around `run` makes; a throw becomes a rejection, as from an async function.
   */
  private call(target: object, fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<unknown> {
    if (this.open && !this.owner.getStore()) return this.waitTurn(() => fn.apply(target, args));
    try {
      return Promise.resolve(fn.apply(target, args));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private async waitTurn<T>(statement: () => T): Promise<T> {
    while (this.open && !this.owner.getStore()) await this.tail;
    return statement();
  }

  /** `work` as one transaction; called inside one, it runs in a savepoint that rolls back alone. */
  async transaction<T>(work: () => Promise<T> | T): Promise<T> {
    const current = this.owner.getStore();
    if (current) return await this.savepoint(current, work);
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.open = true;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const result = await this.owner.run({ savepoints: 0 }, work);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.open = false;
      release();
    }
  }

  private async savepoint<T>(current: OpenTransaction, work: () => Promise<T> | T): Promise<T> {
    const name = `sp${++current.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw error;
    }
  }

  /** The asynchronous face of a synchronous repository: each call waits its turn on the connection. */
  repository<T extends object>(sync: Sync<T>): T {
    return this.wrap(sync) as unknown as T;
  }

  /** As `repository`, with the interface inferred from the synchronous one. */
  wrap<S extends object>(sync: S): Async<S> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(sync)) {
      out[key] = typeof value === 'function' ? (...args: unknown[]) => this.call(sync, value as (...a: unknown[]) => unknown, args) : value;
    }
    return out as Async<S>;
  }
}

const units = new WeakMap<Db, SqliteUnitOfWork>();

/** The one unit of work of a connection: every repository on it shares the turn. */
export function unitOfWorkOf(db: Db): SqliteUnitOfWork {
  let unit = units.get(db);
  if (!unit) units.set(db, (unit = new SqliteUnitOfWork(db)));
  return unit;
}
