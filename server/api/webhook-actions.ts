import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { officeEventTypes } from '../../machines/events';
import { allStates } from '../../machines/describe';
import { REGISTERED } from '../../engine/engine';
import { isForbiddenAddress, literalAddress } from '../../webhooks/address';
import { DAY_MS } from '../../webhooks/dispatcher';
import { newSecret } from '../../webhooks/signature';
import { deliveryView, subscriptionView, WEBHOOK_EVENT_TYPES, type Subscription } from '../../storage/webhook-store';
import { HttpError } from '../errors';

const stageNames = allStates()
  .filter((s) => !s.path.includes('.'))
  .map((s) => s.path) as [string, ...string[]];
export const transitionTypes = [REGISTERED, ...officeEventTypes] as [string, ...string[]];
export { stageNames as webhookStages };

const url = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000);
const filter = z.strictObject({
  eventTypes: z.array(z.enum(transitionTypes)).max(100).default([]),
  stages: z.array(z.enum(stageNames)).max(20).default([]),
});
const events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);

export const createWebhookBody = z.strictObject({
  url,
  description: z.string().trim().max(500).default(''),
  events,
  filter: filter.default({ eventTypes: [], stages: [] }),
  enabled: z.boolean().default(true),
});
export const patchWebhookBody = z.strictObject({
  url: url.optional(),
  description: z.string().trim().max(500).optional(),
  events: events.optional(),
  filter: filter.optional(),
  enabled: z.boolean().optional(),
});

/** What the API and the dashboard page both do to subscriptions; each change is audited. */
export function webhookActions(runtime: Runtime) {
  const { engine, webhooks, accounts } = runtime;
  const store = webhooks.store;
  const now = () => engine.clock.now().toISOString();

  const checkUrl = (target: string) => {
    const literal = literalAddress(new URL(target).hostname);
    if (!webhooks.allowPrivate && literal && isForbiddenAddress(literal)) {
      throw new HttpError(400, 'webhook_url_refused', `${literal} is a private, loopback or link-local address; webhooks are not sent there.`, { url: target });
    }
  };
  const get = async (id: string): Promise<Subscription> => {
    const sub = await store.get(id);
    if (!sub) throw new HttpError(404, 'webhook_not_found', `No webhook "${id}".`, { id });
    return sub;
  };

  return {
    get,
    /** The new subscription with its secret: the one time it is shown. */
    async create(body: z.output<typeof createWebhookBody>, actor: string) {
      checkUrl(body.url);
      const at = now();
      const sub: Subscription = {
        id: `wh_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
        url: body.url,
        description: body.description,
        secret: newSecret(),
        events: body.events,
        filter: body.filter,
        enabled: body.enabled,
        failingSince: null,
        disabledReason: null,
        createdAt: at,
        updatedAt: at,
      };
      await engine.transact(async () => {
        await store.insert(sub);
        await accounts.audit(at, actor, 'webhook.create', sub.id, { url: sub.url, events: sub.events });
      });
      return { ...subscriptionView(sub), secret: sub.secret };
    },
    async update(id: string, body: z.output<typeof patchWebhookBody>, actor: string) {
      if (body.url) checkUrl(body.url);
      return await engine.transact(async () => {
        const sub = await get(id);
        const reenabled = body.enabled === true && !sub.enabled;
        const updated: Subscription = {
          ...sub,
          ...body,
          failingSince: reenabled ? null : sub.failingSince,
          disabledReason: body.enabled === undefined || body.enabled === sub.enabled ? sub.disabledReason : null,
          updatedAt: now(),
        };
        await store.update(updated);
        await accounts.audit(updated.updatedAt, actor, 'webhook.update', sub.id, { ...body });
        return subscriptionView(updated);
      });
    },
    /** The subscription as it was before it was deleted. */
    async remove(id: string, actor: string) {
      return await engine.transact(async () => {
        const sub = await get(id);
        await store.remove(sub.id);
        await accounts.audit(now(), actor, 'webhook.delete', sub.id, { url: sub.url });
        return subscriptionView(sub);
      });
    },
    /** Sends a delivery again soon (same webhook-id), with a new 24-hour retry window. */
    async redeliver(id: string, deliveryId: string, actor: string) {
      const view = await engine.transact(async () => {
        await get(id);
        const row = await store.delivery(id, deliveryId);
        if (!row) throw new HttpError(404, 'delivery_not_found', `No delivery "${deliveryId}" for webhook "${id}".`);
        const at = engine.clock.now();
        if (!await store.redeliver(row.id, at.toISOString(), new Date(at.getTime() + DAY_MS).toISOString())) {
          throw new HttpError(409, 'delivery_in_flight', 'This delivery is being sent right now; look again in a moment.');
        }
        await accounts.audit(at.toISOString(), actor, 'webhook.redeliver', id, { delivery: row.message_id });
        return deliveryView((await store.delivery(id, deliveryId))!);
      });
      void webhooks.dispatcher.nudge();
      return view;
    },
  };
}
