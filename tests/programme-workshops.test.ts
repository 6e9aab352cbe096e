import { EngineError } from '../engine/errors';
import { cancelWorkshop, createWorkshop, enrol, enrollableFocalPoints, getWorkshop, recordAttendance } from '../programme/workshops';
import { event, getJson, invitedAndSiteReady, office, openFixture, postJson, type ProgrammeFixture } from './programme-fixture';

const T = (day: string) => `${day}T09:00:00.000Z`;

/** Offices with their site ready, waiting for a focal-point nomination. */
function waitingForNomination(ids: [string, string][]) {
  return ids.flatMap(([id, country]) => [
    office(id, country, T('2003-01-02')),
    ...invitedAndSiteReady(id, { circular: T('2003-01-03'), yes: T('2003-01-10'), surveyed: T('2003-01-15'), ready: T('2003-02-01') }),
  ]);
}

const nominate = async (fx: ProgrammeFixture, officeId: string, n: number) =>
  await fx.runtime.engine.apply(
    officeId,
    { type: 'FOCAL_POINT_NOMINATED', name: `Person ${n} of ${officeId}`, email: `p${n}@${officeId.toLowerCase()}.example`, role: 'IT officer' },
    { actor: 'test' },
  );

const historyTypes = async (fx: ProgrammeFixture, id: string) => (await fx.runtime.store.history(id)).map((h) => h.type);

