import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { officeEventTypes } from '../../machines/events';
import { allStates } from '../../machines/describe';
import { REGISTERED } from '../../engine/engine';
import { isForbiddenAddress, literalAddress } from '../../webhooks/address';
import { DAY_MS } from '../../webhooks/dispatcher';
import { newSecret } from '../../webhooks/signature';
import { DELIVERY_STATUSES, subscriptionView, deliveryView, WEBHOOK_EVENT_TYPES, type Subscription } from '../../webhooks/store';
import { HttpError } from '../errors';
import { idParams, route, type AnyRoute } from '../route';
import { deliveryListSchema, deliverySchema, webhookListSchema, webhookSchema, webhookWithSecretSchema } from './webhook-schemas';

const stageNames = allStates()
  .filter((s) => !s.path.includes('.'))
  .map((s) => s.path) as [string, ...string[]];
const transitionTypes = [REGISTERED, ...officeEventTypes] as [string, ...string[]];

const url = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000);
const filter = z.strictObject({
  eventTypes: z.array(z.enum(transitionTypes)).max(100).default([]),
  stages: z.array(z.enum(stageNames)).max(20).default([]),
});
const events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);

const createBody = z.strictObject({
  url,
  description: z.string().trim().max(500).default(''),
  events,
  filter: filter.default({ eventTypes: [], stages: [] }),
  enabled: z.boolean().default(true),
});
const patchBody = z.strictObject({
  url: url.optional(),
  description: z.string().trim().max(500).optional(),
  events: events.optional(),
  filter: filter.optional(),
  enabled: z.boolean().optional(),
});
const deliveryParams = z.object({ id: z.string().min(1).max(200), deliveryId: z.string().min(1).max(200) });
const deliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Subscriptions and their deliveries (webhooks/), for administrators. */
export function webhookRoutes(runtime: Runtime): AnyRoute[] {
  const { engine, webhooks, accounts } = runtime;
  const store = webhooks.store;
  const now = () => engine.clock.now().toISOString();

  const checkUrl = (target: string) => {
    const literal = literalAddress(new URL(target).hostname);
    if (!webhooks.allowPrivate && literal && isForbiddenAddress(literal)) {
      throw new HttpError(400, 'webhook_url_refused', `${literal} is a private, loopback or link-local address; webhooks are not sent there.`, { url: target });
    }
  };
  const subscriptionOr404 = (id: string): Subscription => {
    const sub = store.get(id);
    if (!sub) throw new HttpError(404, 'webhook_not_found', `No webhook "${id}".`, { id });
    return sub;
  };

  return [
    route({
      method: 'post',
      path: '/api/webhooks',
      summary: 'Subscribe a URL to events; the signing secret is in this answer only',
      tag: 'webhooks',
      access: 'admin',
      body: createBody,
      responses: {
        201: { description: 'The subscription, with its secret (whsec_…)', schema: webhookWithSecretSchema },
        400: { description: 'Bad input, or a private address' },
      },
      handler: ({ body, res, actor }) => {
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
        engine.unitOfWork(() => {
          store.insert(sub);
          accounts.audit(at, actor, 'webhook.create', sub.id, { url: sub.url, events: sub.events });
        });
        res.status(201);
        return { ...subscriptionView(sub), secret: sub.secret };
      },
    }),
    route({
      method: 'get',
      path: '/api/webhooks',
      summary: 'Every webhook subscription (without secrets)',
      tag: 'webhooks',
      access: 'admin',
      responses: { 200: { description: 'The subscriptions', schema: webhookListSchema } },
      handler: () => ({ webhooks: store.list().map(subscriptionView) }),
    }),
    route({
      method: 'get',
      path: '/api/webhooks/:id',
      summary: 'One webhook subscription',
      tag: 'webhooks',
      access: 'admin',
      params: idParams,
      responses: { 200: { description: 'The subscription', schema: webhookSchema } },
      handler: ({ params }) => subscriptionView(subscriptionOr404(params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/webhooks/:id',
      summary: 'Change a subscription; enabling it again clears its failure record',
      tag: 'webhooks',
      access: 'admin',
      params: idParams,
      body: patchBody,
      responses: { 200: { description: 'The subscription', schema: webhookSchema } },
      handler: ({ params, body, actor }) => {
        if (body.url) checkUrl(body.url);
        return engine.unitOfWork(() => {
          const sub = subscriptionOr404(params.id);
          const reenabled = body.enabled === true && !sub.enabled;
          const updated: Subscription = {
            ...sub,
            ...body,
            failingSince: reenabled ? null : sub.failingSince,
            disabledReason: body.enabled === undefined || body.enabled === sub.enabled ? sub.disabledReason : null,
            updatedAt: now(),
          };
          store.update(updated);
          accounts.audit(updated.updatedAt, actor, 'webhook.update', sub.id, { ...body });
          return subscriptionView(updated);
        });
      },
    }),
    route({
      method: 'delete',
      path: '/api/webhooks/:id',
      summary: 'Delete a subscription and its deliveries',
      tag: 'webhooks',
      access: 'admin',
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: ({ params, res, actor }) => {
        engine.unitOfWork(() => {
          const sub = subscriptionOr404(params.id);
          store.remove(sub.id);
          accounts.audit(now(), actor, 'webhook.delete', sub.id, { url: sub.url });
        });
        res.status(204).end();
      },
    }),
    route({
      method: 'get',
      path: '/api/webhooks/:id/deliveries',
      summary: 'Deliveries of a subscription, newest first: status, attempts, response status and time',
      tag: 'webhooks',
      access: 'admin',
      params: idParams,
      query: deliveriesQuery,
      responses: { 200: { description: 'One page of deliveries', schema: deliveryListSchema } },
      handler: ({ params, query }) => {
        subscriptionOr404(params.id);
        return store.deliveries(params.id, query.status as (typeof DELIVERY_STATUSES)[number] | undefined, query.limit, query.offset);
      },
    }),
    route({
      method: 'post',
      path: '/api/webhooks/:id/deliveries/:deliveryId/redeliver',
      summary: 'Send a delivery again now (same webhook-id), with a new 24-hour retry window',
      tag: 'webhooks',
      access: 'admin',
      params: deliveryParams,
      responses: {
        202: { description: 'The delivery, pending', schema: deliverySchema },
        409: { description: 'The delivery is being sent right now' },
      },
      handler: ({ params, res, actor }) => {
        const view = engine.unitOfWork(() => {
          subscriptionOr404(params.id);
          const row = store.delivery(params.id, params.deliveryId);
          if (!row) throw new HttpError(404, 'delivery_not_found', `No delivery "${params.deliveryId}" for webhook "${params.id}".`);
          const at = engine.clock.now();
          if (!store.redeliver(row.id, at.toISOString(), new Date(at.getTime() + DAY_MS).toISOString())) {
            throw new HttpError(409, 'delivery_in_flight', 'This delivery is being sent right now; look again in a moment.');
          }
          accounts.audit(at.toISOString(), actor, 'webhook.redeliver', params.id, { delivery: row.message_id });
          return deliveryView(store.delivery(params.id, params.deliveryId)!);
        });
        void webhooks.dispatcher.nudge();
        res.status(202);
        return view;
      },
    }),
  ];
}
