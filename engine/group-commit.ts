import type { Engine } from './engine';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit for concurrent requests. Work queued in the same turn of the event loop runs in one
 * SQLite transaction, each item in its own savepoint (a failing item rolls back alone), and every
 * caller is answered only after that transaction has committed: one fsync for many transitions,
 * and still nothing acknowledged that is not on disk.
 */
export class GroupCommit {
  private queue: Pending[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly maxBatch = 64,
  ) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) setImmediate(() => this.flush());
    const outcomes: Outcome[] = [];
    try {
      this.engine.unitOfWork(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.engine.unitOfWork(item.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (busy, disk full): nothing of the batch is stored.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
