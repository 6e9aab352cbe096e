/**
 * Response shapes of the machine, health and document routes. `GET /api/machine` returns
 * `describeMachine()`, which `route()` checks against the schema at compile time.
 */
import { z } from 'zod';
import { officeEventTypes, type OfficeEventType } from '../../machines/events';
import type { StateDescription } from '../../machines/describe';
import type { StateMeta } from '../../machines/meta';
import { openApiComponents } from '../openapi';

export const reminderPolicySchema = z
  .strictObject({
    sla: z.string().describe('ISO 8601 duration, e.g. P30D'),
    until: z.literal('workshopEnd').optional().describe("Replaces the SLA by the last day of the office's workshop"),
    every: z.string().describe('ISO 8601 duration between reminders'),
    reminders: z.number().int().min(0),
    recipient: z.enum(['office', 'coordinator']),
    template: z.string(),
  })
  .register(openApiComponents, { id: 'ReminderPolicy' });

const stateMetaSchema = z.strictObject({
  label: z.string(),
  description: z.string(),
  owner: z.enum(['office', 'wipo']).describe('office: WIPO waits on the office; wipo: the office waits on WIPO'),
  reminders: reminderPolicySchema.optional().describe('The effective SLA and reminders; absent where nobody waits'),
});

const transitionSchema = z.strictObject({
  event: z.string(),
  targets: z.array(z.string()),
  guarded: z.boolean(),
});

/** A state as JSON: the root has no meta, so JSON leaves the field out there. */
type StateJson = Omit<StateDescription, 'meta' | 'states'> & { meta?: StateMeta; states: StateJson[] };

export const stateDescriptionSchema: z.ZodType<StateJson> = z
  .strictObject({
    key: z.string(),
    path: z.string().describe('Dotted path from the root; empty for the root'),
    type: z.enum(['atomic', 'compound', 'parallel', 'final', 'history']),
    initial: z.string().nullable(),
    meta: stateMetaSchema.optional().describe('Absent on the root'),
    transitions: z.array(transitionSchema),
    done: z.array(transitionSchema).describe('Transitions taken when the state is done'),
    get states() {
      return z.array(stateDescriptionSchema);
    },
  })
  .register(openApiComponents, { id: 'StateDescription' });

const eventDescriptionSchema = z.strictObject({ payload: z.unknown().describe('JSON Schema of the payload') });
// An object with one property per event type (a record with enum keys would list them as required only).
const eventsShape = Object.fromEntries(officeEventTypes.map((type) => [type, eventDescriptionSchema])) as Record<OfficeEventType, typeof eventDescriptionSchema>;

export const machineDescriptionSchema = z
  .strictObject({
    id: z.string(),
    version: z.number().int().describe('OFFICE_MACHINE_VERSION: stored snapshots name the version they were made with'),
    root: stateDescriptionSchema,
    events: z.strictObject(eventsShape),
  })
  .register(openApiComponents, { id: 'MachineDescription' });

export const healthSchema = z
  .strictObject({ status: z.literal('ok'), backend: z.enum(['sqlite', 'postgres']) })
  .register(openApiComponents, { id: 'Health' });
export const readinessSchema = z
  .strictObject({ status: z.literal('ready'), backend: z.enum(['sqlite', 'postgres']) })
  .register(openApiComponents, { id: 'Readiness' });

/** The document itself: its top level; OpenAPI 3.1 tells the rest. */
export const openApiDocumentSchema = z
  .looseObject({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .register(openApiComponents, { id: 'OpenApiDocument' });
