import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../engine/clock';
import { backoffMs } from '../notifications/dispatcher';
import type { Outbox } from '../notifications/outbox';
import { AddressRefused } from './address';
import { post } from './http';
import { sign } from './signature';
import type { DeliveryRow, Subscription, WebhookStore } from '../storage/webhook-store';

export const DAY_MS = 86_400_000;

export interface WebhookDispatcherOptions {
  store: WebhookStore;
  outbox: Outbox;
  clock: Clock;
  timeoutMs: number;
  retryBaseMs: number;
  allowPrivate: boolean;
  coordinatorEmail: string;
  publicUrl: string;
  /** Counts each attempt by outcome (delivered, failed, error, refused). */
  onAttempt?(outcome: AttemptOutcome): void;
  retryMaxMs?: number;
  /** A subscription failing without a success for this long is disabled. */
  disableAfterMs?: number;
  batchSize?: number;
  random?: () => number;
  logger?: Logger;
}

export type AttemptOutcome = 'delivered' | 'failed' | 'error' | 'refused';

export interface WebhookPassResult {
  delivered: number;
  retried: number;
  failed: number;
}

/**
 * Sends pending deliveries, leased like the email outbox so a restart or a second process never sends
 * one twice at once. At least once: a receiver de-duplicates by `webhook-id`, the same on every attempt.
 */
export class WebhookDispatcher {
  readonly owner = `webhooks-${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<WebhookPassResult> | null = null;
  private again = false;
  private started = false;
  private readonly o: Required<Omit<WebhookDispatcherOptions, 'logger' | 'onAttempt'>> & Pick<WebhookDispatcherOptions, 'logger' | 'onAttempt'>;

  constructor(options: WebhookDispatcherOptions) {
    this.o = { retryMaxMs: 4 * 3_600_000, disableAfterMs: DAY_MS, batchSize: 8, random: Math.random, ...options };
  }

  /** A lease outlives the longest attempt, so only a dead dispatcher's deliveries are taken back. */
  private get leaseMs(): number {
    return this.o.timeoutMs * 2 + 5_000;
  }

  /** Sends everything due at `now` once; failed attempts wait for their next time. */
  async runPass(now: Date = this.o.clock.now()): Promise<WebhookPassResult> {
    const result: WebhookPassResult = { delivered: 0, retried: 0, failed: 0 };
    const subs = new Map<string, Subscription | undefined>();
    for (;;) {
      const rows = await this.o.store.claim(this.owner, now, new Date(now.getTime() + this.leaseMs), this.o.batchSize);
      if (rows.length === 0) break;
      await Promise.all(
        rows.map(async (row) => {
          if (!subs.has(row.subscription_id)) subs.set(row.subscription_id, await this.o.store.get(row.subscription_id));
          return this.deliver(row, subs.get(row.subscription_id), now, result);
        }),
      );
    }
    return result;
  }

  private async deliver(row: DeliveryRow, sub: Subscription | undefined, now: Date, result: WebhookPassResult): Promise<void> {
    if (!sub) return; // deleted meanwhile: its deliveries went with it
    const timestamp = Math.floor(now.getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'office-onboarding-webhooks',
      'webhook-id': row.message_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(sub.secret, row.message_id, timestamp, row.body),
    };
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    let outcome: AttemptOutcome;
    try {
      const answer = await post(sub.url, headers, row.body, this.o.timeoutMs, this.o.allowPrivate);
      status = answer.status;
      outcome = status >= 200 && status < 300 ? 'delivered' : 'failed';
      if (outcome === 'failed') error = `HTTP ${status}${answer.snippet ? `: ${answer.snippet.slice(0, 200)}` : ''}`;
    } catch (e) {
      outcome = e instanceof AddressRefused ? 'refused' : 'error';
      error = ((e as Error).message || String(e)).slice(0, 500);
    }
    const durationMs = Math.round(performance.now() - started);
    this.o.onAttempt?.(outcome);
    const at = now.toISOString();
    if (outcome === 'delivered') {
      await this.o.store.transaction(async () => {
        await this.o.store.finish({ id: row.id, owner: this.owner, status: 'delivered', responseStatus: status, error: null, durationMs, at, nextAttemptAt: at });
        await this.o.store.markHealthy(sub.id);
      });
      result.delivered++;
      return;
    }
    const until = Date.parse(row.retry_until);
    const giveUp = now.getTime() >= until;
    // At least a second later: a zero base delay must not send the same delivery again within this pass.
    const delay = Math.max(1000, backoffMs(row.attempts, this.o.retryBaseMs, this.o.retryMaxMs, this.o.random));
    const next = new Date(Math.min(until, now.getTime() + delay));
    await this.o.store.transaction(async () => {
      const stored = await this.o.store.finish({
        id: row.id,
        owner: this.owner,
        status: giveUp ? 'failed' : 'pending',
        responseStatus: status,
        error,
        durationMs,
        at,
        nextAttemptAt: giveUp ? at : next.toISOString(),
      });
      if (!stored) return;
      await this.o.store.markFailing(sub.id, at);
      const failingSince = (await this.o.store.get(sub.id))?.failingSince;
      if (failingSince && now.getTime() - Date.parse(failingSince) >= this.o.disableAfterMs) await this.disable(sub, failingSince, error, now);
    });
    if (giveUp) result.failed++;
    else result.retried++;
    this.o.logger?.info({ webhook: sub.id, delivery: row.message_id, attempts: row.attempts, status, err: error, giveUp }, 'webhook delivery failed');
  }

  /** Disables the subscription and tells the coordinator, in the same transaction. */
  private async disable(sub: Subscription, failingSince: string, error: string | null, now: Date): Promise<void> {
    const reason = `Every delivery failed since ${failingSince}; last error: ${error ?? 'unknown'}`;
    if (!await this.o.store.disable(sub.id, reason, now.toISOString())) return;
    const page = `${this.o.publicUrl}/programme/webhooks`;
    const text = [
      `The webhook ${sub.url}${sub.description ? ` (${sub.description})` : ''} has been disabled.`,
      '',
      reason,
      '',
      `Deliveries wait until it is enabled again: ${page}`,
    ].join('\n');
    const html = `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`;
    await this.o.outbox.enqueue({
      officeId: null,
      timerId: null,
      kind: 'webhook-disabled',
      language: 'en',
      recipients: [this.o.coordinatorEmail],
      subject: `Webhook disabled after a day of failures: ${sub.url}`,
      text,
      html,
      createdAt: now,
      sendAfter: now,
    });
    this.o.logger?.warn({ webhook: sub.id, url: sub.url }, 'webhook disabled after a day of failures');
  }

  /** Runs a pass now unless one is running (then one more follows it); only once started. Never throws. */
  nudge(): Promise<WebhookPassResult | null> {
    if (!this.started) return Promise.resolve(null);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runPass()
      .catch((error: unknown) => {
        this.o.logger?.error({ err: error }, 'webhook pass failed');
        return { delivered: 0, retried: 0, failed: 0 };
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
    if (logger) this.o.logger = logger;
    this.started = true;
    void this.nudge();
    this.timer = setInterval(() => void this.nudge(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
