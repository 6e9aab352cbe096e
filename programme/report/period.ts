import { DATE_MAX, DATE_MIN, instantInRange } from '../../engine/dates';
import { EngineError } from '../../engine/errors';

/** A report period: calendar days `from`..`to` inclusive, in UTC. */
export interface Period {
  from: string;
  to: string;
  /** First instant of `from` (ISO-8601). */
  start: string;
  /** First instant after `to` (ISO-8601): the report is computed as of this instant. */
  end: string;
  /** "Q1 2003" for a calendar quarter, otherwise "1 January 2003 to 15 February 2003". */
  label: string;
}

const DAY = 86_400_000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function parseDay(day: string, name: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : Number.NaN;
  if (Number.isNaN(ms) || isoDay(ms) !== day) {
    throw new EngineError('invalid_input', `"${name}" must be a date YYYY-MM-DD, not "${day}".`, { [name]: day });
  }
  if (!instantInRange(ms)) {
    throw new EngineError('invalid_input', `"${name}" must be between ${DATE_MIN} and ${DATE_MAX}, not ${day}.`, { [name]: day });
  }
  return ms;
}

/** "31 March 2003" */
export function longDate(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

export function quarterOf(iso: string): string {
  const month = Number(iso.slice(5, 7));
  return `${iso.slice(0, 4)}-Q${Math.floor((month - 1) / 3) + 1}`;
}

/** First and last day of a quarter "2003-Q1". */
export function quarterDays(quarter: string): { from: string; to: string } {
  const year = Number(quarter.slice(0, 4));
  const q = Number(quarter.slice(6));
  const start = Date.UTC(year, (q - 1) * 3, 1);
  const next = Date.UTC(year, q * 3, 1);
  return { from: isoDay(start), to: isoDay(next - DAY) };
}

export function makePeriod(from: string, to: string): Period {
  const startMs = parseDay(from, 'from');
  const toMs = parseDay(to, 'to');
  if (toMs < startMs) throw new EngineError('invalid_input', `"to" (${to}) is before "from" (${from}).`, { from, to });
  const quarter = quarterOf(from);
  const q = quarterDays(quarter);
  const label = q.from === from && q.to === to ? `Q${quarter.slice(6)} ${quarter.slice(0, 4)}` : `${longDate(from)} to ${longDate(to)}`;
  return { from, to, start: new Date(startMs).toISOString(), end: new Date(toMs + DAY).toISOString(), label };
}

/** The last calendar quarter that has ended before `now`. */
export function lastCompleteQuarter(now: Date): Period {
  const year = now.getUTCFullYear();
  const q = Math.floor(now.getUTCMonth() / 3);
  const start = Date.UTC(year, q * 3 - 3, 1);
  const end = Date.UTC(year, q * 3, 1);
  return makePeriod(isoDay(start), isoDay(end - DAY));
}

/** Quarters since year 0: compared as numbers, since "10000-Q1" sorts before "9999-Q4" as a string. */
function quarterIndex(quarter: string): number {
  const match = /^(\d{4,})-Q([1-4])$/.exec(quarter);
  if (!match) throw new EngineError('invalid_input', `Not a quarter: "${quarter}".`, { quarter });
  return Number(match[1]) * 4 + Number(match[2]) - 1;
}

/** More quarters than the accepted date range holds is a fault, never a long loop. */
const MAX_QUARTERS = (Number(DATE_MAX.slice(0, 4)) - Number(DATE_MIN.slice(0, 4)) + 1) * 4;

/** Every quarter from `first` to `last` inclusive. */
export function quartersBetween(first: string, last: string): string[] {
  const from = quarterIndex(first);
  const to = quarterIndex(last);
  if (to - from >= MAX_QUARTERS) {
    throw new EngineError('invalid_input', `${first} to ${last} spans more than ${MAX_QUARTERS} quarters.`, { first, last });
  }
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`${Math.floor(i / 4)}-Q${(i % 4) + 1}`);
  return out;
}
