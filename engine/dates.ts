import { z } from 'zod';
import { EngineError } from './errors';

/**
 * The range of every date the API, the CLI and imports accept. Inside it, `toISOString()` is always
 * the fixed-width `YYYY-MM-DDTHH:mm:ss.sssZ` (a year past 9999 becomes `+010000-…`, which sorts
 * before `2026-…`), so the timestamps stored in SQLite compare as instants when compared as
 * strings, which the SQL relies on (`due_at <= ?`, `until <= ?`, `at < ?`, …). A date outside the
 * range never reaches the database.
 */
export const DATE_MIN = '1990-01-01';
export const DATE_MAX = '2100-12-31';

const MIN_MS = Date.parse(`${DATE_MIN}T00:00:00.000Z`);
/** First instant after DATE_MAX. */
const END_MS = Date.parse(`${DATE_MAX}T00:00:00.000Z`) + 86_400_000;

const RANGE_MESSAGE = `must be between ${DATE_MIN} and ${DATE_MAX}`;

export function instantInRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_MS && ms < END_MS;
}

/** A calendar day `YYYY-MM-DD` inside the range. */
export const boundedDay = z.iso
  .date()
  .refine((day) => instantInRange(Date.parse(`${day}T00:00:00.000Z`)), { message: `a date that ${RANGE_MESSAGE}` });

/** An ISO-8601 date-time (any offset) whose instant is inside the range. */
export const boundedInstant = z.iso
  .datetime({ offset: true })
  .refine((iso) => instantInRange(Date.parse(iso)), { message: `a date-time that ${RANGE_MESSAGE}` });

/** The same check for a Date built elsewhere (CLI options, callers of the engine): invalid_input outside the range. */
export function assertInRange(date: Date, name: string): Date {
  if (!instantInRange(date.getTime())) {
    const shown = Number.isNaN(date.getTime()) ? 'an invalid date' : date.toISOString();
    throw new EngineError('invalid_input', `"${name}" ${RANGE_MESSAGE} (got ${shown}).`, { [name]: shown });
  }
  return date;
}

/**
 * Parses an ISO-8601 date-time or day given on the command line or in a query; invalid_input when it
 * is not one or lies outside the range.
 */
export function parseBoundedInstant(text: string, name: string): Date {
  const parsed = boundedInstant.or(boundedDay).safeParse(text);
  if (!parsed.success) {
    throw new EngineError('invalid_input', `"${name}" must be an ISO-8601 date-time (e.g. 2026-03-02T09:00:00Z) that ${RANGE_MESSAGE}, not ${JSON.stringify(text)}.`, {
      [name]: text,
    });
  }
  return new Date(parsed.data);
}
