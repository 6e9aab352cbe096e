import { getCountry } from 'countries-and-timezones';
import { DateTime, IANAZone } from 'luxon';

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

/** `at` itself when it falls inside business hours in `zone`, else the start of the next window. */
export function nextBusinessMoment(at: Date, zone: string, hours: BusinessHours = DEFAULT_BUSINESS_HOURS): Date {
  let t = DateTime.fromJSDate(at, { zone });
  for (let i = 0; i < 8; i++) {
    if (hours.days.includes(t.weekday)) {
      const open = t.set({ hour: hours.startHour, minute: 0, second: 0, millisecond: 0 });
      const close = t.set({ hour: hours.endHour, minute: 0, second: 0, millisecond: 0 });
      if (t < open) return open.toJSDate();
      if (t < close) return t.toJSDate();
    }
    t = t.startOf('day').plus({ days: 1 });
  }
  return at; // no business day configured: send at once
}
