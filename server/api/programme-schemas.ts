/**
 * Response shapes of the programme routes (server/api/programme.ts): focal points, workshops, Gold
 * Disk versions, broadcasts, circular letters and the CSV import. `route()` checks each handler's
 * return against its schema at compile time; the `Same` lines tie the store's types to them both ways.
 */
import { z } from 'zod';
import type { WorkshopView } from '../../programme/workshops';
import type { FocalPoint, GoldDiskVersion } from '../../storage/programme-store';
import { openApiComponents } from '../openapi';
import { timestamp, trackSchema, type Same } from './schemas';

const day = z.iso.date();
const count = z.number().int().min(0);

// --- focal points

export const focalPointSchema = z
  .strictObject({
    id: z.number().int().positive(),
    officeId: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.string().nullable(),
    status: z.enum(['nominated', 'enrolled', 'trained', 'no-show']),
    workshopId: z.string().nullable(),
    nominatedAt: timestamp,
    enrolledAt: timestamp.nullable(),
    trainedAt: timestamp.nullable(),
    noShowAt: timestamp.nullable(),
  })
  .register(openApiComponents, { id: 'FocalPoint' });

const focalPointOfOfficeSchema = focalPointSchema
  .extend({ officeName: z.string(), country: z.string() })
  .register(openApiComponents, { id: 'FocalPointOfOffice' });

export const focalPointPageSchema = z
  .strictObject({ total: count.describe('Focal points matching the filter, before limit and offset'), focalPoints: z.array(focalPointOfOfficeSchema) })
  .register(openApiComponents, { id: 'FocalPointPage' });

export const officeFocalPointsSchema = z.strictObject({ focalPoints: z.array(focalPointSchema) }).register(openApiComponents, { id: 'OfficeFocalPoints' });

export const candidatesSchema = z
  .strictObject({ focalPoints: z.array(focalPointOfOfficeSchema) })
  .register(openApiComponents, { id: 'WorkshopCandidates' });

// --- workshops

export const workshopSchema = z
  .strictObject({
    id: z.string(),
    title: z.string(),
    city: z.string(),
    country: z.string(),
    start: day,
    end: day,
    capacity: z.number().int().positive(),
    status: z.enum(['planned', 'held', 'cancelled']),
    createdAt: timestamp.nullable(),
    statusAt: timestamp.nullable(),
    enrolled: count,
    placesLeft: count,
  })
  .register(openApiComponents, { id: 'Workshop' });

export const workshopListSchema = z.strictObject({ workshops: z.array(workshopSchema) }).register(openApiComponents, { id: 'WorkshopList' });

const enrolmentSchema = z.strictObject({
  workshopId: z.string(),
  focalPointId: z.number().int().positive(),
  officeId: z.string(),
  enrolledAt: timestamp,
  attendance: z.enum(['attended', 'missed', 'cancelled']).nullable(),
  name: z.string(),
  email: z.string(),
  officeName: z.string(),
  country: z.string(),
});

export const workshopDetailSchema = workshopSchema
  .extend({ enrolments: z.array(enrolmentSchema) })
  .register(openApiComponents, { id: 'WorkshopDetail' });

const officeOutcomeSchema = z.strictObject({
  officeId: z.string(),
  event: z.string().nullable().describe('The event the office got; null when it was left alone'),
  focalPoints: z.array(z.string()).describe('Emails of the focal points concerned'),
  message: z.string().optional().describe('Why the office was left alone'),
});

export const enrolResultSchema = z
  .strictObject({ offices: z.array(officeOutcomeSchema), workshop: workshopDetailSchema })
  .register(openApiComponents, { id: 'EnrolResult' });

export const workshopOutcomeSchema = z
  .strictObject({ workshop: workshopSchema, offices: z.array(officeOutcomeSchema) })
  .register(openApiComponents, { id: 'WorkshopOutcome' });

// --- Gold Disk and broadcasts

const goldDiskVersionSchema = z
  .strictObject({
    version: z.string(),
    releasedAt: timestamp,
    notes: z.string(),
    status: z.enum(['current', 'superseded', 'recalled']),
    recalledAt: timestamp.nullable(),
    recallReason: z.string().nullable(),
  })
  .register(openApiComponents, { id: 'GoldDiskVersion' });

