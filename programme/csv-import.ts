import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { EngineError } from '../engine/errors';
import { contactSchema, countryCode, languageCode, newOfficeSchema, officeIdSchema } from '../engine/office-input';
import { allowedEvents, fromStored } from '../engine/snapshot';
import type { OfficeEvent } from '../machines/events';
import type { Contact, OfficeRecord } from '../storage/types';
import type { ActorOptions, ProgrammeContext } from './context';

/**
 * Office import from CSV: `id, name, country, city, language, contact name, contact email`
 * (header row required, any order, optional `track`). Every line is checked first, against the
 * file and the database; if one is wrong nothing is imported and the report names each bad line.
 * Then, in one transaction, new ids are registered through the engine and existing offices get
 * their descriptive fields updated where they differ, as a DETAILS_UPDATED event (versioned, in
 * history, on the live stream): re-importing the same file changes nothing. An office in a final
 * state (withdrawn, handed over) takes no more events, so a change to it is a bad line.
 * A blank optional cell leaves the stored value as it is.
 */
const COLUMNS = {
  id: 'id',
  name: 'name',
  country: 'country',
  city: 'city',
  language: 'language',
  contactname: 'contactName',
  contactemail: 'contactEmail',
  track: 'track',
} as const;
type Field = (typeof COLUMNS)[keyof typeof COLUMNS];
const REQUIRED: Field[] = ['id', 'name', 'country'];

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const rowSchema = z
  .object({
    id: officeIdSchema,
    name: z.string().trim().min(1).max(300),
    country: countryCode,
    city: z.preprocess(blank, z.string().trim().min(1).max(200).optional()),
    language: z.preprocess(blank, languageCode.optional()),
    contactName: z.preprocess(blank, contactSchema.shape.name.optional()),
    contactEmail: z.preprocess(blank, contactSchema.shape.email.optional()),
    track: z.preprocess(blank, z.enum(['kit', 'internet']).optional()),
  })
  .refine((r) => (r.contactName === undefined) === (r.contactEmail === undefined), {
    message: 'give both the contact name and the contact email, or neither',
    path: ['contact email'],
  });
type Row = z.infer<typeof rowSchema>;

export interface CsvLineError {
  line: number;
  message: string;
}

export interface CsvOfficeResult {
  line: number;
  id: string;
  action: 'created' | 'updated' | 'unchanged';
  /** Fields that changed, e.g. ["name", "city"]. */
  changes: string[];
}

export interface CsvImportResult {
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  offices: CsvOfficeResult[];
}

const MAX_REPORTED_ERRORS = 100;

function invalid(errors: CsvLineError[]): EngineError {
  const shown = errors.slice(0, MAX_REPORTED_ERRORS);
  return new EngineError(
    'import_invalid',
    `Nothing was imported: ${errors.length} bad line(s).\n${shown.map((e) => `line ${e.line}: ${e.message}`).join('\n')}`,
    { errors: shown, errorCount: errors.length },
  );
}

function readCsv(text: string): { lines: { line: number; row: Partial<Record<Field, string>> }[]; errors: CsvLineError[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    const e = error as { message: string; lines?: number };
    throw invalid([{ line: e.lines ?? 0, message: e.message }]);
  }
  const [header, ...body] = records;
  if (!header) throw invalid([{ line: 0, message: 'the file is empty' }]);
  const fields: (Field | null)[] = [];
  const errors: CsvLineError[] = [];
  for (const name of header.record) {
    const key = name.toLowerCase().replace(/[^a-z]/g, '') as keyof typeof COLUMNS;
    const field = Object.prototype.hasOwnProperty.call(COLUMNS, key) ? COLUMNS[key] : null;
    if (!field) errors.push({ line: header.info.lines, message: `unknown column "${name}" (expected: id, name, country, city, language, contact name, contact email, track)` });
    else if (fields.includes(field)) errors.push({ line: header.info.lines, message: `column "${name}" appears twice` });
    fields.push(field);
  }
  for (const required of REQUIRED) {
    if (!fields.includes(required)) errors.push({ line: header.info.lines, message: `missing column "${required}"` });
  }
  if (errors.length > 0) throw invalid(errors);
  const lines = body.map(({ record, info }) => {
    if (record.length > fields.length) {
      errors.push({ line: info.lines, message: `${record.length} cells, the header has ${fields.length}` });
    }
    const row: Partial<Record<Field, string>> = {};
    fields.forEach((field, i) => {
      if (field) row[field] = record[i] ?? '';
    });
    return { line: info.lines, row };
  });
  return { lines, errors };
}

