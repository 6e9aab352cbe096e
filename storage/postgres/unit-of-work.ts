import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient, QueryResultRow } from 'pg';

interface OpenTransaction {
  client: PoolClient;
  savepoints: number;
}

/**
 * The asynchronous unit of work on a PostgreSQL pool. A transaction holds one pooled connection
 * from BEGIN to COMMIT; every statement of the flow that opened it (found from its async context)
 * runs on that connection, any other statement on whichever connection the pool has free. Unlike
 * the SQLite one, nothing waits for a turn: PostgreSQL isolates concurrent transactions itself,
 * and rows that must not change under a transition are locked (`SELECT … FOR UPDATE`).
 */
export class PostgresUnitOfWork {
  private readonly owner = new AsyncLocalStorage<OpenTransaction>();

  constructor(readonly pool: Pool) {}

  get inTransaction(): boolean {
    return this.owner.getStore() !== undefined;
  }

  /** One statement, on the open transaction's connection when there is one. */
  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const open = this.owner.getStore();
    const result = await (open ? open.client : this.pool).query<R>(text, values);
    return result.rows;
  }

  /** `work` as one transaction; called inside one, it runs in a savepoint that rolls back alone. */
  async transaction<T>(work: () => Promise<T> | T): Promise<T> {
    const open = this.owner.getStore();
    if (open) return this.savepoint(open, work);
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await this.owner.run({ client, savepoints: 0 }, work);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself failed: the pool must not hand it out again
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async savepoint<T>(open: OpenTransaction, work: () => Promise<T> | T): Promise<T> {
    const name = `sp${++open.savepoints}`;
    await open.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await open.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await open.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await open.client.query(`RELEASE SAVEPOINT ${name}`);
      throw error;
    }
  }
}
