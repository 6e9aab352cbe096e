import { z } from 'zod';
import type { DeliveryView, SubscriptionView } from '../../storage/webhook-store';
import { DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../../storage/webhook-store';
import { openApiComponents } from '../openapi';

/** Response shapes of the webhook routes, compared with the types the handlers return (as in schemas.ts). */
const timestamp = z.iso.datetime({ offset: true });

export const webhookSchema = z
  .strictObject({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    filter: z.strictObject({
      eventTypes: z.array(z.string()).describe('office.transition only: these event types; empty for every one'),
      stages: z.array(z.string()).describe('office.transition only: offices in these stages after it; empty for every one'),
    }),
    enabled: z.boolean(),
    failingSince: timestamp.nullable().describe('First failure of the current run of failed deliveries'),
    disabledReason: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .register(openApiComponents, { id: 'Webhook' });

export const webhookWithSecretSchema = webhookSchema
  .extend({ secret: z.string().regex(/^whsec_/).describe('Signing secret (Standard Webhooks); shown this once only') })
  .register(openApiComponents, { id: 'WebhookWithSecret' });

export const webhookListSchema = z.strictObject({ webhooks: z.array(webhookSchema) }).register(openApiComponents, { id: 'WebhookList' });

export const deliverySchema = z
  .strictObject({
    id: z.string().describe('The webhook-id header, the same on every attempt'),
    event: z.string(),
    status: z.enum(DELIVERY_STATUSES as [string, ...string[]]),
    attempts: z.number().int().min(0),
    responseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    createdAt: timestamp,
    lastAttemptAt: timestamp.nullable(),
    nextAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
  })
  .register(openApiComponents, { id: 'WebhookDelivery' });

export const deliveryListSchema = z
  .strictObject({ deliveries: z.array(deliverySchema), total: z.number().int().min(0) })
  .register(openApiComponents, { id: 'WebhookDeliveryList' });

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const _webhookAgrees: Same<z.output<typeof webhookSchema>, SubscriptionView> = true;
const _deliveryAgrees: Same<Omit<z.output<typeof deliverySchema>, 'status'>, Omit<DeliveryView, 'status'>> = true;
