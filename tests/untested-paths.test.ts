import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import { importJsonLines } from '../engine/import';
import { api, makeTempDir, removeTempDir, startServer, testConfig, type TestServer } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

/** Paths no other suite reached: reminder settings, the `until: workshopEnd` deadline, the start-up backfills. */

const T0 = '2026-03-02T10:00:00.000Z'; // a Monday
const DAY = 86_400_000;
const office = (id: string, country = 'FR') => ({ id, name: id, country, language: 'fr', track: 'kit' as const, contacts: [{ name: 'C', email: 'c@office.test' }] });

describe('PUT /api/offices/:id/reminder-settings', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ runtime: { clock: fixedClock(T0) } });
    await server.runtime.engine.register(office('SET-1'), { actor: 'test' });
  });
  afterAll(() => server.close());
  const put = (id: string, body: unknown) => api(server.url, 'PUT', `/api/offices/${id}/reminder-settings`, body);

  test('sets the time zone and the coordinator, each alone, and null goes back to the default', async () => {
    expect((await put('SET-1', {})).body).toEqual({ officeId: 'SET-1', timeZone: 'Europe/Paris', coordinatorEmail: server.runtime.config.COORDINATOR_EMAIL });
    expect((await put('SET-1', { timeZone: 'Asia/Tokyo' })).body).toMatchObject({ timeZone: 'Asia/Tokyo' });
    const both = await put('SET-1', { coordinatorEmail: 'desk@wipo.test' });
    expect(both.status).toBe(200);
    expect(both.body).toEqual({ officeId: 'SET-1', timeZone: 'Asia/Tokyo', coordinatorEmail: 'desk@wipo.test' });
    expect(await server.runtime.reminders.reminders.zoneOf((await server.runtime.store.getOffice('SET-1'))!)).toBe('Asia/Tokyo');
    expect((await put('SET-1', { timeZone: null, coordinatorEmail: null })).body).toEqual({
      officeId: 'SET-1',
      timeZone: 'Europe/Paris',
      coordinatorEmail: server.runtime.config.COORDINATOR_EMAIL,
    });
  });

  test('a bad zone or email is a 400 and changes nothing; an unknown office is a 404', async () => {
    await put('SET-1', { timeZone: 'America/Lima' });
    for (const body of [{ timeZone: 'Mars/Olympus' }, { coordinatorEmail: 'not-an-email' }, { timeZone: 7 }]) {
      const res = await put('SET-1', body);
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([JSON.stringify(body), 400, 'invalid_input']);
    }
    expect((await server.runtime.reminders.store.officeSettings('SET-1')).time_zone).toBe('America/Lima');
    expect((await put('NO-SUCH', { timeZone: 'Asia/Tokyo' })).status).toBe(404);
  });
});

describe('runtimes opened on an existing file', () => {
  let dir: string;
  let runtime: Runtime | undefined;
  const open = async () => (runtime = await openRuntime(testConfig(path.join(dir, 'db.sqlite')), { clock: fixedClock(T0) }));
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => {
    runtime?.close();
    runtime = undefined;
    removeTempDir(dir);
  });

  test('the SLA deadline of an enrolled office is the day after its workshop ends, in the office’s zone', async () => {
    const rt = await open();
    const lines = [
      { kind: 'workshop', id: 'WS-PARIS', title: 'Paris', city: 'Paris', country: 'FR', start: '2026-03-16', end: '2026-03-20', capacity: 10, status: 'planned' },
      { kind: 'office', ...office('WS-1'), at: T0 },
      { kind: 'office', ...office('WS-2', 'JP'), at: T0 },
      ...['WS-1', 'WS-2'].flatMap((id) => [
        { kind: 'event', office: id, type: 'SEND_CIRCULAR', at: T0 },
        { kind: 'event', office: id, type: 'REPLY_AFFIRMATIVE', at: T0 },
        { kind: 'event', office: id, type: 'FOCAL_POINT_NOMINATED', name: 'F', email: `f@${id.toLowerCase()}.test`, at: T0 },
        { kind: 'event', office: id, type: 'ENROLLED', workshopId: 'WS-PARIS', at: T0 },
      ]),
    ];
    await importJsonLines(rt.engine, lines.map((l) => JSON.stringify(l)).join('\n'), 'test', rt.importKinds);
    const deadline = async (id: string) => (await rt.reminders.store.clocks(id)).find((c) => c.state === 'preparing.training.enrolled')!.deadline;
    // Midnight at the start of 21 March: 23:00 UTC in Paris (UTC+1), 15:00 UTC in Tokyo (UTC+9).
    expect(await deadline('WS-1')).toBe('2026-03-20T23:00:00.000Z');
    expect(await deadline('WS-2')).toBe('2026-03-20T15:00:00.000Z');
  });

  test('the start-up backfills rebuild missing SLA clocks and the focal-point register, once', async () => {
    let rt = await open();
    await rt.engine.register(office('BF-1'), { actor: 'test' });
    await rt.engine.apply('BF-1', { type: 'SEND_CIRCULAR' }, { actor: 'test', at: new Date(T0) });
    await rt.engine.apply('BF-1', { type: 'REPLY_AFFIRMATIVE' }, { actor: 'test', at: new Date(Date.parse(T0) + DAY) });
    await rt.engine.apply('BF-1', { type: 'FOCAL_POINT_NOMINATED', name: 'Nora', email: 'nora@bf.test' }, { actor: 'test', at: new Date(Date.parse(T0) + 2 * DAY) });
    const clocks = (await rt.reminders.store.clocks('BF-1')).map((c) => [c.state, c.entered_at, c.deadline]);
    expect(clocks.length).toBeGreaterThan(0);
    const register = (await rt.programme.focalPointsOf('BF-1')).map((f) => [f.email, f.status, f.nominatedAt]);
    expect(register).toEqual([['nora@bf.test', 'nominated', new Date(Date.parse(T0) + 2 * DAY).toISOString()]]);
    // A database from before the reminders and the register: neither table has the rows yet.
    sqliteDb(rt).exec(`DELETE FROM sla_clocks; DELETE FROM reminder_settings WHERE key = 'clocks_backfilled'; DELETE FROM focal_points;`);
    rt.close();

    rt = await open();
    expect((await rt.reminders.store.clocks('BF-1')).map((c) => [c.state, c.entered_at, c.deadline])).toEqual(clocks);
    expect((await rt.programme.focalPointsOf('BF-1')).map((f) => [f.email, f.status, f.nominatedAt])).toEqual(register);

    // Once done, the clock backfill does not run again (a clock removed on purpose stays removed).
    sqliteDb(rt).exec('DELETE FROM sla_clocks');
    rt.close();
    rt = await open();
    expect(await rt.reminders.store.clocks('BF-1')).toEqual([]);
  });
});