describe('focal points and workshops', () => {
  let fx: ProgrammeFixture;

  beforeEach(async () => {
    fx = await openFixture('2003-03-01T10:00:00.000Z');
    await fx.load(waitingForNomination([['GH-IPO', 'GH'], ['IN-IPO', 'IN'], ['TH-IPO', 'TH'], ['PE-IPO', 'PE']]));
  });
  afterEach(() => fx.close());

  it('lets an office nominate several focal points, each kept with its status', async () => {
    await nominate(fx, 'GH-IPO', 1);
    await nominate(fx, 'GH-IPO', 2);
    const office = (await fx.runtime.store.getOffice('GH-IPO'))!;
    expect(office.states).toContain('preparing.training.nominated');
    expect(office.snapshot.context.focalPoint).toEqual({ name: 'Person 1 of GH-IPO', email: 'p1@gh-ipo.example' });
    expect((await fx.runtime.programme.focalPointsOf('GH-IPO')).map((f) => [f.email, f.status, f.role])).toEqual([
      ['p1@gh-ipo.example', 'nominated', 'IT officer'],
      ['p2@gh-ipo.example', 'nominated', 'IT officer'],
    ]);
    expect((await historyTypes(fx, 'GH-IPO')).filter((t) => t === 'FOCAL_POINT_NOMINATED')).toHaveLength(2);
  });

  it('enrols focal points from several offices up to capacity, and refuses more without changing anything', async () => {
    const w = await createWorkshop(fx.runtime, { id: 'ACC-1', title: 'WIPOnet training', city: 'Accra', country: 'GH', start: '2003-03-10', end: '2003-03-14', capacity: 3 });
    expect(w).toMatchObject({ status: 'planned', enrolled: 0, placesLeft: 3 });
    await nominate(fx, 'GH-IPO', 1);
    await nominate(fx, 'GH-IPO', 2);
    await nominate(fx, 'IN-IPO', 1);
    await nominate(fx, 'TH-IPO', 1);
    expect(await enrollableFocalPoints(fx.runtime)).toHaveLength(4);
    const [gh1, gh2] = await fx.runtime.programme.focalPointsOf('GH-IPO');
    const [in1] = await fx.runtime.programme.focalPointsOf('IN-IPO');
    const [th1] = await fx.runtime.programme.focalPointsOf('TH-IPO');

    const outcomes = await enrol(fx.runtime, 'ACC-1', [gh1!.id, gh2!.id, in1!.id], { actor: 'coordinator' });
    expect(outcomes).toEqual([
      { officeId: 'GH-IPO', event: 'ENROLLED', focalPoints: ['p1@gh-ipo.example', 'p2@gh-ipo.example'] },
      { officeId: 'IN-IPO', event: 'ENROLLED', focalPoints: ['p1@in-ipo.example'] },
    ]);
    expect(await getWorkshop(fx.runtime, 'ACC-1')).toMatchObject({ enrolled: 3, placesLeft: 0 });
    expect((await fx.runtime.store.getOffice('GH-IPO'))!.states).toContain('preparing.training.enrolled');
    // Nominating the same person again (a new role) keeps the enrolment.
    await fx.runtime.engine.apply('GH-IPO', { type: 'FOCAL_POINT_NOMINATED', name: 'Person 1 of GH-IPO', email: 'P1@gh-ipo.example', role: 'Head of IT' }, { actor: 'test' });
    expect(await fx.runtime.programme.getFocalPoint(gh1!.id)).toMatchObject({ status: 'enrolled', role: 'Head of IT', workshopId: 'ACC-1' });

    const before = (await fx.runtime.store.getOffice('TH-IPO'))!.version;
    await expect(enrol(fx.runtime, 'ACC-1', [th1!.id], { actor: 'coordinator' })).rejects.toThrow(
      expect.objectContaining({ code: 'conflict', message: expect.stringMatching(/0 place\(s\) left/) }),
    );
    // The engine hook enforces the same rule for an ENROLLED sent directly.
    await expect(fx.runtime.engine.apply('TH-IPO', { type: 'ENROLLED', workshopId: 'ACC-1' }, { actor: 'api' })).rejects.toThrow(
      expect.objectContaining({ code: 'conflict', message: expect.stringMatching(/is full/) }),
    );
    expect((await fx.runtime.store.getOffice('TH-IPO'))!.version).toBe(before);
    expect((await fx.runtime.programme.focalPointsOf('TH-IPO'))[0]!.status).toBe('nominated');
  });

  it('records attendance in one transaction: attended → TRAINING_COMPLETED, all missed → NO_SHOW', async () => {
    await createWorkshop(fx.runtime, { id: 'BKK-1', title: 'WIPOnet training', city: 'Bangkok', country: 'TH', start: '2003-03-10', end: '2003-03-14', capacity: 10 });
    for (const id of ['GH-IPO', 'IN-IPO', 'TH-IPO']) await nominate(fx, id, 1);
    await nominate(fx, 'IN-IPO', 2);
    const fp = async (id: string, n = 0) => (await fx.runtime.programme.focalPointsOf(id))[n]!;
    await enrol(fx.runtime, 'BKK-1', [(await fp('GH-IPO')).id, (await fp('IN-IPO')).id, (await fp('IN-IPO', 1)).id, (await fp('TH-IPO')).id], { actor: 'test' });

    await expect(recordAttendance(fx.runtime, 'BKK-1', [(await fp('GH-IPO')).id], { actor: 'test' })).rejects.toThrow(/starts on 2003-03-10/);
    fx.clock.set('2003-03-14T16:00:00.000Z');
    // GH attended; one of IN's two attended; TH missed it.
    const result = await recordAttendance(fx.runtime, 'BKK-1', [(await fp('GH-IPO')).id, (await fp('IN-IPO', 1)).id], { actor: 'coordinator' });
    expect(result.offices).toEqual([
      { officeId: 'GH-IPO', event: 'TRAINING_COMPLETED', focalPoints: ['p1@gh-ipo.example'] },
      { officeId: 'IN-IPO', event: 'TRAINING_COMPLETED', focalPoints: ['p2@in-ipo.example'] },
      { officeId: 'TH-IPO', event: 'NO_SHOW', focalPoints: [] },
    ]);
    expect(result.workshop.status).toBe('held');
    // Site ready + trained: the kit-track offices move on to deployment; TH waits for another workshop.
    expect((await fx.runtime.store.getOffice('GH-IPO'))!.states).toEqual(['deployment.awaitingKit']);
    expect((await fx.runtime.store.getOffice('TH-IPO'))!.states).toContain('preparing.training.nominated');
    expect((await fx.runtime.programme.focalPointsOf('IN-IPO')).map((f) => f.status)).toEqual(['no-show', 'trained']);
    expect((await fx.runtime.programme.focalPointsOf('GH-IPO'))[0]).toMatchObject({ status: 'trained', trainedAt: '2003-03-14T16:00:00.000Z', workshopId: 'BKK-1' });
    expect((await getWorkshop(fx.runtime, 'BKK-1')).enrolments.map((e) => [e.email, e.attendance])).toEqual([
      ['p1@gh-ipo.example', 'attended'],
      ['p1@in-ipo.example', 'missed'],
      ['p2@in-ipo.example', 'attended'],
      ['p1@th-ipo.example', 'missed'],
    ]);
    // Held once: recording again is refused.
    await expect(recordAttendance(fx.runtime, 'BKK-1', [], { actor: 'test' })).rejects.toThrow(/is held/);
  });

  it('rolls back every office when one of them fails during attendance', async () => {
    await createWorkshop(fx.runtime, { id: 'LIM-1', title: 'WIPOnet training', city: 'Lima', country: 'PE', start: '2003-03-01', end: '2003-03-01', capacity: 10 });
    for (const id of ['GH-IPO', 'IN-IPO', 'PE-IPO']) await nominate(fx, id, 1);
    const ids = await Promise.all(['GH-IPO', 'IN-IPO', 'PE-IPO'].map(async (id) => (await fx.runtime.programme.focalPointsOf(id))[0]!.id));
    await enrol(fx.runtime, 'LIM-1', ids, { actor: 'test' });
    const versions = await Promise.all(['GH-IPO', 'IN-IPO', 'PE-IPO'].map(async (id) => (await fx.runtime.store.getOffice(id))!.version));
    fx.runtime.engine.addHooks({
      inTransaction: (r) => {
        if (r.office.id === 'PE-IPO' && r.entry.type === 'TRAINING_COMPLETED') throw new EngineError('conflict', 'injected failure');
      },
    });
    await expect(recordAttendance(fx.runtime, 'LIM-1', ids, { actor: 'test' })).rejects.toThrow('injected failure');
    expect(await Promise.all(['GH-IPO', 'IN-IPO', 'PE-IPO'].map(async (id) => (await fx.runtime.store.getOffice(id))!.version))).toEqual(versions);
    expect((await getWorkshop(fx.runtime, 'LIM-1')).status).toBe('planned');
    expect((await fx.runtime.programme.focalPointsOf('GH-IPO'))[0]!.status).toBe('enrolled');
  });

  it('cancelling a workshop sends its focal points back to waiting for one', async () => {
    await createWorkshop(fx.runtime, { id: 'DEL-1', title: 'WIPOnet training', city: 'Delhi', country: 'IN', start: '2003-04-01', end: '2003-04-04', capacity: 4 });
    await nominate(fx, 'IN-IPO', 1);
    await enrol(fx.runtime, 'DEL-1', [(await fx.runtime.programme.focalPointsOf('IN-IPO'))[0]!.id], { actor: 'test' });
    const result = await cancelWorkshop(fx.runtime, 'DEL-1', { actor: 'test' });
    expect(result.offices).toEqual([{ officeId: 'IN-IPO', event: 'NO_SHOW', focalPoints: ['p1@in-ipo.example'] }]);
    expect((await fx.runtime.store.getOffice('IN-IPO'))!.states).toContain('preparing.training.nominated');
    expect((await fx.runtime.programme.focalPointsOf('IN-IPO'))[0]).toMatchObject({ status: 'nominated', noShowAt: null });
    expect((await fx.runtime.store.history('IN-IPO')).at(-1)!.payload).toEqual({ workshopId: 'DEL-1', workshopCancelled: true });
    expect(await getWorkshop(fx.runtime, 'DEL-1')).toMatchObject({ status: 'cancelled', enrolled: 0 });
  });

  it('imports workshops before the events that refer to them, and rejects an over-full import by line', async () => {
    const lines = [
      { kind: 'workshop', id: 'OLD-1', title: 'Past workshop', city: 'Geneva', country: 'CH', start: '2003-02-03', end: '2003-02-07', capacity: 1, status: 'held' },
      event('GH-IPO', T('2003-02-02'), 'FOCAL_POINT_NOMINATED', { name: 'Ama', email: 'ama@gh.example' }),
      event('GH-IPO', T('2003-02-02'), 'ENROLLED', { workshopId: 'OLD-1' }),
      event('IN-IPO', T('2003-02-02'), 'FOCAL_POINT_NOMINATED', { name: 'Ravi', email: 'ravi@in.example' }),
      event('IN-IPO', T('2003-02-02'), 'ENROLLED', { workshopId: 'OLD-1' }),
    ];
    await expect(fx.load(lines)).rejects.toThrow(expect.objectContaining({ code: 'import_invalid', message: expect.stringMatching(/line 5: Workshop "OLD-1" is full/) }));
    expect(await fx.runtime.programme.getWorkshop('OLD-1')).toBeUndefined();
    expect(await fx.runtime.programme.focalPointsOf('GH-IPO')).toEqual([]);

    const bad = [{ kind: 'workshop', id: 'X', title: 'x', city: 'y', country: 'ZZ', start: '2003-02-07', end: '2003-02-03', capacity: 0 }];
    await expect(fx.load(bad)).rejects.toThrow(/line 1: /);

    await fx.load([...lines.slice(0, 4), event('GH-IPO', T('2003-02-07'), 'TRAINING_COMPLETED', { workshopId: 'OLD-1' })]);
    expect(await getWorkshop(fx.runtime, 'OLD-1')).toMatchObject({ status: 'held', createdAt: null, enrolled: 1 });
    expect((await fx.runtime.programme.focalPointsOf('GH-IPO'))[0]).toMatchObject({ status: 'trained', trainedAt: T('2003-02-07') });
  });

  it('is available over HTTP', async () => {
    const base = await fx.serve();
    const created = await postJson(`${base}/api/workshops`, { title: 'WIPOnet training', city: 'Accra', country: 'gh', start: '2003-03-10', end: '2003-03-12', capacity: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ country: 'GH', status: 'planned', placesLeft: 2 });
    const id = created.body.id as string;

    const nominated = await postJson(`${base}/api/offices/GH-IPO/focal-points`, { name: 'Kofi', email: 'kofi@gh.example' });
    expect(nominated.status).toBe(201);
    await postJson(`${base}/api/offices/IN-IPO/focal-points`, { name: 'Asha', email: 'asha@in.example' });
    const candidates = await getJson(`${base}/api/workshops/${id}/candidates`);
    const fpIds = candidates.body.focalPoints.map((f: { id: number }) => f.id);
    expect(fpIds).toHaveLength(2);

    const enrolled = await postJson(`${base}/api/workshops/${id}/enrolments`, { focalPointIds: fpIds });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.workshop.enrolled).toBe(2);
    const full = await postJson(`${base}/api/workshops/${id}/enrolments`, { focalPointIds: [fpIds[0]] });
    expect(full.status).toBe(409);

    fx.clock.set('2003-03-12T17:00:00.000Z');
    const attendance = await postJson(`${base}/api/workshops/${id}/attendance`, { attended: [fpIds[0]] });
    expect(attendance.status).toBe(200);
    expect(attendance.body.offices.map((o: { event: string }) => o.event).sort()).toEqual(['NO_SHOW', 'TRAINING_COMPLETED']);

    const trained = await getJson(`${base}/api/focal-points?status=trained`);
    expect(trained.body.total).toBe(1);
    const list = await getJson(`${base}/api/workshops`);
    expect(list.body.workshops[0]).toMatchObject({ id, status: 'held' });
    expect((await getJson(`${base}/api/workshops/nope`)).status).toBe(404);
    expect((await postJson(`${base}/api/workshops`, { title: 'x', city: 'y', country: 'GH', start: '2003-03-12', end: '2003-03-10', capacity: 2 })).status).toBe(400);
  });
});
