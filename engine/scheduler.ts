import type { Logger } from 'pino';
import type { Engine } from './engine';
import type { Reminders } from './reminders';

export interface SchedulerPassResult {
  fired: number;
  reminders: number;
  escalations: number;
  resumed: number;
}

const BATCH = 500;
const MAX_BATCHES = 1000;

/**
 * One scheduler pass "as if it were `now`": ends pauses that ran out, then claims every due timer
 * and fires it. Each batch is one SQLite write transaction (BEGIN IMMEDIATE), so a timer is claimed
 * by exactly one pass even when the server and `sweep` run on the same file. With nothing due the
 * pass is two probes of partial indexes.
 */
export function runSchedulerPass(engine: Engine, reminders: Reminders, now: Date): SchedulerPassResult {
  const result: SchedulerPassResult = { fired: 0, reminders: 0, escalations: 0, resumed: 0 };
  const iso = now.toISOString();
  result.resumed = engine.unitOfWork(() => reminders.resumeExpired(now));
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const count = engine.unitOfWork(() => {
      const due = reminders.deps.store.dueTimers(iso, BATCH);
      for (const timer of due) {
        const outcome = reminders.fire(timer, now);
        if (outcome === 'skipped') continue;
        result.fired++;
        if (outcome === 'reminder') result.reminders++;
        else result.escalations++;
      }
      return due.length;
    });
    if (count < BATCH) break;
  }
  return result;
}

/** The scheduler loop: a pass at start (timers that fell due while stopped) and then every interval. */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly reminders: Reminders,
    private readonly options: { intervalMs: number; logger?: Logger; onFired?: () => void },
  ) {}

  runOnce(now: Date = this.engine.clock.now()): SchedulerPassResult {
    const result = runSchedulerPass(this.engine, this.reminders, now);
    if (result.fired > 0) {
      this.options.logger?.info(result, 'scheduler pass');
      this.options.onFired?.();
    }
    return result;
  }

  start(): void {
    const tick = () => {
      try {
        this.runOnce();
      } catch (error) {
        this.options.logger?.error({ err: error }, 'scheduler pass failed');
      }
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
