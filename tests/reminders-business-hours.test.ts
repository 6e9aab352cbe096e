import { DateTime } from 'luxon';
import { nextBusinessMoment, zoneOf } from '../engine/business-hours';

/** The rule said plainly with luxon: the reference the fast version must match. */
function reference(at: Date, zone: string): Date {
  let t = DateTime.fromJSDate(at, { zone });
  for (let i = 0; i < 8; i++) {
    if (t.weekday <= 5) {
      const open = t.set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
      if (t < open) return open.toJSDate();
      if (t < t.set({ hour: 17, minute: 0, second: 0, millisecond: 0 })) return t.toJSDate();
    }
    t = t.startOf('day').plus({ days: 1 });
  }
  return at;
}

describe('business hours', () => {
  it('matches the plain rule across a year, DST changes and zones on both sides of UTC', () => {
    const zones = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'Asia/Kathmandu', 'Pacific/Auckland', 'America/Santiago', 'UTC'];
    let checked = 0;
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 23 * 3_600_000 + 13 * 60_000) {
      for (const zone of zones) {
        expect([zone, nextBusinessMoment(new Date(t), zone).toISOString()]).toEqual([zone, reference(new Date(t), zone).toISOString()]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('Saturday goes to Monday 09:00, Friday 17:00 too, inside hours stays', () => {
    expect(nextBusinessMoment(new Date('2026-01-31T10:00:00Z'), 'Europe/Paris').toISOString()).toBe('2026-02-02T08:00:00.000Z');
    expect(nextBusinessMoment(new Date('2026-01-30T16:00:00Z'), 'Europe/Paris').toISOString()).toBe('2026-02-02T08:00:00.000Z');
    expect(nextBusinessMoment(new Date('2026-01-30T15:59:00Z'), 'Europe/Paris').toISOString()).toBe('2026-01-30T15:59:00.000Z');
    expect(nextBusinessMoment(new Date('2026-01-30T23:30:00Z'), 'Asia/Tokyo').toISOString()).toBe('2026-02-02T00:00:00.000Z');
  });

  it('derives the zone from the country unless the office sets one', () => {
    expect(zoneOf('FR')).toBe('Europe/Paris');
    expect(zoneOf('JP')).toBe('Asia/Tokyo');
    expect(zoneOf('FR', 'Indian/Reunion')).toBe('Indian/Reunion');
    expect(zoneOf('FR', 'Not/AZone')).toBe('Europe/Paris');
  });
});
