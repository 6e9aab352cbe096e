import type { Logger } from 'pino';
import type { Engine } from '../engine/engine';
import type { Reminders } from './reminders';

export interface SchedulerPassResult {
  fired: number;
  reminders: number;
  escalations: number;
  resumed: number;
}

/** Clocks fired per write transaction: short transactions keep API writes from waiting long. */
const BATCH = 100;
const MAX_BATCHES = 5000;

/**
 * One scheduler pass "as if it were `now`": ends pauses that ran out, then claims every clock whose
 * pending timer is due and fires it. Each batch is one SQLite write transaction (BEGIN IMMEDIATE)
 * and each claim a conditional update of the clock row, so a timer is claimed by exactly one pass
 * even when the server and `sweep` run on the same file. With nothing due the pass is two probes of
 * partial indexes.
 */
export async function runSchedulerPass(engine: Engine, reminders: Reminders, now: Date): Promise<SchedulerPassResult> {
  const result = emptyResult();
  result.resumed = await engine.transact(() => reminders.resumeExpired(now));
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    if (await fireBatch(engine, reminders, now, result) < BATCH) break;
  }
  return result;
}

/**
 * The same pass, giving the event loop back between batches so requests are served meanwhile;
 * `stopped()` true ends it between two batches (a shutdown), the rest waiting for the next pass.
 */
export async function runSchedulerPassAsync(engine: Engine, reminders: Reminders, now: Date, stopped: () => boolean = () => false): Promise<SchedulerPassResult> {
  const result = emptyResult();
  result.resumed = await engine.transact(() => reminders.resumeExpired(now));
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    if (await fireBatch(engine, reminders, now, result) < BATCH) break;
    await new Promise((resolve) => setImmediate(resolve));
    if (stopped()) break;
  }
  return result;
}

const emptyResult = (): SchedulerPassResult => ({ fired: 0, reminders: 0, escalations: 0, resumed: 0 });

/** Claims and fires up to BATCH due clocks in one transaction; returns how many were due. */
async function fireBatch(engine: Engine, reminders: Reminders, now: Date, result: SchedulerPassResult): Promise<number> {
  const iso = now.toISOString();
  return await engine.transact(async () => {
    const due = await reminders.deps.store.dueClocks(iso, BATCH);
    for (const clock of due) {
      const outcome = await reminders.fire(clock, now);
      if (outcome === 'skipped') continue;
      result.fired++;
      if (outcome === 'reminder') result.reminders++;
      else result.escalations++;
    }
    return due.length;
  });
}

/** The scheduler loop: a pass at start (timers that fell due while stopped) and then every interval. */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly engine: Engine,
    private readonly reminders: Reminders,
    private readonly options: { intervalMs: number; logger?: Logger; onFired?: () => void },
  ) {}

  async runOnce(now: Date = this.engine.clock.now()): Promise<SchedulerPassResult> {
    const result = await runSchedulerPassAsync(this.engine, this.reminders, now, () => this.stopped);
    if (result.fired > 0 || result.resumed > 0) {
      this.options.logger?.info(result, 'scheduler pass');
      this.options.onFired?.();
    } else {
      // Every pass is visible at debug: a test (or an operator) can wait for one instead of guessing.
      this.options.logger?.debug(result, 'scheduler pass');
    }
    return result;
  }

  start(): void {
    this.stopped = false;
    const tick = async () => {
      if (this.running || this.stopped) return;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.options.logger?.error({ err: error }, 'scheduler pass failed'))
        .finally(() => {
          this.running = null;
        });
      await this.running;
    };
    void tick();
    this.timer = setInterval(() => void tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the loop; resolves once a pass in progress has finished its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}
