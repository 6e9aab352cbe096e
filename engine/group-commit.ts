import type { Engine } from './engine';
import { currentRequestId, runInRequestContext } from './request-context';

interface Pending {
  work: () => unknown;
  /** The caller's request id, restored around its work inside the batch's transaction. */
  requestId: string | undefined;
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

  run<T>(work: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The batch runs in whichever request's turn flushes it, so each item carries its own request id.
      this.queue.push({ work, requestId: currentRequestId(), resolve: resolve as (value: unknown) => void, reject });
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
      // `immediate` stays set until the batch has committed: one batch in flight at a time.
      this.immediate = setImmediate(() => {
        void this.flush().finally(() => {
          this.immediate = undefined;
          this.schedule();
        });
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, waitLeft);
    }
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    this.recent.push(batch.length);
    if (this.recent.length > RECENT) this.recent.shift();
    const outcomes: Outcome[] = [];
    try {
      await this.engine.transact(async () => {
        for (const item of batch) {
          const work = item.requestId === undefined ? item.work : () => runInRequestContext({ requestId: item.requestId! }, item.work);
          try {
            outcomes.push({ ok: true, value: await this.engine.transact(work) });
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