interface Plan {
  line: number;
  row: Row;
  existing: OfficeRecord | undefined;
  changes: string[];
  details: { name: string; country: string; city: string | null; language: string; contacts: Contact[] };
}

/** What an existing office becomes with this row; blank optional cells keep what is stored. */
function merged(office: OfficeRecord, row: Row): Plan['details'] {
  let contacts = office.contacts;
  if (row.contactEmail && row.contactName) {
    const email = row.contactEmail;
    const same = contacts.findIndex((c) => c.email.toLowerCase() === email.toLowerCase());
    if (same < 0) contacts = [{ name: row.contactName, email }, ...contacts];
    else if (contacts[same]!.name !== row.contactName) {
      contacts = contacts.map((c, i) => (i === same ? { ...c, name: row.contactName! } : c));
    }
  }
  return {
    name: row.name,
    country: row.country,
    city: row.city ?? office.city,
    language: row.language ?? office.language,
    contacts,
  };
}

function changedFields(office: OfficeRecord, details: Plan['details']): string[] {
  const changes: string[] = [];
  for (const key of ['name', 'country', 'city', 'language'] as const) if (office[key] !== details[key]) changes.push(key);
  if (JSON.stringify(office.contacts) !== JSON.stringify(details.contacts)) changes.push('contacts');
  return changes;
}

/** Only what changed, as the event history keeps it. */
function detailsEvent(plan: Plan): OfficeEvent {
  const fields = Object.fromEntries(plan.changes.map((key) => [key, plan.details[key as keyof Plan['details']] ?? undefined]));
  return { type: 'DETAILS_UPDATED', ...fields } as OfficeEvent;
}

export async function importOfficesCsv(
  ctx: ProgrammeContext,
  text: string,
  options: ActorOptions & { dryRun?: boolean },
): Promise<CsvImportResult> {
  const { lines, errors: cellErrors } = readCsv(text);
  if (lines.length === 0) throw invalid([{ line: 1, message: 'the file has a header but no offices' }]);
  return await ctx.engine.transact(async () => {
    const errors: CsvLineError[] = [...cellErrors];
    const plans: Plan[] = [];
    const seen = new Map<string, number>();
    for (const { line, row: raw } of lines) {
      const parsed = rowSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          errors.push({ line, message: `${issue.path.join('.') || 'row'}: ${issue.message}` });
        }
        continue;
      }
      const row = parsed.data;
      const first = seen.get(row.id);
      if (first !== undefined) {
        errors.push({ line, message: `id "${row.id}" already appears on line ${first}` });
        continue;
      }
      seen.set(row.id, line);
      const existing = await ctx.store.getOffice(row.id);
      if (existing && row.track && row.track !== existing.track) {
        errors.push({ line, message: `track: office "${row.id}" is on the ${existing.track} track; the track cannot change` });
        continue;
      }
      const details = existing
        ? merged(existing, row)
        : {
            name: row.name,
            country: row.country,
            city: row.city ?? null,
            language: row.language ?? 'en',
            contacts: row.contactEmail ? [{ name: row.contactName!, email: row.contactEmail }] : [],
          };
      const changes = existing ? changedFields(existing, details) : [];
      if (existing && changes.length > 0 && !allowedEvents(fromStored(existing.snapshot)).includes('DETAILS_UPDATED')) {
        errors.push({ line, message: `office "${row.id}" is ${existing.states.join(' + ')}: its details can no longer change` });
        continue;
      }
      plans.push({ line, row, existing, details, changes });
    }
    if (errors.length > 0) throw invalid(errors.sort((a, b) => a.line - b.line));

    const result: CsvImportResult = { dryRun: options.dryRun ?? false, created: 0, updated: 0, unchanged: 0, offices: [] };
    const at = ctx.engine.clock.now();
    for (const plan of plans) {
      if (!plan.existing) {
        if (!options.dryRun) {
          const office = newOfficeSchema.parse({
            id: plan.row.id,
            ...plan.details,
            city: plan.details.city ?? undefined,
            track: plan.row.track ?? 'kit',
          });
          await ctx.engine.register(office, { actor: options.actor, at });
        }
        result.created++;
        result.offices.push({ line: plan.line, id: plan.row.id, action: 'created', changes: [] });
      } else if (plan.changes.length > 0) {
        if (!options.dryRun) await ctx.engine.apply(plan.row.id, detailsEvent(plan), { actor: options.actor, at });
        result.updated++;
        result.offices.push({ line: plan.line, id: plan.row.id, action: 'updated', changes: plan.changes });
      } else {
        result.unchanged++;
        result.offices.push({ line: plan.line, id: plan.row.id, action: 'unchanged', changes: [] });
      }
    }
    return result;
  });
}
