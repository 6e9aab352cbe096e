/** ProgrammeStore: the same answers from storage/programme-store.ts and storage/postgres/programme-store.ts. */
import type { OfficeEvent } from '../../machines/events';
import { runBroadcast } from '../../programme/broadcast';
import type { Broadcast, ProgrammeStore, Workshop } from '../../storage/programme-store';
import { at, forEachProgrammeBackend, officeThrough, type Backend } from './programme-backends';

const workshop = (id: string, start: string, extra: Partial<Workshop> = {}): Workshop => ({
  id,
  title: `Workshop ${id}`,
  city: 'Geneva',
  country: 'CH',
  start,
  end: start,
  capacity: 10,
  status: 'planned',
  createdAt: at(1, 5),
  statusAt: null,
  ...extra,
});

const yes: [OfficeEvent, string][] = [
  [{ type: 'SEND_CIRCULAR' }, at(1, 2)],
  [{ type: 'REPLY_AFFIRMATIVE' }, at(1, 3)],
];

/** Offices whose names sort differently byte-wise, by NOCASE and by a linguistic locale. */
async function namedOffices(b: Backend) {
  await officeThrough(b.engine, { id: 'O-E', name: 'Émile office', country: 'FR' }, at(1, 1));
  await officeThrough(b.engine, { id: 'O-Z', name: 'zeta office', country: 'DE', track: 'internet' }, at(1, 1), yes);
  await officeThrough(b.engine, { id: 'O-a', name: 'Alpha office', country: 'CH' }, at(1, 1), yes);
  await officeThrough(b.engine, { id: 'O-B', name: 'alpha office', country: 'FR' }, at(1, 1));
  await officeThrough(b.engine, { id: 'O-b', name: 'Beta-office', country: 'CH' }, at(1, 1), yes);
  await officeThrough(b.engine, { id: 'O-c', name: 'Beta office', country: 'DE', track: 'internet' }, at(1, 1));
}
/** By name as SQLite's NOCASE orders (ASCII folded, "É" after every ASCII letter), then id by bytes. */
const BY_NAME = ['O-B', 'O-a', 'O-c', 'O-b', 'O-Z', 'O-E'];

