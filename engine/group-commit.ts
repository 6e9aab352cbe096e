import { AsyncResource } from 'node:async_hooks';
import type { Engine } from './engine';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  maxBatch?: number;
  /**
   * How long after a commit the next one may wait for the batch to fill up to the size of the
   * recent ones. Clients answered by a commit send their next requests a round trip later; without
   * the wait, concurrent clients split into two alternating half-batches, each paying its own fsync.
   */
  maxWaitMs?: number;
}

/** Batches remembered to size the next one: a drop in concurrency stops the waiting after these. */
const RECENT = 16;

/**
 * Group commit for concurrent requests. Queued work runs in one SQLite transaction, each item in
 * its own savepoint (a failing item rolls back alone), and every caller is answered only after
 * that transaction has committed: one fsync for many transitions, and still nothing acknowledged
 * that is not on disk. A batch goes as soon as it is as large as the recent ones, or when
 * `maxWaitMs` has passed since the last commit; a lone request on an idle server goes at once.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private recent: number[] = [];
  private lastCommitAt = 0;
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly engine: Engine,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxWaitMs = options.maxWaitMs ?? 2;
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Bound to the caller's async context: the batch runs in whichever request's turn flushes it.
      this.queue.push({ work: AsyncResource.bind(work), resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.immediate || this.queue.length === 0) return;
    const target = Math.min(this.maxBatch, Math.max(1, ...this.recent));
    const waitLeft = this.lastCommitAt + this.maxWaitMs - performance.now();
    if (this.queue.length >= target || waitLeft <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      // Still after the current turn: requests parsed in it join the batch.
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
        this.schedule();
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, waitLeft);
    }
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    this.recent.push(batch.length);
    if (this.recent.length > RECENT) this.recent.shift();
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
    } finally {
      this.lastCommitAt = performance.now();
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
