import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../engine/clock';
import type { Outbox, OutboxRow } from './outbox';
import { isPermanentFailure, type MailTransport, type OutgoingMessage } from './transport';

export interface DispatcherOptions {
  outbox: Outbox;
  transport: MailTransport;
  from: string;
  clock: Clock;
  /** After this many attempts a message is `failed`. */
  maxAttempts?: number;
  /** Backoff: base * 2^(attempt-1), capped, with jitter (half fixed, half random). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a claimed message stays reserved for this dispatcher. */
  leaseMs?: number;
  batchSize?: number;
  /** Messages sent at the same time. */
  concurrency?: number;
  random?: () => number;
  logger?: Logger;
}

export interface DispatchResult {
  sent: number;
  retried: number;
  failed: number;
}

/** Delay before attempt `attempts + 1`, with "equal jitter" so retries of many messages spread out. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Sends pending outbox rows. Runs beside the HTTP server on timers: it never runs inside a request,
 * and SMTP I/O is asynchronous, so a slow or dead mail server does not slow the API.
 */
export class Dispatcher {
  readonly owner = `dispatcher-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly o: Required<Omit<DispatcherOptions, 'logger'>> & { logger?: Logger };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<DispatchResult> | null = null;
  private again = false;
  private stopped = false;

  constructor(options: DispatcherOptions) {
    this.o = {
      maxAttempts: 8,
      retryBaseMs: 60_000,
      retryMaxMs: 6 * 3_600_000,
      leaseMs: 5 * 60_000,
      // One claim per round of concurrent sends: a crash then strands at most `concurrency`
      // leased rows (delayed until the lease expires), not a whole batch that was never tried.
      batchSize: 4,
      concurrency: 4,
      random: Math.random,
      ...options,
    };
  }

  /** Sends everything due at `now` (the clock by default) once; retried messages wait for their next time. */
  async runPass(now: Date = this.o.clock.now()): Promise<DispatchResult> {
    const result: DispatchResult = { sent: 0, retried: 0, failed: 0 };
    for (;;) {
      const leaseUntil = new Date(now.getTime() + this.o.leaseMs);
      const rows = await this.o.outbox.claim(this.owner, now, leaseUntil, this.o.batchSize);
      if (rows.length === 0) break;
      for (let i = 0; i < rows.length; i += this.o.concurrency) {
        await Promise.all(rows.slice(i, i + this.o.concurrency).map((row) => this.deliver(row, now, result)));
      }
      if (this.stopped) break;
    }
    return result;
  }

  private async deliver(row: OutboxRow, now: Date, result: DispatchResult): Promise<void> {
    try {
      await this.o.transport.send({
        messageId: row.message_id,
        from: this.o.from,
        to: JSON.parse(row.recipients) as string[],
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
        date: now,
        headers: { 'X-Office-Id': row.office_id ?? '', 'X-Reminder-Kind': row.kind },
        attachments: JSON.parse(row.attachments ?? '[]') as OutgoingMessage['attachments'],
      });
      await this.o.outbox.markSent(row.id, this.owner, now);
      result.sent++;
    } catch (error) {
      const message = ((error as Error).message || String(error)).slice(0, 1000);
      if (isPermanentFailure(error) || row.attempts >= this.o.maxAttempts) {
        await this.o.outbox.markFailed(row.id, this.owner, message);
        result.failed++;
        this.o.logger?.warn({ messageId: row.message_id, attempts: row.attempts, err: message }, 'email failed for good');
      } else {
        const delay = backoffMs(row.attempts, this.o.retryBaseMs, this.o.retryMaxMs, this.o.random);
        await this.o.outbox.markRetry(row.id, this.owner, new Date(now.getTime() + delay), message);
        result.retried++;
        this.o.logger?.info({ messageId: row.message_id, attempts: row.attempts, retryInMs: delay, err: message }, 'email will be retried');
      }
    }
  }

  /** Runs a pass now unless one is running (then one more follows it). Never throws. */
  nudge(): Promise<DispatchResult | null> {
    if (this.stopped) return Promise.resolve(null);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runPass()
      .then((result) => {
        this.o.logger?.debug(result, 'delivery pass');
        return result;
      })
      .catch((error: unknown) => {
        this.o.logger?.error({ err: error }, 'dispatcher pass failed');
        return { sent: 0, retried: 0, failed: 0 };
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          void this.nudge();
        }
      });
    return this.running;
  }

  start(intervalMs: number, logger?: Logger): void {
    this.o.logger ??= logger;
    this.stopped = false;
    void this.nudge();
    this.timer = setInterval(() => void this.nudge(), intervalMs);
    this.timer.unref();
  }

  /** Stops the loop and waits for the message in flight, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}
