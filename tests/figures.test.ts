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
