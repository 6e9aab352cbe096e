/**
 * Response shapes of the office routes and the headers they exchange, for the OpenAPI document.
 *
 * Each response schema is compared with the type the engine or the handler really returns (see the
 * `Same` checks at the end), so adding, renaming or retyping a field there fails `tsc` until the
 * document says the same. The objects are strict: a body with a field the schema does not list does
 * not parse, which is what lets the tests compare real responses with the document.
 */
import { z } from 'zod';
import type { ImportResult } from '../../engine/import';
import type { ReminderStatus } from '../../reminders/reminders';
import type { OfficeView } from '../../engine/view';
import type { officeStats, listOfficeViews } from '../../engine/queries';
import { FIGURE_NAMES, type FigureName } from '../../engine/figures';
import type { HistoryEntry } from '../../storage/types';
import { openApiComponents } from '../openapi';

/** Every date the API accepts is one of these (1990-01-01..2100-12-31): see engine/dates.ts. */
export { boundedDay, boundedInstant } from '../../engine/dates';

/** Every time the API returns is `Date.toISOString()`; an offset is accepted as imported data may carry one. */
export const timestamp = z.iso.datetime({ offset: true });
export const counts = z.record(z.string(), z.number().int().min(0));

export const trackSchema = z.enum(['kit', 'internet']);

const contactSchema = z.strictObject({
  name: z.string(),
  email: z.string(),
  role: z.string().optional(),
});

const officeContextSchema = z
  .strictObject({
    track: trackSchema,
    reason: z.string().nullable().describe('Reason given with the latest decline, difficulty, hold or withdrawal'),
    focalPoint: z.strictObject({ name: z.string(), email: z.string() }).nullable(),
    workshopId: z.string().nullable(),
    goldDiskVersion: z.string().nullable(),
  })
  .describe("The lifecycle machine's context");

const reminderClockSchema = z.strictObject({
  state: z.string(),
  owner: z.enum(['office', 'wipo']),
  enteredAt: timestamp,
  deadline: timestamp,
  stalled: z.boolean(),
  daysOverdue: z.number(),
  remindersSent: z.number().int().min(0),
  escalated: z.boolean(),
  nextReminderAt: timestamp.nullable(),
});

export const reminderStatusSchema = z
  .strictObject({
    stalled: z.boolean(),
    stuck: z.boolean(),
    nextReminder: z
      .strictObject({
        at: timestamp,
        state: z.string(),
        kind: z.enum(['reminder', 'escalation']),
        level: z.number().int(),
        inMs: z.number().min(0).describe('Milliseconds left before it (0 when already due)'),
        in: z.string().describe('The same time left as an ISO 8601 duration'),
      })
      .nullable(),
    paused: z.strictObject({ since: timestamp, until: timestamp, reason: z.string(), by: z.string() }).nullable(),
    timeZone: z.string(),
    clocks: z.array(reminderClockSchema),
  })
  .register(openApiComponents, { id: 'ReminderStatus' });

export const officeViewSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    country: z.string().describe('ISO 3166-1 alpha-2'),
    city: z.string().nullable(),
    language: z.string().describe('ISO 639-1'),
    track: trackSchema,
    contacts: z.array(contactSchema),
    stage: z.string().describe('The top-level state'),
    states: z.array(z.string()).describe('The active leaf states, one per parallel region'),
    version: z.number().int().min(0).describe('Bumped by every transition; the ETag and If-Match value'),
    enteredAt: z.record(z.string(), timestamp).describe('When the office entered each active state node'),
    allowedEvents: z.array(z.string()).describe('Events the office can take now'),
    context: officeContextSchema,
    createdAt: timestamp,
    updatedAt: timestamp,
    reminders: reminderStatusSchema.nullable(),
  })
  .register(openApiComponents, { id: 'OfficeView' });

/** One office as `GET /api/offices/:id` answers it: the view, and what the mailbox says of it. */
export const officeDetailSchema = officeViewSchema
  .extend({
    mail: z
      .strictObject({
        bouncing: z.array(z.string()).describe('Contact addresses whose mail bounces: reminders skip them until the contacts are edited'),
        repliedAt: timestamp.nullable().describe('When a contact of the office last replied by email'),
      })
      .describe('What the programme\'s mailbox says of the office'),
  })
  .register(openApiComponents, { id: 'OfficeDetail' });

