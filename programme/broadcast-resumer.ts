import type { Logger } from 'pino';
import { BROADCAST_LEASE, isRunningHere, runBroadcastInBackground, type BroadcastView } from './broadcast';
import type { ProgrammeContext } from './context';

/** Broadcasts taken over per pass: each runs in the background, and the next pass takes more. */
const PER_PASS = 10;

/**
 * One pass: every unfinished broadcast whose lease is missing or ran out (the process running it
 * stopped or died, or a run was limited) is leased to this process and resumed in the background.
 * Each office is still taken in its own transaction, once, so a takeover repeats nothing. Answers
 * the runs started, each with the promise of its finished view.
 */
export async function resumeAbandonedBroadcasts(
  ctx: ProgrammeContext,
  now: Date = ctx.engine.clock.now(),
  lease: { owner: string; ms: number } = BROADCAST_LEASE,
): Promise<{ id: string; finished: Promise<BroadcastView> }[]> {
  const started: { id: string; finished: Promise<BroadcastView> }[] = [];
  for (const id of await ctx.programme.abandonedBroadcasts(now.toISOString(), PER_PASS)) {
    if (isRunningHere(id)) continue;
    if (!await ctx.programme.leaseBroadcast(id, lease.owner, now.toISOString(), new Date(now.getTime() + lease.ms).toISOString())) continue;
    started.push({ id, finished: runBroadcastInBackground(ctx, id, { lease }) });
  }
  return started;
}

/** Runs `resumeAbandonedBroadcasts` every `intervalMs` (and once at start) until stopped. */
export class BroadcastResumer {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  private logger: Logger | undefined;

  constructor(private readonly ctx: ProgrammeContext, private readonly intervalMs: number) {}

  start(logger?: Logger): void {
    this.logger = logger;
    if (this.timer) return;
    const tick = () => {
      if (this.pass) return;
      this.pass = (async () => {
        for (const run of await resumeAbandonedBroadcasts(this.ctx)) {
          this.logger?.info({ broadcast: run.id }, 'resuming an unfinished broadcast');
          run.finished.catch((error: unknown) => this.logger?.error({ err: error, broadcast: run.id }, 'resumed broadcast failed'));
        }
      })()
        .catch((error: unknown) => this.logger?.error({ err: error }, 'broadcast resumer pass failed'))
        .finally(() => (this.pass = null));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }
}