export const goldDiskListSchema = z
  .strictObject({
    current: z.string().nullable().describe('The current version, if any'),
    versions: z.array(goldDiskVersionSchema.extend({ kitsShipped: count })),
    onHold: count.describe('Offices whose deployment is on hold'),
  })
  .register(openApiComponents, { id: 'GoldDiskList' });

const broadcastCountsSchema = z.strictObject({ pending: count, done: count, skipped: count, failed: count });

const broadcastFields = {
  id: z.string(),
  kind: z.string().describe('hold, release, recall or letters'),
  event: z.looseObject({ type: z.string() }).describe('The event each office gets'),
  description: z.string(),
  actor: z.string(),
  createdAt: timestamp,
  finishedAt: timestamp.nullable().describe('Null while offices are pending'),
  counts: broadcastCountsSchema,
  total: count,
};

export const broadcastListSchema = z
  .strictObject({ broadcasts: z.array(z.strictObject(broadcastFields)) })
  .register(openApiComponents, { id: 'BroadcastList' });

export const broadcastSchema = z
  .strictObject({
    ...broadcastFields,
    running: z.boolean().describe('This server is working through the offices now'),
    offices: z.array(
      z.strictObject({
        position: z.number().int().min(0),
        officeId: z.string(),
        status: z.enum(['pending', 'done', 'skipped', 'failed']),
        message: z.string().nullable(),
        version: z.number().int().min(0).nullable().describe('The office version after its event'),
        at: timestamp.nullable(),
        name: z.string().nullable(),
        country: z.string().nullable(),
      }),
    ),
  })
  .register(openApiComponents, { id: 'Broadcast' });

export const goldDiskOperationSchema = z
  .strictObject({ goldDisk: goldDiskVersionSchema.optional(), broadcast: broadcastSchema })
  .register(openApiComponents, { id: 'GoldDiskOperation' });

export const holdSchema = z.strictObject({ broadcast: broadcastSchema }).register(openApiComponents, { id: 'Hold' });

// --- circular letters

const selectedOfficeSchema = z.strictObject({ id: z.string(), name: z.string(), country: z.string(), states: z.array(z.string()) });

export const letterSampleSchema = z
  .strictObject({
    language: z.string(),
    officeId: z.string(),
    officeName: z.string(),
    track: trackSchema,
    recipients: z.array(z.string()),
    subject: z.string(),
    text: z.string().describe('The exact text of the letter, with its reply links'),
  })
  .register(openApiComponents, { id: 'LetterSample' });

export const lettersPreviewSchema = z
  .strictObject({
    selection: z.strictObject({
      state: z.string().optional(),
      country: z.array(z.string()).optional(),
      region: z.string().optional(),
      track: trackSchema.optional(),
      ids: z.array(z.string()).optional(),
    }),
    count: count.describe('Offices that will receive the letter'),
    offices: z.array(selectedOfficeSchema),
    notEligible: z.array(selectedOfficeSchema.extend({ reason: z.string() })),
    unknownIds: z.array(z.string()).describe('Ids asked for that do not exist'),
    samples: z.array(letterSampleSchema).describe('The letter as one office of each language and track would receive it'),
  })
  .register(openApiComponents, { id: 'LettersPreview' });

// --- CSV import

export const csvImportResultSchema = z
  .strictObject({
    dryRun: z.boolean(),
    created: count,
    updated: count,
    unchanged: count,
    offices: z.array(
      z.strictObject({
        line: z.number().int().positive(),
        id: z.string(),
        action: z.enum(['created', 'updated', 'unchanged']),
        changes: z.array(z.string()).describe('Fields that changed, e.g. ["name", "city"]'),
      }),
    ),
  })
  .register(openApiComponents, { id: 'CsvImportResult' });

// Compile-time only: each line fails to type-check when a schema and the type it documents part ways.
const _focalPointAgrees: Same<z.output<typeof focalPointSchema>, FocalPoint> = true;
const _workshopAgrees: Same<z.output<typeof workshopSchema>, WorkshopView> = true;
const _goldDiskAgrees: Same<z.output<typeof goldDiskVersionSchema>, GoldDiskVersion> = true;
