import { fixedClock } from '../engine/clock';
import { currentFigures, figuresAsOf, installationsByMonth } from '../engine/figures';
import { runSchedulerPass } from '../reminders/scheduler';
import type { OfficeEvent } from '../machines/events';
import { PATH } from './helpers/browser';
import { api, startServer, type TestServer } from './helpers/server';
import { runSql } from './helpers/sqlite';

/**
 * One definition per headline figure: an office stalled in both regions of `preparing` is one
 * stalled office; an Internet-track office is connected, never a kit; every figure's count is the
 * length of its list, in the API, on /stuck and in the report, live and as of a date.
 */
const START = '2026-01-05T09:00:00.000Z';
const DAY = 86_400_000;
const clock = fixedClock(START);
let server: TestServer;

async function seed(id: string, events: OfficeEvent[], track: 'kit' | 'internet' = 'kit'): Promise<void> {
  const { engine } = server.runtime;
  await engine.transact(async () => {
    await engine.register({ id, name: `Office ${id}`, country: 'FR', language: 'en', track, contacts: [{ name: 'A', email: `a@${id.toLowerCase()}.example` }] }, { actor: 'test' });
    for (const event of events) await engine.apply(id, event, { actor: 'test' });
  });
}

beforeAll(async () => {
  server = await startServer({ runtime: { clock } });
  await seed('KIT-INSTALLED', PATH.installed);
  await seed('KIT-HANDED', [...PATH.installed, { type: 'HANDED_OVER' }]);
  await seed('NET-HANDED', [...PATH.preparing, PATH.nominated.at(-1)!, { type: 'ENROLLED', workshopId: 'WS-1' }, { type: 'TRAINING_COMPLETED' }, { type: 'SERVICES_CONNECTED' }, { type: 'HANDED_OVER' }], 'internet');
  // Both regions of `preparing` wait (site survey, nomination): stalled in two states, one office.
  await seed('TWO-REGIONS', PATH.preparing);
  await seed('INVITED', PATH.invited);
  // Installed, then left the programme: no longer counted, in the figure or in the chart.
  await seed('KIT-WITHDRAWN', [...PATH.installed, { type: 'WITHDRAWN', reason: 'Merged into a regional office' }]);
  // 100 days on, with a scheduler pass every day: reminders, then escalations.
  for (let d = 0; d < 100; d++) {
    clock.advance(DAY);
    await runSchedulerPass(server.runtime.engine, server.runtime.reminders.reminders, clock.now());
  }
}, 60_000);

afterAll(() => server?.close());

test('each figure once per office, kits apart from Internet connections', async () => {
  expect(await currentFigures(server.runtime.storage.figures, clock.now())).toEqual({
    invited: 1,
    preparing: 1,
    installed: 2, // KIT-INSTALLED, KIT-HANDED
    connected: 1, // NET-HANDED: handed over, but no kit
    handedOver: 2,
    stalled: 3, // TWO-REGIONS once, INVITED, KIT-INSTALLED (not handed over within 30 days)
    stuck: 3,
  });
  const [stalledStates] = await runSql(server.runtime, "SELECT count(*) AS n FROM sla_clocks WHERE office_id = 'TWO-REGIONS' AND deadline <= $1", [clock.now().toISOString()]);
  expect(Number(stalledStates!.n)).toBe(2);
});

test('the installations chart adds up to the installed figure (a withdrawn office is in neither)', async () => {
  const months = await installationsByMonth(server.runtime.storage.figures, (await currentFigures(server.runtime.storage.figures, clock.now())).installed);
  expect(months.reduce((n, m) => n + m.n, 0)).toBe(2);
  expect(months.every((m) => m.month !== '')).toBe(true);
});

