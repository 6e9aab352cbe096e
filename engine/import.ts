import { z, type ZodType } from 'zod';
import { parseOfficeEvent, type OfficeEvent } from '../machines/events';
import type { Engine } from './engine';
import { boundedInstant } from './dates';
import { EngineError } from './errors';
import { nulCharacterAt } from './input-text';
import { newOfficeSchema, officeIdSchema, type NewOffice } from './office-input';

const officeLine = newOfficeSchema.extend({ kind: z.literal('office'), at: boundedInstant.optional() });
const eventLine = z.looseObject({ kind: z.literal('event'), office: officeIdSchema, type: z.string(), at: boundedInstant });

/** A further kind of import line (workshops, …): validated first, applied in file order. */
export interface ImportKind<T> {
  schema: ZodType<T>;
  apply(engine: Engine, line: T, actor: string): Promise<void>;
}

type ParsedLine =
  | { line: number; kind: 'office'; office: NewOffice; at?: Date }
  | { line: number; kind: 'event'; officeId: string; event: OfficeEvent; at: Date }
  | { line: number; kind: 'extra'; apply: (engine: Engine, actor: string) => Promise<void> };

export interface ImportLineError {
  line: number;
  message: string;
}

export interface ImportResult {
  offices: number;
  events: number;
  other: number;
}

const MAX_REPORTED_ERRORS = 50;

function parseLine(text: string, line: number, extraKinds: Record<string, ImportKind<unknown>>): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  const nul = nulCharacterAt(raw);
  if (nul !== null) throw new Error(`${nul}: the NUL character (U+0000) is not accepted`);
  const kind = (raw as { kind?: unknown } | null)?.kind;
  if (kind === 'office') {
    const parsed = officeLine.safeParse(raw);
    if (!parsed.success) throw new Error(z.prettifyError(parsed.error).replace(/\n/g, '; '));
    const { kind: _kind, at, ...office } = parsed.data;
    return { line, kind: 'office', office, at: at ? new Date(at) : undefined };
  }
  if (kind === 'event') {
    const parsed = eventLine.safeParse(raw);
    if (!parsed.success) throw new Error(z.prettifyError(parsed.error).replace(/\n/g, '; '));
    const { kind: _kind, office, at, ...event } = parsed.data;
    const checked = parseOfficeEvent(event);
    if (!checked.ok) throw new Error(checked.message + ' ' + JSON.stringify(checked.issues));
    return { line, kind: 'event', officeId: office, event: checked.event, at: new Date(at) };
  }
  const extra = typeof kind === 'string' && Object.hasOwn(extraKinds, kind) ? extraKinds[kind] : undefined;
  if (extra) {
    const parsed = extra.schema.safeParse(raw);
    if (!parsed.success) throw new Error(z.prettifyError(parsed.error).replace(/\n/g, '; '));
    return { line, kind: 'extra', apply: (engine, actor) => extra.apply(engine, parsed.data, actor) };
  }
  const known = ['office', 'event', ...Object.keys(extraKinds)].map((k) => `"${k}"`).join(', ');
  throw new Error(`"kind" must be one of ${known}`);
}

/**
 * Loads a JSON Lines file: every line is validated first, then all are applied in file order in one
 * transaction, each event at its own historical time. Any bad line means nothing is applied.
 */
export async function importJsonLines(
  engine: Engine,
  text: string,
  actor: string,
  extraKinds: Record<string, ImportKind<unknown>> = {},
): Promise<ImportResult> {
  const parsed: ParsedLine[] = [];
  const errors: ImportLineError[] = [];
  text.split(/\r?\n/).forEach((content, index) => {
    if (content.trim() === '') return;
    try {
      parsed.push(parseLine(content, index + 1, extraKinds));
    } catch (error) {
      errors.push({ line: index + 1, message: (error as Error).message });
    }
  });
  if (errors.length > 0) throw invalidImport(errors);
  if (parsed.length === 0) throw invalidImport([{ line: 0, message: 'the file has no lines to import' }]);

  const result: ImportResult = { offices: 0, events: 0, other: 0 };
  await engine.transact(async () => {
    for (const item of parsed) {
      try {
        if (item.kind === 'office') {
          await engine.register(item.office, { actor, at: item.at });
          result.offices++;
        } else if (item.kind === 'event') {
          await engine.apply(item.officeId, item.event, { actor, at: item.at });
          result.events++;
        } else {
          await item.apply(engine, actor);
          result.other++;
        }
      } catch (error) {
        if (error instanceof EngineError) throw invalidImport([{ line: item.line, message: error.message }]);
        throw error;
      }
    }
  });
  return result;
}

function invalidImport(errors: ImportLineError[]): EngineError {
  const shown = errors.slice(0, MAX_REPORTED_ERRORS);
  const summary = shown.map((e) => `line ${e.line}: ${e.message}`).join('\n');
  return new EngineError(
    'import_invalid',
    `Nothing was imported: ${errors.length} bad line(s).\n${summary}`,
    { errors: shown, errorCount: errors.length },
  );
}
