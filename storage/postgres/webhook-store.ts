import { deliveryView, type DeliveryRow, type Subscription, type WebhookEventType, type WebhookStore } from '../webhook-store';
import type { PostgresUnitOfWork } from './unit-of-work';

/** jsonb arrays come back parsed and `enabled` as a boolean (SQLite keeps JSON text and 0/1). */
interface SubscriptionRow {
  id: string;
  url: string;
  description: string;
  secret: string;
  events: WebhookEventType[];
  filter_types: string[];
  filter_stages: string[];
  enabled: boolean;
  failing_since: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  url: r.url,
  description: r.description,
  secret: r.secret,
  events: r.events,
  filter: { eventTypes: r.filter_types, stages: r.filter_stages },
  enabled: r.enabled,
  failingSince: r.failing_since,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SUBSCRIPTION_COLUMNS =
  's.id, s.url, s.description, s.secret, s.events, s.filter_types, s.filter_stages, s.enabled, s.failing_since, s.disabled_reason, s.created_at, s.updated_at';
const DELIVERY_COLUMNS = `id, message_id, subscription_id, event_type, body, status, attempts, response_status, last_error, duration_ms,
  created_at, next_attempt_at, retry_until, last_attempt_at, delivered_at, lease_owner, lease_until`;

/** SQLite orders text by its bytes; "C" does the same whatever the database's locale. */
const BY_CREATION = 'ORDER BY s.created_at, s.id COLLATE "C"';

/**
 * Expired leases back to pending. SKIP LOCKED: a row another server is reclaiming or finishing is
 * left to it rather than waited for.
 */
const RECLAIM = `UPDATE webhook_deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL
  WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'sending' AND lease_until <= $1 FOR UPDATE SKIP LOCKED)`;

/**
 * Due deliveries of enabled subscriptions, leased to $1 until $2. The rows are locked as they are
 * chosen and those another server holds are skipped, so concurrent claimers take disjoint sets
 * without waiting for one another; a row claimed and committed by another since this statement's
 * snapshot is re-read under its lock, no longer pending, and passed over.
 */
const CLAIM = `WITH due AS (
    SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
    WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND s.enabled
    ORDER BY d.next_attempt_at, d.id LIMIT $4
    FOR UPDATE OF d SKIP LOCKED
  ), claimed AS (
    UPDATE webhook_deliveries w SET status = 'sending', lease_owner = $1, lease_until = $2, attempts = w.attempts + 1
    FROM due WHERE w.id = due.id
    RETURNING w.*
  )
  SELECT ${DELIVERY_COLUMNS} FROM claimed ORDER BY next_attempt_at, id`;

const FINISH = `UPDATE webhook_deliveries SET status = $3::text, response_status = $4, last_error = $5, duration_ms = $6,
    last_attempt_at = $7::timestamptz, next_attempt_at = $8,
    delivered_at = CASE WHEN $3::text = 'delivered' THEN $7::timestamptz ELSE delivered_at END,
    lease_owner = NULL, lease_until = NULL
  WHERE id = $1 AND status = 'sending' AND lease_owner = $2 RETURNING id`;

/** The webhooks repository on PostgreSQL: the same interface and answers as the SQLite one. */
export function createPostgresWebhookStore(unit: PostgresUnitOfWork): WebhookStore {
  const q = unit.query.bind(unit);
  const changed = async (text: string, values: unknown[]) => (await q(text, values)).length;
  // node-postgres would send a JS array as a PostgreSQL array, not JSON: jsonb parameters go as text.
  const json = (value: unknown) => JSON.stringify(value);

  return {
    transaction: (work) => unit.transaction(work),

    async insert(sub) {
      await q(
        `INSERT INTO webhook_subscriptions (id, url, description, secret, events, filter_types, filter_stages, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [sub.id, sub.url, sub.description, sub.secret, json(sub.events), json(sub.filter.eventTypes), json(sub.filter.stages), sub.enabled, sub.createdAt],
      );
    },

    async update(sub) {
      await q(
        `UPDATE webhook_subscriptions SET url = $2, description = $3, events = $4, filter_types = $5, filter_stages = $6, enabled = $7,
           failing_since = $8, disabled_reason = $9, updated_at = $10 WHERE id = $1`,
        [sub.id, sub.url, sub.description, json(sub.events), json(sub.filter.eventTypes), json(sub.filter.stages), sub.enabled,
          sub.failingSince, sub.disabledReason, sub.updatedAt],
      );
    },

    remove: async (id) => (await changed('DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id', [id])) === 1,

    async get(id) {
      const [row] = await q<SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s WHERE s.id = $1`, [id]);
      return row ? toSubscription(row) : undefined;
    },

    async list() {
      return (await q<SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s ${BY_CREATION}`)).map(toSubscription);
    },

    async transitionSubscriptions() {
      const rows = await q<SubscriptionRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s JOIN webhook_targets t ON t.subscription_id = s.id
         WHERE t.event_type = 'office.transition' ${BY_CREATION}`,
      );
      return rows.map(toSubscription);
    },

    async enqueue(d) {
      await q(
        `INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, body, created_at, next_attempt_at, retry_until)
         VALUES ($1, $2, $3, $4, $5, $5, $6)`,
        [d.messageId, d.subscriptionId, d.eventType, d.body, d.at, d.retryUntil],
      );
    },

    claim(owner, now, leaseUntil, limit) {
      return unit.transaction(async () => {
        await q(RECLAIM, [now.toISOString()]);
        return q<DeliveryRow>(CLAIM, [owner, leaseUntil.toISOString(), now.toISOString(), limit]);
      });
    },

    finish: async (a) =>
      (await changed(FINISH, [a.id, a.owner, a.status, a.responseStatus, a.error, a.durationMs, a.at, a.nextAttemptAt])) === 1,

    async markHealthy(id) {
      await q('UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = $1', [id]);
    },

    async markFailing(id, at) {
      await q('UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, $1) WHERE id = $2', [at, id]);
    },

    disable: async (id, reason, at) =>
      (await changed(
        'UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $1, updated_at = $2 WHERE id = $3 AND enabled RETURNING id',
        [reason, at, id],
      )) === 1,

    async deliveries(subscriptionId, status, limit, offset) {
      const st = status ?? null;
      const rows = await q<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)
         ORDER BY id DESC LIMIT $3 OFFSET $4`,
        [subscriptionId, st, limit, offset],
      );
      const [count] = await q<{ n: number }>(
        'SELECT count(*) AS n FROM webhook_deliveries WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)',
        [subscriptionId, st],
      );
      return { deliveries: rows.map(deliveryView), total: count!.n };
    },

    async delivery(subscriptionId, messageId) {
      const [row] = await q<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = $1 AND message_id = $2`, [
        subscriptionId, messageId,
      ]);
      return row;
    },

    redeliver: async (id, now, retryUntil) =>
      (await changed(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, retry_until = $2
         WHERE id = $3 AND status IN ('delivered', 'failed', 'pending') RETURNING id`,
        [now, retryUntil, id],
      )) === 1,
  };
}