test('every figure is the length of its list: the API, /offices?figure= and /stuck', async () => {
  const stats = (await api(server.url, 'GET', '/api/stats')).body;
  expect(Object.keys(stats.byStage)).toEqual(['invited', 'preparing', 'installed', 'handedOver', 'withdrawn']);
  for (const [name, n] of Object.entries(stats.figures as Record<string, number>)) {
    const list = await api(server.url, 'GET', `/api/offices?figure=${name}`);
    expect({ name, total: list.body.total, listed: list.body.offices.length }).toEqual({ name, total: n, listed: n });
  }
  const stuck = (await api(server.url, 'GET', '/api/stuck')).body;
  expect(stuck.total).toBe(stats.figures.stalled);
  expect(new Set(stuck.rows.map((r: { officeId: string }) => r.officeId)).size).toBe(stuck.rows.length);
  const two = stuck.rows.find((r: { officeId: string }) => r.officeId === 'TWO-REGIONS');
  expect(two.otherStates).toHaveLength(1);
  expect((await api(server.url, 'GET', '/api/stuck?status=stuck')).body.total).toBe(stats.figures.stuck);
  const page = await fetch(`${server.url}/offices?figure=installed`);
  const text = await page.text();
  expect(text).toContain('Kits installed to date');
  expect(text).toContain('data-total="2"');
  expect(text).not.toContain('NET-HANDED');
  expect((await api(server.url, 'GET', '/api/offices?figure=nonsense')).status).toBe(400);
  expect((await fetch(`${server.url}/offices?figure=nonsense`)).status).toBe(200);
});

test('the figures as of a date come from the history: now they are the live ones, earlier the past ones', async () => {
  const { storage, reminders } = server.runtime;
  expect((await figuresAsOf(storage.figures, clock.now().toISOString(), reminders.policies)).figures).toEqual(await currentFigures(storage.figures, clock.now()));
  // On the first day nothing was late yet.
  const first = (await figuresAsOf(storage.figures, new Date(Date.parse(START) + DAY).toISOString(), reminders.policies)).figures;
  expect(first).toMatchObject({ installed: 2, connected: 1, stalled: 0, stuck: 0 });
});

test('the stalled figure as of a date replays the reminder pauses as the live clocks kept them', async () => {
  const { storage, reminders } = server.runtime;
  const stalledNow = async () => (await api(server.url, 'GET', '/api/offices?figure=stalled')).body.offices.map((o: { id: string }) => o.id) as string[];
  const stalledAsOf = async (at: string) => new Set((await figuresAsOf(storage.figures, at, reminders.policies)).stalled.map((s) => s.officeId));
  // Invited (30 days to reply): paused on day 10 until day 40 by hand, resumed on day 25, so its
  // deadline moves from day 30 to day 45. A second office is invited during a pause of 20 days, so
  // its clock starts when the pause ends: due on day 5 + 20 + 30 = day 55.
  const day0 = clock.now().getTime();
  const at = (d: number) => new Date(day0 + d * DAY).toISOString();
  await seed('PAUSED-RESUMED', PATH.invited);
  await seed('INVITED-IN-PAUSE', []);
  clock.advance(5 * DAY);
  await reminders.reminders.pause('INVITED-IN-PAUSE', new Date(day0 + 25 * DAY), 'office closed', 'test');
  await server.runtime.engine.apply('INVITED-IN-PAUSE', PATH.invited[0]!, { actor: 'test' });
  clock.advance(5 * DAY);
  await reminders.reminders.pause('PAUSED-RESUMED', new Date(day0 + 40 * DAY), 'holidays', 'test');
  const live = new Map<number, string[]>();
  for (let d = 10; d <= 60; d++) {
    if (d === 25) {
      await reminders.reminders.resume('PAUSED-RESUMED', 'test');
      await runSchedulerPass(server.runtime.engine, reminders.reminders, clock.now());
    }
    live.set(d, (await stalledNow()).filter((id) => id === 'PAUSED-RESUMED' || id === 'INVITED-IN-PAUSE'));
    clock.advance(DAY);
  }
  // The live clocks as the test expects them (so the comparison below compares something).
  expect(live.get(44)).toEqual([]);
  expect(live.get(46)).toEqual(['PAUSED-RESUMED']);
  expect(live.get(54)).toEqual(['PAUSED-RESUMED']);
  expect(live.get(56)?.sort()).toEqual(['INVITED-IN-PAUSE', 'PAUSED-RESUMED']);
  for (const [d, ids] of live) {
    const past = await stalledAsOf(at(d));
    expect({ day: d, stalled: ['PAUSED-RESUMED', 'INVITED-IN-PAUSE'].filter((id) => past.has(id)).sort() }).toEqual({ day: d, stalled: [...ids].sort() });
  }
});