forEachProgrammeBackend('ProgrammeStore', (backend, kind) => {
  let b: Backend;
  let p: ProgrammeStore;
  beforeEach(() => {
    b = backend();
    p = b.programme;
  });

  test('workshops: upsert keeps created_at, days come back as YYYY-MM-DD, listed by start then id byte-wise', async () => {
    expect(await p.getWorkshop('W-1')).toBeUndefined();
    expect(await p.listWorkshops()).toEqual([]);
    await p.upsertWorkshop(workshop('w-a', '2026-05-04', { end: '2026-05-06' }));
    await p.upsertWorkshop(workshop('W-b', '2026-05-04', { createdAt: null }));
    await p.upsertWorkshop(workshop('W-B', '2026-05-04'));
    await p.upsertWorkshop(workshop('W-0', '2026-04-30'));
    expect((await p.listWorkshops()).map((w) => w.id)).toEqual(['W-0', 'W-B', 'W-b', 'w-a']);
    expect(await p.getWorkshop('w-a')).toEqual(workshop('w-a', '2026-05-04', { end: '2026-05-06' }));
    expect((await p.getWorkshop('W-b'))!.createdAt).toBeNull();

    await p.upsertWorkshop(workshop('w-a', '2026-06-01', { title: 'Renamed', end: '2026-06-02', createdAt: at(3, 1), status: 'held', statusAt: at(6, 2, 17, 30, 123) }));
    expect(await p.getWorkshop('w-a')).toEqual(
      workshop('w-a', '2026-06-01', { title: 'Renamed', end: '2026-06-02', createdAt: at(1, 5), status: 'held', statusAt: at(6, 2, 17, 30, 123) }),
    );
    expect((await p.listWorkshops()).map((w) => w.id)).toEqual(['W-0', 'W-B', 'W-b', 'w-a']);
  });

  test('workshops: status, capacity, rescheduling only while planned, the calendar sequence', async () => {
    await p.upsertWorkshop(workshop('W-1', '2026-05-04'));
    await p.upsertWorkshop(workshop('W-2', '2026-05-11'));
    await p.setWorkshopCapacity('W-1', 3);
    expect(await p.rescheduleWorkshop('W-1', '2026-05-18', '2026-05-19')).toBe(true);
    expect(await p.rescheduleWorkshop('nope', '2026-05-18', '2026-05-19')).toBe(false);
    await p.setWorkshopStatus('W-2', 'cancelled', at(4, 1, 8, 15));
    expect(await p.rescheduleWorkshop('W-2', '2026-05-18', '2026-05-19')).toBe(false);
    expect(await p.getWorkshop('W-1')).toMatchObject({ capacity: 3, start: '2026-05-18', end: '2026-05-19', status: 'planned', statusAt: null });
    expect(await p.getWorkshop('W-2')).toMatchObject({ start: '2026-05-11', status: 'cancelled', statusAt: at(4, 1, 8, 15) });
    expect((await p.listWorkshops()).map((w) => w.id)).toEqual(['W-2', 'W-1']);

    expect(await p.calendarSequence('W-1')).toBe(0);
    await p.bumpCalendarSequence('W-1');
    await p.bumpCalendarSequence('W-1');
    await p.bumpCalendarSequence('W-2');
    expect([await p.calendarSequence('W-1'), await p.calendarSequence('W-2'), await p.calendarSequence('nope')]).toEqual([2, 1, 0]);
  });

  test('focal points: ids from 1, emails in lower case, renomination keeps a role, training is for good', async () => {
    await namedOffices(b);
    const ann = await p.insertFocalPoint('O-a', 'Ann', 'Ann@Office.Example', 'IT', at(2, 1));
    const bob = await p.insertFocalPoint('O-a', 'Bob', 'bob@office.example', null, at(2, 2));
    const cy = await p.insertFocalPoint('O-E', 'Cy', 'cy@office.example', null, at(2, 3));
    expect([ann, bob, cy]).toEqual([1, 2, 3]);
    await expect(p.insertFocalPoint('O-a', 'Ann again', 'ANN@office.example', null, at(2, 4))).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    expect(await p.getFocalPoint(ann)).toEqual({
      id: 1, officeId: 'O-a', name: 'Ann', email: 'ann@office.example', role: 'IT', status: 'nominated', workshopId: null,
      nominatedAt: at(2, 1), enrolledAt: null, trainedAt: null, noShowAt: null,
    });
    expect(await p.getFocalPoint(99)).toBeUndefined();
    expect((await p.focalPointByEmail('O-a', 'BOB@office.example'))!.id).toBe(bob);
    expect(await p.focalPointByEmail('O-E', 'bob@office.example')).toBeUndefined();

    await p.renominate(ann, 'Ann B.', null);
    await p.renominate(bob, 'Bob', 'Registrar');
    await p.markEnrolled(ann, 'W-1', at(3, 1));
    await p.markTrained(ann, null, at(3, 5));
    await p.markTrained(ann, 'W-2', at(4, 5));
    await p.markEnrolled(bob, 'W-1', at(3, 1));
    await p.markNoShow(bob, at(3, 6));
    await p.markEnrolled(cy, 'W-1', at(3, 2));
    await p.markNominatedAgain(cy);
    expect(await p.focalPointsOf('O-a')).toEqual([
      { id: 1, officeId: 'O-a', name: 'Ann B.', email: 'ann@office.example', role: 'IT', status: 'trained', workshopId: 'W-2',
        nominatedAt: at(2, 1), enrolledAt: at(3, 1), trainedAt: at(3, 5), noShowAt: null },
      { id: 2, officeId: 'O-a', name: 'Bob', email: 'bob@office.example', role: 'Registrar', status: 'no-show', workshopId: 'W-1',
        nominatedAt: at(2, 2), enrolledAt: at(3, 1), trainedAt: null, noShowAt: at(3, 6) },
    ]);
    expect(await p.getFocalPoint(cy)).toMatchObject({ status: 'nominated', workshopId: null, enrolledAt: at(3, 2) });
    expect(await p.focalPointsOf('O-Z')).toEqual([]);
  });

  test('focal points listed by office name as NOCASE orders it, then id; filters, total and pages', async () => {
    await namedOffices(b);
    for (const id of ['O-E', 'O-Z', 'O-b', 'O-c', 'O-a', 'O-B', 'O-a']) {
      await p.insertFocalPoint(id, `FP of ${id}`, `fp${Math.random().toString(36).slice(2)}@x.example`, null, at(2, 1));
    }
    await p.markTrained(5, null, at(3, 1));
    const all = await p.listFocalPoints({});
    expect(all.total).toBe(7);
    expect(all.focalPoints.map((f) => [f.officeId, f.id])).toEqual([
      ['O-a', 5], ['O-B', 6], ['O-a', 7], ['O-c', 4], ['O-b', 3], ['O-Z', 2], ['O-E', 1],
    ]);
    expect(all.focalPoints[0]).toMatchObject({ officeName: 'Alpha office', country: 'CH', status: 'trained', trainedAt: at(3, 1) });
    expect(all.focalPoints[1]).toMatchObject({ officeName: 'alpha office', country: 'FR', status: 'nominated' });
    const page = await p.listFocalPoints({ limit: 2, offset: 2 });
    expect([page.total, page.focalPoints.map((f) => f.id)]).toEqual([7, [7, 4]]);
    const ofA = await p.listFocalPoints({ officeId: 'O-a', status: 'nominated' });
    expect([ofA.total, ofA.focalPoints.map((f) => f.id)]).toEqual([1, [7]]);
    expect(await p.listFocalPoints({ status: 'enrolled' })).toEqual({ total: 0, focalPoints: [] });
  });

  test('enrollable focal points: nominated or no-show, of offices in one of the states', async () => {
    await namedOffices(b);
    const states = ['preparing.training.awaitingNomination', 'preparing.training.nominated'];
    const fp = async (office: string, email: string) => p.insertFocalPoint(office, email, `${email}@x.example`, null, at(2, 1));
    await fp('O-Z', 'z1'); // 1, internet track, in preparing
    await fp('O-E', 'e1'); // 2, prospect: not in the states
    const enrolled = await fp('O-b', 'b1'); // 3
    const noShow = await fp('O-b', 'b2'); // 4
    await fp('O-a', 'a1'); // 5
    await p.markEnrolled(enrolled, 'W-1', at(3, 1));
    await p.markNoShow(noShow, at(3, 2));
    const found = await p.enrollableFocalPoints(states);
    expect(found.map((f) => [f.officeId, f.id, f.status])).toEqual([['O-a', 5, 'nominated'], ['O-b', 4, 'no-show'], ['O-Z', 1, 'nominated']]);
    expect(found[2]).toMatchObject({ officeName: 'zeta office', country: 'DE', email: 'z1@x.example', noShowAt: null });
    expect((await p.enrollableFocalPoints(['preparing'])).map((f) => f.id)).toEqual([5, 4, 1]);
    expect(await p.enrollableFocalPoints([])).toEqual([]);
  });

  test('enrolments: places taken leave out cancellations; enrolling again clears attendance; listed by office name', async () => {
    await namedOffices(b);
    const e = await p.insertFocalPoint('O-E', 'Eve', 'eve@x.example', null, at(2, 1));
    const zed = await p.insertFocalPoint('O-Z', 'zed', 'zed@x.example', null, at(2, 1));
    const al = await p.insertFocalPoint('O-B', 'Al', 'al@x.example', null, at(2, 1));
    const Ab = await p.insertFocalPoint('O-B', 'Ab', 'ab@x.example', null, at(2, 1));
    const ab = await p.insertFocalPoint('O-B', 'ab', 'ab2@x.example', null, at(2, 1));
    expect(await p.enrolledCount('W-1')).toBe(0);
    for (const id of [e, zed, al, Ab, ab]) await p.addEnrolment('W-1', id, (await p.getFocalPoint(id))!.officeId, at(3, 1));
    await p.addEnrolment('W-2', e, 'O-E', at(3, 1));
    await p.setAttendance('W-1', e, 'cancelled');
    await p.setAttendance('W-1', zed, 'missed');
    await p.setAttendance('W-1', al, 'attended');
    expect(await p.enrolledCount('W-1')).toBe(4);
    const list = await p.enrolments('W-1');
    expect(list.map((x) => [x.officeId, x.name, x.attendance])).toEqual([
      ['O-B', 'Ab', null], ['O-B', 'Al', 'attended'], ['O-B', 'ab', null], ['O-Z', 'zed', 'missed'], ['O-E', 'Eve', 'cancelled'],
    ]);
    expect(list[4]).toEqual({
      workshopId: 'W-1', focalPointId: e, officeId: 'O-E', enrolledAt: at(3, 1), attendance: 'cancelled',
      name: 'Eve', email: 'eve@x.example', officeName: 'Émile office', country: 'FR',
    });
    await p.addEnrolment('W-1', e, 'O-E', at(3, 9, 10, 30));
    expect(await p.enrolledCount('W-1')).toBe(5);
    expect((await p.enrolments('W-1'))[4]).toMatchObject({ enrolledAt: at(3, 9, 10, 30), attendance: null });
    expect(await p.enrolledCount('W-2')).toBe(1);
  });

  test('the register needs a backfill only while empty and the history holds nominations', async () => {
    expect(await p.focalPointRegisterNeedsBackfill()).toBe(false);
    await officeThrough(b.engine, { id: 'O-1' }, at(1, 1), yes);
    await officeThrough(b.engine, { id: 'O-2' }, at(1, 1), [...yes, [{ type: 'FOCAL_POINT_NOMINATED', name: 'N', email: 'n@x.example' }, at(1, 4)]]);
    await officeThrough(b.engine, { id: 'O-3' }, at(1, 1), [[{ type: 'SEND_CIRCULAR' }, at(1, 2)]]);
    expect(await p.focalPointRegisterNeedsBackfill()).toBe(true);
    expect((await p.officesWithHistoryOf(['FOCAL_POINT_NOMINATED', 'REPLY_AFFIRMATIVE'])).sort()).toEqual(['O-1', 'O-2']);
    expect((await p.officesWithHistoryOf(['SEND_CIRCULAR'])).sort()).toEqual(['O-1', 'O-2', 'O-3']);
    expect(await p.officesWithHistoryOf(['KIT_SHIPPED'])).toEqual([]);
    expect(await p.officesWithHistoryOf([])).toEqual([]);

    await p.recordShipment('O-1', 7, null, at(5, 1));
    expect(await p.focalPointRegisterNeedsBackfill()).toBe(false);
  });

  test('the register with a focal point needs no backfill', async () => {
    await officeThrough(b.engine, { id: 'O-2' }, at(1, 1), [...yes, [{ type: 'FOCAL_POINT_NOMINATED', name: 'N', email: 'n@x.example' }, at(1, 4)]]);
    await p.insertFocalPoint('O-2', 'N', 'n@x.example', null, at(1, 4));
    expect(await p.focalPointRegisterNeedsBackfill()).toBe(false);
  });

  test('Gold Disk: one current, newest first (ties by version byte-wise), recall; kit shipments', async () => {
    expect([await p.currentGoldDisk(), await p.listGoldDisks(), await p.getGoldDisk('1.0')]).toEqual([null, [], undefined]);
    await p.releaseGoldDisk('10.0', 'first', at(1, 10));
    await p.releaseGoldDisk('9.0', '', at(1, 10));
    await p.releaseGoldDisk('B', 'later', at(2, 1, 12, 0, 5));
    await p.releaseGoldDisk('a', '', at(2, 1, 12, 0, 5));
    expect(await p.currentGoldDisk()).toBe('a');
    // A version released twice is refused; the transaction around it leaves the current one current.
    await expect(b.offices.transaction(() => p.releaseGoldDisk('B', '', at(3, 1)))).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    expect(await p.currentGoldDisk()).toBe('a');
    await p.recallGoldDisk('a', 'corrupt image', at(2, 2));
    expect(await p.currentGoldDisk()).toBeNull();
    expect(await p.listGoldDisks()).toEqual([
      { version: 'a', releasedAt: at(2, 1, 12, 0, 5), notes: '', status: 'recalled', recalledAt: at(2, 2), recallReason: 'corrupt image' },
      { version: 'B', releasedAt: at(2, 1, 12, 0, 5), notes: 'later', status: 'superseded', recalledAt: null, recallReason: null },
      { version: '9.0', releasedAt: at(1, 10), notes: '', status: 'superseded', recalledAt: null, recallReason: null },
      { version: '10.0', releasedAt: at(1, 10), notes: 'first', status: 'superseded', recalledAt: null, recallReason: null },
    ]);
    expect(await p.getGoldDisk('10.0')).toEqual({ version: '10.0', releasedAt: at(1, 10), notes: 'first', status: 'superseded', recalledAt: null, recallReason: null });

    await officeThrough(b.engine, { id: 'O-1' }, at(1, 1));
    await officeThrough(b.engine, { id: 'O-2' }, at(1, 1));
    await p.recordShipment('O-1', 12, 'B', at(3, 2));
    await p.recordShipment('O-1', 4, null, at(3, 1));
    await p.recordShipment('O-2', 3, '10.0', at(3, 3));
    await p.recordShipment('O-2', 5, 'B', at(3, 4));
    await expect(p.recordShipment('O-2', 5, 'B', at(3, 4))).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    expect(await p.shipmentsOf('O-1')).toEqual([{ seq: 4, version: null, at: at(3, 1) }, { seq: 12, version: 'B', at: at(3, 2) }]);
    expect(await p.shipmentsOf('O-3')).toEqual([]);
    expect(Object.entries(await p.shipmentsByVersion())).toEqual([['unknown', 1], ['10.0', 1], ['B', 2]]);
  });

  test('offices for bulk actions: in states (by id byte-wise), and by every condition (by name, then id)', async () => {
    await namedOffices(b);
    expect(await p.officesIn(['preparing.site.surveying', 'preparing'])).toEqual(['O-Z', 'O-a', 'O-b']);
    expect(await p.officesIn(['preparing.site.ready'])).toEqual(['O-Z']);
    expect(await p.officesIn(['prospect'])).toEqual(['O-B', 'O-E', 'O-c']);
    expect(await p.officesIn([])).toEqual([]);
    expect(await p.selectOfficeIds({})).toEqual(BY_NAME);
    expect(await p.selectOfficeIds({ state: 'preparing' })).toEqual(['O-a', 'O-b', 'O-Z']);
    expect(await p.selectOfficeIds({ countryLists: [['CH', 'FR', 'DE'], ['FR', 'CH']] })).toEqual(['O-B', 'O-a', 'O-b', 'O-E']);
    expect(await p.selectOfficeIds({ countryLists: [['CH'], []] })).toEqual([]);
    expect(await p.selectOfficeIds({ track: 'internet' })).toEqual(['O-c', 'O-Z']);
    expect(await p.selectOfficeIds({ ids: ['O-E', 'O-B', 'O-Z', 'nope'], track: 'kit' })).toEqual(['O-B', 'O-E']);
    expect(await p.selectOfficeIds({ state: 'preparing', countryLists: [['CH']], track: 'kit', ids: ['O-a', 'O-b'] })).toEqual(['O-a', 'O-b']);
    expect(await p.selectOfficeIds({ ids: [] })).toEqual([]);
  });

  const broadcast = (id: string, createdAt: string, event: Broadcast['event'] = { type: 'DEPLOYMENT_HELD', reason: 'Gold Disk recalled' }) => ({
    id, kind: 'hold', event, description: `Broadcast ${id}`, actor: 'alice', createdAt,
  });

  test('broadcasts: rows in position order, counts, pending rows, finishing once', async () => {
    expect(await p.getBroadcast('bc-1')).toBeUndefined();
    expect(await p.listBroadcasts()).toEqual([]);
    // A field named before `type` in jsonb's own key order: the event still reads back type first.
    const event = { type: 'DEPLOYMENT_HELD', note: 'ask first' };
    await p.createBroadcast(broadcast('bc-1', at(4, 1), event), ['O-c', 'O-a', 'O-b']);
    const stored = await p.getBroadcast('bc-1');
    expect(stored).toEqual({ ...broadcast('bc-1', at(4, 1), event), finishedAt: null });
    expect(JSON.stringify(stored!.event)).toBe(JSON.stringify(event));
    expect(await p.broadcastRows('bc-1')).toEqual([
      { position: 0, officeId: 'O-c', status: 'pending', message: null, version: null, at: null },
      { position: 1, officeId: 'O-a', status: 'pending', message: null, version: null, at: null },
      { position: 2, officeId: 'O-b', status: 'pending', message: null, version: null, at: null },
    ]);
    expect(await p.pendingRows('bc-1', 2)).toEqual([{ position: 0, officeId: 'O-c' }, { position: 1, officeId: 'O-a' }]);
    expect(await p.isPending('bc-1', 1)).toBe(true);
    expect(await p.finishRow('bc-1', 1, 'done', null, 4, at(4, 1, 9, 1))).toBe(true);
    expect(await p.finishRow('bc-1', 1, 'failed', 'again', null, at(4, 1, 9, 2))).toBe(false);
    expect(await p.isPending('bc-1', 1)).toBe(false);
    expect(await p.isPending('bc-1', 9)).toBe(false);
    expect(await p.finishRow('bc-1', 0, 'skipped', 'cannot take DEPLOYMENT_HELD now', null, at(4, 1, 9, 3))).toBe(true);
    expect(await p.pendingRows('bc-1', 20)).toEqual([{ position: 2, officeId: 'O-b' }]);
    expect(await p.broadcastCounts('bc-1')).toEqual({ pending: 1, done: 1, skipped: 1, failed: 0 });
    await p.finishBroadcast('bc-1', at(4, 1, 9, 4));
    expect((await p.getBroadcast('bc-1'))!.finishedAt).toBeNull();
    expect(await p.finishRow('bc-1', 2, 'failed', 'refused', null, at(4, 1, 9, 5))).toBe(true);
    await p.finishBroadcast('bc-1', at(4, 1, 9, 6));
    await p.finishBroadcast('bc-1', at(4, 1, 9, 7));
    expect((await p.getBroadcast('bc-1'))!.finishedAt).toBe(at(4, 1, 9, 6));
    expect(await p.broadcastRows('bc-1')).toEqual([
      { position: 0, officeId: 'O-c', status: 'skipped', message: 'cannot take DEPLOYMENT_HELD now', version: null, at: at(4, 1, 9, 3) },
      { position: 1, officeId: 'O-a', status: 'done', message: null, version: 4, at: at(4, 1, 9, 1) },
      { position: 2, officeId: 'O-b', status: 'failed', message: 'refused', version: null, at: at(4, 1, 9, 5) },
    ]);
    expect(await p.broadcastCounts('bc-1')).toEqual({ pending: 0, done: 1, skipped: 1, failed: 1 });
    expect(await p.broadcastCounts('nope')).toEqual({ pending: 0, done: 0, skipped: 0, failed: 0 });
    await expect(p.createBroadcast(broadcast('bc-1', at(4, 2)), [])).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
  });

  test('broadcasts listed newest first, up to a limit; a broadcast with no office', async () => {
    await p.createBroadcast(broadcast('bc-b', at(4, 2)), ['O-1']);
    await p.createBroadcast(broadcast('bc-a', at(4, 3, 9, 0, 1)), []);
    await p.createBroadcast(broadcast('bc-c', at(4, 1)), ['O-1', 'O-2']);
    for (let i = 0; i < 52; i++) await p.createBroadcast(broadcast(`bc-old-${i}`, at(1, 1, 0, i)), []);
    expect((await p.listBroadcasts(3)).map((x) => x.id)).toEqual(['bc-a', 'bc-b', 'bc-c']);
    const all = await p.listBroadcasts();
    expect(all).toHaveLength(50);
    expect(all[49]!.id).toBe('bc-old-5');
    expect(all[0]).toEqual({ ...broadcast('bc-a', at(4, 3, 9, 0, 1)), finishedAt: null });
    expect(await p.broadcastRows('bc-a')).toEqual([]);
    await p.finishBroadcast('bc-a', at(4, 4));
    expect((await p.getBroadcast('bc-a'))!.finishedAt).toBe(at(4, 4));
  });

  test('a broadcast run through the engine: each office once, refusals skipped', async () => {
    for (const id of ['O-1', 'O-2', 'O-3']) await officeThrough(b.engine, { id }, at(1, 1));
    await b.engine.apply('O-2', { type: 'SEND_CIRCULAR' }, { actor: 'test', at: new Date(at(1, 2)) });
    const ctx = { engine: b.engine, store: b.offices, programme: p };
    await p.createBroadcast({ ...broadcast('bc-1', at(4, 1)), event: { type: 'SEND_CIRCULAR' } }, ['O-1', 'O-2', 'nope', 'O-3']);
    const view = await runBroadcast(ctx, 'bc-1', { limit: 2 });
    expect(view.counts).toEqual({ pending: 2, done: 1, skipped: 1, failed: 0 });
    const done = await runBroadcast(ctx, 'bc-1');
    expect(done.counts).toEqual({ pending: 0, done: 2, skipped: 2, failed: 0 });
    expect(done.finishedAt).not.toBeNull();
    expect(done.offices.map((o) => [o.officeId, o.status, o.version])).toEqual([['O-1', 'done', 1], ['O-2', 'skipped', null], ['nope', 'skipped', null], ['O-3', 'done', 1]]);
    expect((await b.offices.history('O-1')).map((h) => h.type)).toEqual(['REGISTERED', 'SEND_CIRCULAR']);
  });

  if (kind === 'postgres') {
    test('an office another server is processing is neither pending to it nor listed, until that transaction ends', async () => {
      await p.createBroadcast(broadcast('bc-1', at(4, 1)), ['O-1', 'O-2', 'O-3']);
      const other = b.another();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let claimed!: () => void;
      const isClaimed = new Promise<void>((resolve) => (claimed = resolve));
      const holder = other.offices.transaction(async () => {
        expect(await other.programme.isPending('bc-1', 1)).toBe(true);
        claimed();
        await released;
      });
      await isClaimed;
      try {
        expect(await p.isPending('bc-1', 1)).toBe(false);
        expect(await p.pendingRows('bc-1', 10)).toEqual([{ position: 0, officeId: 'O-1' }, { position: 2, officeId: 'O-3' }]);
        expect(await p.broadcastCounts('bc-1')).toEqual({ pending: 3, done: 0, skipped: 0, failed: 0 });
      } finally {
        release();
        await holder;
      }
      // It committed without finishing the row: the office is pending again, to anyone.
      expect(await p.isPending('bc-1', 1)).toBe(true);
      expect((await p.pendingRows('bc-1', 10)).map((r) => r.position)).toEqual([0, 1, 2]);
    });

    test('two servers run one broadcast at once: every office once (each row claimed FOR UPDATE SKIP LOCKED)', async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `O-${String(i).padStart(2, '0')}`);
      for (const id of ids) await officeThrough(b.engine, { id }, at(1, 1));
      // An event every office can take any number of times: applied twice, it would show in the history.
      await p.createBroadcast({ ...broadcast('bc-1', at(4, 1)), event: { type: 'DETAILS_UPDATED', city: 'Geneva' } }, ids);
      const servers = [b, b.another()];
      const worked = [0, 0];
      const views = await Promise.all(
        servers.map((s, i) => runBroadcast({ engine: s.engine, store: s.offices, programme: s.programme }, 'bc-1', { afterOffice: () => void worked[i]!++ })),
      );
      expect(worked[0]! + worked[1]!).toBe(ids.length);
      // A server stops when every office left is being processed by the other: only the last view is final.
      expect(views.some((v) => v.finishedAt !== null)).toBe(true);
      expect(await p.broadcastCounts('bc-1')).toEqual({ pending: 0, done: 40, skipped: 0, failed: 0 });
      for (const id of ids) {
        expect((await b.offices.history(id)).map((h) => h.type)).toEqual(['REGISTERED', 'DETAILS_UPDATED']);
      }
      expect((await p.getBroadcast('bc-1'))!.finishedAt).not.toBeNull();
    });
  }
});
