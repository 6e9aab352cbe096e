import { getCountry } from 'countries-and-timezones';
import { IANAZone } from 'luxon';

/** Office hours: messages to an office go 09:00–17:00, Monday to Friday, in its own time zone. */
export interface BusinessHours {
  startHour: number;
  endHour: number;
  /** ISO weekdays (1 = Monday … 7 = Sunday). */
  days: number[];
}

export const DEFAULT_BUSINESS_HOURS: BusinessHours = { startHour: 9, endHour: 17, days: [1, 2, 3, 4, 5] };

/** The office's time zone: its own override, else the first zone of its country, else UTC. */
export function zoneOf(country: string, override?: string | null): string {
  if (override && IANAZone.isValidZone(override)) return override;
  return getCountry(country)?.timezones[0] ?? 'UTC';
}

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

const QUARTER_HOUR = 900_000;
const offsets = new Map<string, number>();

/**
 * Offset of `zone` from UTC at instant `t`, in ms. It runs on every transition, so offsets are
 * remembered per zone and quarter hour (time-zone changes happen on quarter hours).
 */
export function zoneOffsetMs(zone: string, t: number): number {
  const key = `${zone}|${Math.floor(t / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 50_000) offsets.clear();
    offset = computeOffset(zone, t);
    offsets.set(key, offset);
  }
  return offset;
}

function computeOffset(zone: string, t: number): number {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return local - Math.floor(t / 1000) * 1000;
}

/** The instant at which the wall clock of `zone` shows `local` (ms of a UTC-based wall-clock time). */
function fromLocal(local: number, zone: string): number {
  const guess = local - zoneOffsetMs(zone, local);
  return local - zoneOffsetMs(zone, guess);
}

/** `at` itself when it falls inside business hours in `zone`, else the start of the next window. */
export function nextBusinessMoment(at: Date, zone: string, hours: BusinessHours = DEFAULT_BUSINESS_HOURS): Date {
  const t = at.getTime();
  const local = t + zoneOffsetMs(zone, t);
  const today = new Date(local);
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  // Walk the office's calendar days on its wall clock; convert back to an instant once.
  for (let i = 0; i < 8; i++) {
    const day = midnight + i * DAY;
    if (!hours.days.includes(new Date(day).getUTCDay() || 7)) continue;
    const open = day + hours.startHour * 3_600_000;
    if (local < open) return new Date(fromLocal(open, zone));
    if (local < day + hours.endHour * 3_600_000) return at;
  }
  return at; // no business day configured: send at once
}
