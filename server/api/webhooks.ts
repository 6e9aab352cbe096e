import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { DELIVERY_STATUSES, subscriptionView } from '../../storage/webhook-store';
import { idParams, route, type AnyRoute } from '../route';
import { createWebhookBody, patchWebhookBody, webhookActions } from './webhook-actions';
import { deliveryListSchema, deliverySchema, webhookListSchema, webhookSchema, webhookWithSecretSchema } from './webhook-schemas';

const deliveryParams = z.object({ id: z.string().min(1).max(200), deliveryId: z.string().min(1).max(200) });
const deliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Subscriptions and their deliveries (webhooks/), for administrators. */
export function webhookRoutes(runtime: Runtime): AnyRoute[] {
  const store = runtime.webhooks.store;
  const actions = webhookActions(runtime);
  return [
    route({
      method: 'post',
      path: '/api/webhooks',
      summary: 'Subscribe a URL to events; the signing secret is in this answer only',
      tag: 'webhooks',
      access: 'admin',
      body: createWebhookBody,
      responses: {
        201: { description: 'The subscription, with its secret (whsec_…)', schema: webhookWithSecretSchema },
        400: { description: 'Bad input, or a private address' },
      },
      handler: async ({ body, res, actor }) => {
        const created = await actions.create(body, actor);
        res.status(201);
        return created;
      },
    }),
    route({
      method: 'get',
      path: '/api/webhooks',
      summary: 'Every webhook subscription (without secrets)',
      tag: 'webhooks',
      access: 'admin',
      responses: { 200: { description: 'The subscriptions', schema: webhookListSchema } },
      handler: async () => ({ webhooks: (await store.list()).map(subscriptionView) }),
    }),
    route({
      method: 'get',
      path: '/api/webhooks/:id',
      summary: 'One webhook subscription',
      tag: 'webhooks',
      access: 'admin',
      params: idParams,
      responses: { 200: { description: 'The subscription', schema: webhookSchema } },
      handler: async ({ params }) => subscriptionView(await actions.get(params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/webhooks/:id',
      summary: 'Change a subscription; enabling it again clears its failure record',
      tag: 'webhooks',
      access: 'admin',
      params: idParams,
      body: patchWebhookBody,
      responses: { 200: { description: 'The subscription', schema: webhookSchema } },
      handler: ({ params, body, actor }) => actions.update(params.id, body, actor),
    }),
    route({
      method: 'delete',
      path: '/api/webhooks/:id',
      summary: 'Delete a subscription and its deliveries',
      tag: 'webhooks',
      access: 'admin',
      params: idParams,
      responses: { 200: { description: 'The subscription as it was, now deleted', schema: webhookSchema } },
      handler: ({ params, actor }) => actions.remove(params.id, actor),
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
      handler: async ({ params, query }) => {
        await actions.get(params.id);
        return await store.deliveries(params.id, query.status as (typeof DELIVERY_STATUSES)[number] | undefined, query.limit, query.offset);
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
      handler: async ({ params, res, actor }) => {
        const view = await actions.redeliver(params.id, params.deliveryId, actor);
        res.status(202);
        return view;
      },
    }),
  ];
}
