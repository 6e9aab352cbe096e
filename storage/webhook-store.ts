import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

export const WEBHOOK_EVENT_TYPES = ['office.transition', 'office.stalled', 'office.stuck', 'email.failed', 'broadcast.finished'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'sending', 'delivered', 'failed'];

interface SubscriptionRow {
  id: string;
  url: string;
  description: string;
  secret: string;
  events: string;
  filter_types: string;
  filter_stages: string;
  enabled: number;
  failing_since: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryRow {
  id: number;
  message_id: string;
  subscription_id: string;
  event_type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  duration_ms: number | null;
  created_at: string;
  next_attempt_at: string;
  retry_until: string;
  last_attempt_at: string | null;
  delivered_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
}

export interface Subscription {
  id: string;
  url: string;
  description: string;
  secret: string;
  events: WebhookEventType[];
  filter: { eventTypes: string[]; stages: string[] };
  enabled: boolean;
  failingSince: string | null;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What the API shows of a subscription: everything but the secret. */
export type SubscriptionView = Omit<Subscription, 'secret'>;

export interface DeliveryView {
  id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  durationMs: number | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  url: r.url,
  description: r.description,
  secret: r.secret,
  events: JSON.parse(r.events) as WebhookEventType[],
  filter: { eventTypes: JSON.parse(r.filter_types) as string[], stages: JSON.parse(r.filter_stages) as string[] },
  enabled: r.enabled === 1,
  failingSince: r.failing_since,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function subscriptionView({ secret: _secret, ...view }: Subscription): SubscriptionView {
  return view;
}

export function deliveryView(r: DeliveryRow): DeliveryView {
  return {
    id: r.message_id,
    event: r.event_type,
    status: r.status,
    attempts: r.attempts,
    responseStatus: r.response_status,
    lastError: r.last_error,
    durationMs: r.duration_ms,
    createdAt: r.created_at,
    lastAttemptAt: r.last_attempt_at,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    deliveredAt: r.delivered_at,
  };
}

export interface NewDelivery {
  messageId: string;
  subscriptionId: string;
  eventType: string;
  body: string;
  at: string;
  retryUntil: string;
}

/** One delivery attempt's outcome, written by the dispatcher that holds its lease. */
export interface DeliveryAttempt {
  id: number;
  owner: string;
  status: 'pending' | 'delivered' | 'failed';
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
  at: string;
  nextAttemptAt: string;
}

/** Webhook subscriptions and their deliveries (an outbox: rows written with what caused them). */
export interface WebhookStore {
  /** Runs `work` as one transaction (joins an open one). */
  transaction<T>(work: () => Promise<T> | T): Promise<T>;
  insert(sub: Subscription): Promise<void>;
  update(sub: Subscription): Promise<void>;
  remove(id: string): Promise<boolean>;
  get(id: string): Promise<Subscription | undefined>;
  list(): Promise<Subscription[]>;
  /** The subscriptions to `office.transition`, read on every transition. */
  transitionSubscriptions(): Promise<Subscription[]>;
  enqueue(d: NewDelivery): Promise<void>;
  /** Leases up to `limit` due deliveries to `owner` until `leaseUntil`, first taking back expired leases. */
  claim(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<DeliveryRow[]>;
  /** Records an attempt; false when `owner` no longer holds the lease. */
  finish(attempt: DeliveryAttempt): Promise<boolean>;
  markHealthy(id: string): Promise<void>;
  markFailing(id: string, at: string): Promise<void>;
  disable(id: string, reason: string, at: string): Promise<boolean>;
  deliveries(subscriptionId: string, status: DeliveryStatus | undefined, limit: number, offset: number): Promise<{ deliveries: DeliveryView[]; total: number }>;
  delivery(subscriptionId: string, messageId: string): Promise<DeliveryRow | undefined>;
  redeliver(id: number, now: string, retryUntil: string): Promise<boolean>;
}

export function createWebhookStore(db: Db): WebhookStore {
  const s = {
    insertSub: db.prepare(`INSERT INTO webhook_subscriptions
      (id, url, description, secret, events, filter_types, filter_stages, enabled, created_at, updated_at)
      VALUES (@id, @url, @description, @secret, @events, @filter_types, @filter_stages, @enabled, @created_at, @created_at)`),
    updateSub: db.prepare(`UPDATE webhook_subscriptions SET url = @url, description = @description, events = @events,
      filter_types = @filter_types, filter_stages = @filter_stages, enabled = @enabled, failing_since = @failing_since,
      disabled_reason = @disabled_reason, updated_at = @updated_at WHERE id = @id`),
    deleteSub: db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?'),
    getSub: db.prepare<[string], SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE id = ?'),
    allSubs: db.prepare<[], SubscriptionRow>('SELECT * FROM webhook_subscriptions ORDER BY created_at, id'),
    // Few rows: read on every transition, so a subscription made by another process counts at once.
    transitionSubs: db.prepare<[], SubscriptionRow>(
      "SELECT s.* FROM webhook_subscriptions s JOIN webhook_targets t ON t.subscription_id = s.id WHERE t.event_type = 'office.transition'",
    ),
    insertDelivery: db.prepare(`INSERT INTO webhook_deliveries
      (message_id, subscription_id, event_type, body, created_at, next_attempt_at, retry_until)
      VALUES (@messageId, @subscriptionId, @eventType, @body, @at, @at, @retryUntil)`),
    reclaim: db.prepare("UPDATE webhook_deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE status = 'sending' AND lease_until <= ?"),
    claim: db.prepare<[string, string, string, number], DeliveryRow>(`UPDATE webhook_deliveries
      SET status = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1
      WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND s.enabled = 1 ORDER BY d.next_attempt_at, d.id LIMIT ?)
      RETURNING *`),
    finish: db.prepare(`UPDATE webhook_deliveries SET status = @status, response_status = @response_status, last_error = @last_error,
      duration_ms = @duration_ms, last_attempt_at = @at, next_attempt_at = @next_attempt_at,
      delivered_at = CASE WHEN @status = 'delivered' THEN @at ELSE delivered_at END, lease_owner = NULL, lease_until = NULL
      WHERE id = @id AND status = 'sending' AND lease_owner = @owner`),
    healthy: db.prepare('UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = ?'),
    failing: db.prepare('UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, ?) WHERE id = ?'),
    disable: db.prepare('UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1'),
    deliveries: db.prepare<[string, string | null, string | null, number, number], DeliveryRow>(
      'SELECT * FROM webhook_deliveries WHERE subscription_id = ? AND (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ? OFFSET ?',
    ),
    countDeliveries: db.prepare<[string, string | null, string | null], { n: number }>(
      'SELECT count(*) AS n FROM webhook_deliveries WHERE subscription_id = ? AND (? IS NULL OR status = ?)',
    ),
    delivery: db.prepare<[string, string], DeliveryRow>('SELECT * FROM webhook_deliveries WHERE subscription_id = ? AND message_id = ?'),
    redeliver: db.prepare(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, retry_until = ?
      WHERE id = ? AND status IN ('delivered', 'failed', 'pending')`),
  };

  const subRow = (sub: Subscription) => ({
    id: sub.id,
    url: sub.url,
    description: sub.description,
    events: JSON.stringify(sub.events),
    filter_types: JSON.stringify(sub.filter.eventTypes),
    filter_stages: JSON.stringify(sub.filter.stages),
    enabled: sub.enabled ? 1 : 0,
  });

  const unit = unitOfWorkOf(db);
  return {
    transaction: (work) => unit.transaction(work),
    ...unit.repository<Omit<WebhookStore, 'transaction'>>({
    insert(sub) {
      s.insertSub.run({ ...subRow(sub), secret: sub.secret, created_at: sub.createdAt });
    },
    update(sub) {
      s.updateSub.run({ ...subRow(sub), failing_since: sub.failingSince, disabled_reason: sub.disabledReason, updated_at: sub.updatedAt });
    },
    remove: (id) => s.deleteSub.run(id).changes === 1,
    get(id) {
      const row = s.getSub.get(id);
      return row ? toSubscription(row) : undefined;
    },
    list: () => s.allSubs.all().map(toSubscription),
    transitionSubscriptions: () => s.transitionSubs.all().map(toSubscription),
    enqueue: (d) => void s.insertDelivery.run(d),
    claim(owner, now, leaseUntil, limit) {
      return db
        .transaction(() => {
          s.reclaim.run(now.toISOString());
          return s.claim.all(owner, leaseUntil.toISOString(), now.toISOString(), limit);
        })
        .immediate();
    },
    finish(attempt) {
      return (
        s.finish.run({
          id: attempt.id,
          owner: attempt.owner,
          status: attempt.status,
          response_status: attempt.responseStatus,
          last_error: attempt.error,
          duration_ms: attempt.durationMs,
          at: attempt.at,
          next_attempt_at: attempt.nextAttemptAt,
        }).changes === 1
      );
    },
    markHealthy: (id) => void s.healthy.run(id),
    markFailing: (id, at) => void s.failing.run(at, id),
    disable: (id, reason, at) => s.disable.run(reason, at, id).changes === 1,
    deliveries(subscriptionId, status, limit, offset) {
      const st = status ?? null;
      return {
        deliveries: s.deliveries.all(subscriptionId, st, st, limit, offset).map(deliveryView),
        total: s.countDeliveries.get(subscriptionId, st, st)!.n,
      };
    },
    delivery: (subscriptionId, messageId) => s.delivery.get(subscriptionId, messageId),
    redeliver: (id, now, retryUntil) => s.redeliver.run(now, retryUntil, id).changes === 1,
    }),
  };
}
