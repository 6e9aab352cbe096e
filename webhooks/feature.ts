import type { Logger } from 'pino';
import type { Config } from '../config/env';
import type { Engine } from '../engine/engine';
import type { Metrics } from '../metrics/metrics';
import type { Outbox } from '../notifications/outbox';
import { WebhookDispatcher } from './dispatcher';
import { webhookHooks } from './hooks';
import type { WebhookStore } from '../storage/webhook-store';

export interface WebhookFeature {
  store: WebhookStore;
  dispatcher: WebhookDispatcher;
  allowPrivate: boolean;
  /** Starts the delivery loop (the server does; the CLI and tests need not). */
  start(logger?: Logger): void;
  stop(): Promise<void>;
}

export function createWebhookFeature(
  config: Config,
  deps: { store: WebhookStore; engine: Engine; outbox: Outbox; metrics: Metrics; publicUrl: string },
): WebhookFeature {
  const store = deps.store;
  const dispatcher = new WebhookDispatcher({
    store,
    outbox: deps.outbox,
    clock: deps.engine.clock,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    coordinatorEmail: config.COORDINATOR_EMAIL,
    publicUrl: deps.publicUrl,
    onAttempt: (outcome) => deps.metrics.webhookDeliveries.inc({ outcome }),
  });
  deps.engine.addHooks(webhookHooks(store, deps.engine.clock, () => void dispatcher.nudge()));
  return {
    store,
    dispatcher,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    start(logger) {
      dispatcher.start(config.WEBHOOK_INTERVAL_MS, logger);
    },
    stop: () => dispatcher.stop(),
  };
}
