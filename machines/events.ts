import { z } from 'zod';
import { cityName, contactList, countryCode, languageCode, officeName } from './office-fields';

/**
 * The payload each event carries, keyed by event type. This table is the single source for
 * API validation, the OpenAPI document, the dashboard's forms and the machine's event types.
 */
const reason = z.string().trim().min(1).max(2000);
const workshopId = z.string().trim().min(1).max(100);
const focalPointEmails = z.array(z.email().max(320)).min(1).max(50);
/** What the coordinator wants remembered with any event ("generator installed"): kept in history, shown in the timeline. */
export const eventNote = z.string().trim().min(1).max(2000).optional();

const payloads = {
  SEND_CIRCULAR: z.object({ letterRef: z.string().max(200).optional() }),
  REPLY_AFFIRMATIVE: z.object({}),
  /** The office may say why it declines; a no without a reason is still a no. */
  REPLY_DECLINED: z.object({ reason: reason.optional() }),
  REOPEN: z.object({}),
  SITE_SURVEYED: z.object({}),
  SITE_DIFFICULTY: z.object({ reason }),
  DIFFICULTY_RESOLVED: z.object({}),
  SITE_READY: z.object({}),
  FOCAL_POINT_NOMINATED: z.object({
    name: z.string().trim().min(1).max(200),
    email: z.email().max(320),
    role: z.string().trim().min(1).max(100).optional(),
  }),
  ENROLLED: z.object({
    workshopId,
    /** Emails of the focal points enrolled; by default every focal point of the office not yet trained. */
    focalPoints: focalPointEmails.optional(),
  }),
  TRAINING_COMPLETED: z.object({
    workshopId: workshopId.optional(),
    /** Emails of the focal points who attended; by default every enrolled focal point of the office. */
    focalPoints: focalPointEmails.optional(),
  }),
  NO_SHOW: z.object({
    workshopId: workshopId.optional(),
    /** The workshop was cancelled: the focal points return to "nominated", not "no-show". */
    workshopCancelled: z.boolean().optional(),
  }),
  KIT_SHIPPED: z.object({ goldDiskVersion: z.string().trim().min(1).max(50).optional() }),
  KIT_DELIVERED: z.object({}),
  KIT_INSTALLED: z.object({}),
  DEPLOYMENT_HELD: z.object({ reason }),
  GOLD_DISK_RELEASED: z.object({ version: z.string().trim().min(1).max(50) }),
  SERVICES_CONNECTED: z.object({}),
  HANDED_OVER: z.object({}),
  WITHDRAWN: z.object({ reason }),
  /** The office's descriptive fields that change, with their new values; at least one. */
  DETAILS_UPDATED: z
    .object({
      name: officeName.optional(),
      country: countryCode.optional(),
      city: cityName.optional(),
      language: languageCode.optional(),
      contacts: contactList.optional(),
    })
    .refine((d) => Object.values(d).some((v) => v !== undefined), { message: 'give at least one field to change' }),
} as const;

type WithNote<T> = { [K in keyof T]: T[K] extends z.ZodObject<infer S> ? z.ZodObject<S & { note: typeof eventNote }> : never };

/** Every event also takes an optional `note`; the machine ignores it. */
export const eventPayloads = Object.fromEntries(
  Object.entries(payloads).map(([type, schema]) => [type, schema.extend({ note: eventNote })]),
) as unknown as WithNote<typeof payloads>;

export type OfficeEventType = keyof typeof eventPayloads;
export const officeEventTypes = Object.keys(eventPayloads) as OfficeEventType[];

// zod infers `z.object({})` as Record<string, never>; an event without payload is just `{ type }`.
type Payload<T> = string extends keyof T ? unknown : T;

export type OfficeEvent = {
  [K in OfficeEventType]: { type: K } & Payload<z.infer<(typeof eventPayloads)[K]>>;
}[OfficeEventType];

export function isOfficeEventType(type: string): type is OfficeEventType {
  return Object.prototype.hasOwnProperty.call(eventPayloads, type);
}

/** Events `parseOfficeEvent` answered: parsing one again gives the same event (every schema is idempotent). */
const parsedEvents = new WeakSet<object>();

/** Whether `event` is an answer of `parseOfficeEvent`, so a later reader need not parse it again. */
export function isParsedEvent(event: object): boolean {
  return parsedEvents.has(event);
}

/** Parses `{type, ...payload}`; unknown keys are stripped so history holds only what the machine reads. */
export function parseOfficeEvent(
  raw: unknown,
): { ok: true; event: OfficeEvent } | { ok: false; message: string; issues: unknown } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, message: 'An event must be a JSON object with a "type".', issues: [] };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !isOfficeEventType(type)) {
    return {
      ok: false,
      message: `Unknown event type ${JSON.stringify(type)}. Known types: ${officeEventTypes.join(', ')}.`,
      issues: [{ path: ['type'], message: 'unknown event type' }],
    };
  }
  const parsed = eventPayloads[type].safeParse(raw);
  if (!parsed.success) {
    return { ok: false, message: `Invalid payload for ${type}.`, issues: parsed.error.issues };
  }
  const event = { type, ...parsed.data } as OfficeEvent;
  parsedEvents.add(event);
  return { ok: true, event };
}
