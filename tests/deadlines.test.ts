import { daysOverdue, daysSince, deadlineOf, isOverdue, overdueMs } from '../engine/deadlines';

const zoneNeverAsked = () => {
  throw new Error('the zone is asked only for a workshop deadline');
};

describe('deadlineOf', () => {
  it('is the SLA after entry, without asking the zone', () => {
    expect(deadlineOf({ sla: 'P30D' }, '2026-01-01T10:00:00.000Z', undefined, zoneNeverAsked)).toBe(Date.parse('2026-01-31T10:00:00.000Z'));
    expect(deadlineOf({ sla: 'PT36H' }, Date.parse('2026-01-01T00:00:00.000Z'), '2026-01-05', zoneNeverAsked)).toBe(Date.parse('2026-01-02T12:00:00.000Z'));
  });

  it('for a state that lasts until its workshop, is the start of the next day in the office zone', () => {
    const policy = { sla: 'P90D', until: 'workshopEnd' as const };
    // Midnight of 11 March in Tokyo (UTC+9) is 15:00 UTC on 10 March; in Lima (UTC-5), 05:00 UTC on 11 March.
    expect(deadlineOf(policy, '2026-01-01T00:00:00.000Z', '2026-03-10', () => 'Asia/Tokyo')).toBe(Date.parse('2026-03-10T15:00:00.000Z'));
    expect(deadlineOf(policy, '2026-01-01T00:00:00.000Z', '2026-03-10', () => 'America/Lima')).toBe(Date.parse('2026-03-11T05:00:00.000Z'));
  });

  it('falls back to the SLA without a workshop or with an unreadable date', () => {
    const policy = { sla: 'P10D', until: 'workshopEnd' as const };
    expect(deadlineOf(policy, '2026-01-01T00:00:00.000Z', null, () => 'UTC')).toBe(Date.parse('2026-01-11T00:00:00.000Z'));
    expect(deadlineOf(policy, '2026-01-01T00:00:00.000Z', 'not a date', () => 'UTC')).toBe(Date.parse('2026-01-11T00:00:00.000Z'));
  });
});

describe('overdue time', () => {
  const deadline = '2026-02-01T00:00:00.000Z';
  const at = (iso: string) => Date.parse(iso);

  it('counts the instant of the deadline as overdue, and not the millisecond before', () => {
    expect(isOverdue(deadline, null, at(deadline))).toBe(true);
    expect(isOverdue(deadline, null, at(deadline) - 1)).toBe(false);
    expect(overdueMs(deadline, null, at(deadline) - 1)).toBe(-1);
  });

  it('counts whole 24-hour days, never negative', () => {
    expect(daysOverdue(deadline, null, at('2026-02-01T23:59:59.999Z'))).toBe(0);
    expect(daysOverdue(deadline, null, at('2026-02-02T00:00:00.000Z'))).toBe(1);
    expect(daysOverdue(deadline, null, at('2026-01-15T00:00:00.000Z'))).toBe(0);
    expect(daysOverdue(at(deadline), null, at('2026-02-11T12:00:00.000Z'))).toBe(10);
  });

  it('stops counting when a pause began, and a pause that begins later than now changes nothing', () => {
    expect(daysOverdue(deadline, '2026-02-04T06:00:00.000Z', at('2026-03-01T00:00:00.000Z'))).toBe(3);
    expect(isOverdue(deadline, '2026-01-20T00:00:00.000Z', at('2026-03-01T00:00:00.000Z'))).toBe(false);
    expect(daysOverdue(deadline, '2026-04-01T00:00:00.000Z', at('2026-02-06T00:00:00.000Z'))).toBe(5);
  });

  it('days since an instant are whole days and never negative', () => {
    expect(daysSince('2026-01-01T12:00:00.000Z', at('2026-01-03T11:59:59.999Z'))).toBe(1);
    expect(daysSince('2026-01-05T00:00:00.000Z', at('2026-01-01T00:00:00.000Z'))).toBe(0);
  });
});