export const officeListSchema = z
  .strictObject({
    offices: z.array(officeViewSchema),
    total: z.number().int().min(0).describe('Offices matching the filter, before limit and offset'),
  })
  .register(openApiComponents, { id: 'OfficeList' });

const historyEventSchema = z.strictObject({
  seq: z.number().int(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  from: z.array(z.string()).describe('Active leaf states before the transition'),
  to: z.array(z.string()).describe('Active leaf states after it'),
  actor: z.string(),
  at: timestamp,
  requestId: z.string().nullable().describe('The request that caused it (its X-Request-Id); null for imports, the CLI and timers'),
});

export const officeHistorySchema = z
  .strictObject({ events: z.array(historyEventSchema) })
  .register(openApiComponents, { id: 'OfficeHistory' });

/** The headline figures (engine/figures.ts), as the overview, the stats, the report and the CLI give them. */
export const figuresSchema = z
  .strictObject(Object.fromEntries(FIGURE_NAMES.map((name) => [name, z.number().int().min(0)])) as Record<FigureName, z.ZodNumber>)
  .describe(
    'Headline figures: invited, preparing, installed (kit track: installed or handed over), connected (Internet track: connected or handed over), handedOver, stalled (offices past a deadline, each once), stuck (stalled and escalated). GET /api/offices?figure=NAME lists each.',
  )
  .register(openApiComponents, { id: 'Figures' });

export const officeStatsSchema = z
  .strictObject({
    total: z.number().int().min(0),
    byStage: counts.describe('Offices per top-level stage'),
    byState: counts.describe('Offices per leaf state; states with none are left out'),
    figures: figuresSchema,
  })
  .register(openApiComponents, { id: 'OfficeStats' });

export const importResultSchema = z
  .strictObject({
    offices: z.number().int().min(0),
    events: z.number().int().min(0),
    other: z.number().int().min(0).describe('Lines of the further kinds, e.g. workshops'),
  })
  .register(openApiComponents, { id: 'ImportResult' });

/** What `parseIfMatch` accepts: the office version, bare, quoted or weak (`3`, `"3"`, `W/"3"`). */
export const IF_MATCH_PATTERN = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/;

export const ifMatchHeader = z
  .string()
  .regex(IF_MATCH_PATTERN)
  .describe('The office version the client last saw (its ETag); a different current version answers 412');

export const ifMatchHeaders = z.object({ 'If-Match': ifMatchHeader.optional() });

/** `etagOf(version)`: the version in quotes. */
export const etagHeaders = z.object({
  ETag: z
    .string()
    .regex(/^"\d+"$/)
    .describe('The office version, quoted; send it back as If-Match'),
});

/**
 * True only when A and B are the same type. Mutual assignability would be weaker: it lets an
 * optional field exist on one side only.
 */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type Flat<T> = { [K in keyof T]: T[K] };
type HistoryResponse = { events: Flat<Pick<HistoryEntry, 'seq' | 'type' | 'payload' | 'from' | 'to' | 'actor' | 'at'> & { requestId: string | null }>[] };

// Compile-time only: each line fails to type-check when a schema and the type it documents part ways.
const _officeViewAgrees: Same<z.output<typeof officeViewSchema>, OfficeView> = true;
const _reminderStatusAgrees: Same<z.output<typeof reminderStatusSchema>, ReminderStatus> = true;
const _officeListAgrees: Same<z.output<typeof officeListSchema>, Awaited<ReturnType<typeof listOfficeViews>>> = true;
const _officeHistoryAgrees: Same<z.output<typeof officeHistorySchema>, HistoryResponse> = true;
const _officeStatsAgrees: Same<z.output<typeof officeStatsSchema>, Awaited<ReturnType<typeof officeStats>>> = true;
const _importResultAgrees: Same<z.output<typeof importResultSchema>, ImportResult> = true;
