/** ReportStore: the same answers from storage/report-store.ts and storage/postgres/report-store.ts. */
import type { OfficeEvent } from '../../machines/events';
import type { Workshop } from '../../storage/programme-store';
import { at, forEachProgrammeBackend, officeThrough, type Backend } from './programme-backends';

const workshop = (id: string, start: string, createdAt: string | null, extra: Partial<Workshop> = {}): Workshop => ({
  id, title: `Workshop ${id}`, city: 'Nairobi', country: 'KE', start, end: start, capacity: 12, status: 'planned', createdAt, statusAt: null, ...extra,
});

/** The first quarter of 2026 as the report asks for it: [start, end). */
const Q1 = { start: '2026-01-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', to: '2026-03-31' };

forEachProgrammeBackend('ReportStore', (backend) => {
  let b: Backend;
  beforeEach(() => void (b = backend()));

  test('offices: every one registered, with its track', async () => {
    expect(await b.reports.offices()).toEqual([]);
    await officeThrough(b.engine, { id: 'O-2', name: 'Beta', country: 'KE', track: 'internet' }, at(1, 1));
    await officeThrough(b.engine, { id: 'O-1', name: 'Alpha', country: 'FR' }, at(1, 2));
    const offices = (await b.reports.offices()).sort((x, y) => x.id.localeCompare(y.id));
    expect(offices).toEqual([
      { id: 'O-1', name: 'Alpha', country: 'FR', track: 'kit' },
      { id: 'O-2', name: 'Beta', country: 'KE', track: 'internet' },
    ]);
  });

  test('events counted in [start, end): the first millisecond in, the end out, other types out', async () => {
    const circular = (instant: string): [OfficeEvent, string][] => [[{ type: 'SEND_CIRCULAR' }, instant]];
    await officeThrough(b.engine, { id: 'O-1' }, at(1, 1), circular('2025-12-31T23:59:59.999Z'));
    await officeThrough(b.engine, { id: 'O-2' }, at(1, 1), [...circular(Q1.start), [{ type: 'REPLY_AFFIRMATIVE' }, at(2, 1)]]);
    await officeThrough(b.engine, { id: 'O-3' }, at(1, 1), [...circular('2026-03-31T23:59:59.999Z'), [{ type: 'REPLY_DECLINED' }, Q1.end]]);
    await officeThrough(b.engine, { id: 'O-4' }, at(1, 1), [...circular(Q1.end)]);
    await officeThrough(b.engine, { id: 'O-5' }, at(1, 1), [...circular(at(2, 14)), [{ type: 'REPLY_DECLINED' }, at(3, 1)]]);
    expect(await b.reports.countEvents('SEND_CIRCULAR', Q1.start, Q1.end)).toBe(3);
    expect(await b.reports.countEvents('REPLY_DECLINED', Q1.start, Q1.end)).toBe(1);
    expect(await b.reports.countEvents('REPLY_AFFIRMATIVE', Q1.start, Q1.end)).toBe(1);
    expect(await b.reports.countEvents('REGISTERED', Q1.start, Q1.end)).toBe(5);
    expect(await b.reports.countEvents('REGISTERED', Q1.end, '2026-07-01T00:00:00.000Z')).toBe(0);
    expect(await b.reports.countEvents('SEND_CIRCULAR', Q1.end, '2026-07-01T00:00:00.000Z')).toBe(1);
    expect(await b.reports.countEvents('KIT_SHIPPED', Q1.start, Q1.end)).toBe(0);
  });

  test('training as of an instant: focal points trained before it, their offices and countries', async () => {
    expect(await b.reports.trainingAsOf(Q1.end)).toEqual({ focalPoints: 0, offices: 0, countries: 0 });
    await officeThrough(b.engine, { id: 'O-1', country: 'FR' }, at(1, 1));
    await officeThrough(b.engine, { id: 'O-2', country: 'FR' }, at(1, 1));
    await officeThrough(b.engine, { id: 'O-3', country: 'KE' }, at(1, 1));
    const p = b.programme;
    const trained = async (office: string, email: string, instant: string | null) => {
      const id = await p.insertFocalPoint(office, email, `${email}@x.example`, null, at(1, 2));
      if (instant) await p.markTrained(id, 'W-1', instant);
    };
    await trained('O-1', 'a', at(2, 1));
    await trained('O-1', 'b', '2026-03-31T23:59:59.999Z');
    await trained('O-2', 'c', at(3, 3));
    await trained('O-3', 'd', Q1.end);
    await trained('O-3', 'e', null);
    expect(await b.reports.trainingAsOf(Q1.end)).toEqual({ focalPoints: 3, offices: 2, countries: 1 });
    expect(await b.reports.trainingAsOf('2026-04-01T00:00:00.001Z')).toEqual({ focalPoints: 4, offices: 3, countries: 2 });
    expect(await b.reports.trainingAsOf(at(2, 1))).toEqual({ focalPoints: 0, offices: 0, countries: 0 });
  });

  test('planned workshops as of the end: known then, after the last day, not yet cancelled; by start then id', async () => {
    const p = b.programme;
    await p.upsertWorkshop(workshop('W-day', Q1.to, at(1, 5))); // starts on the last day: not after it
    await p.upsertWorkshop(workshop('W-b', '2026-04-01', at(1, 5)));
    await p.upsertWorkshop(workshop('W-B', '2026-04-01', null)); // imported: known for ever
    await p.upsertWorkshop(workshop('W-late', '2026-05-01', Q1.end)); // created at the end: not known before it
    await p.upsertWorkshop(workshop('W-0', '2026-04-30', '2026-03-31T23:59:59.999Z', { end: '2026-05-02' }));
    await p.upsertWorkshop(workshop('W-gone', '2026-06-01', at(1, 5), { status: 'cancelled', statusAt: at(3, 30) }));
    await p.upsertWorkshop(workshop('W-gone-later', '2026-06-02', at(1, 5), { status: 'cancelled', statusAt: Q1.end }));
    await p.upsertWorkshop(workshop('W-gone-when', '2026-06-03', at(1, 5), { status: 'cancelled', statusAt: null }));
    await p.upsertWorkshop(workshop('W-held', '2026-06-04', at(1, 5), { status: 'held', statusAt: at(2, 1) }));
    const planned = await b.reports.plannedWorkshopsAsOf(Q1.to, Q1.end);
    expect(planned.map((w) => w.id)).toEqual(['W-B', 'W-b', 'W-0', 'W-gone-later', 'W-held']);
    expect(planned[2]).toEqual({ id: 'W-0', title: 'Workshop W-0', city: 'Nairobi', country: 'KE', start: '2026-04-30', end: '2026-05-02' });
    expect((await b.reports.plannedWorkshopsAsOf('2026-04-30', '2026-07-01T00:00:00.000Z')).map((w) => w.id)).toEqual(['W-late', 'W-held']);
  });

  test('the Gold Disk version as of the end: released before it, not recalled by then, the latest', async () => {
    const p = b.programme;
    expect(await b.reports.goldDiskVersionAsOf(Q1.end)).toBeNull();
    await p.releaseGoldDisk('10.0', '', at(1, 10));
    await p.releaseGoldDisk('9.0', '', at(1, 10)); // same instant: the greater version byte-wise wins
    expect(await b.reports.goldDiskVersionAsOf(Q1.end)).toBe('9.0');
    expect(await b.reports.goldDiskVersionAsOf(at(1, 10))).toBeNull();
    await p.releaseGoldDisk('11.0', '', Q1.end); // released at the end: not yet
    expect(await b.reports.goldDiskVersionAsOf(Q1.end)).toBe('9.0');
    await p.recallGoldDisk('9.0', 'bad', '2026-03-31T23:59:59.999Z');
    expect(await b.reports.goldDiskVersionAsOf(Q1.end)).toBe('10.0');
    await p.recallGoldDisk('10.0', 'bad too', Q1.end); // recalled at the end: still current as of it
    expect(await b.reports.goldDiskVersionAsOf(Q1.end)).toBe('10.0');
    expect(await b.reports.goldDiskVersionAsOf('2026-04-01T00:00:00.001Z')).toBe('11.0');
    expect(await b.reports.goldDiskVersionAsOf(at(3, 1))).toBe('9.0');
  });
});
