/**
 * The demo programme that `npm start` loads into an empty database and `npm run demo` loads on
 * request: realistic in size, spread over every stage of the machine, and a history that replays.
 */
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { loadDemoData } from '../demo/load';
import { fixedClock } from '../engine/clock';
import { currentFigures, figuresAsOf } from '../engine/figures';
import { runSchedulerPass } from '../reminders/scheduler';
import { verify } from '../engine/verify';
import { computeProgressReport } from '../programme/report/progress';
import { describeMachine } from '../machines/describe';
import type { OfficeRecord } from '../storage/types';
import { makeTempDir, removeTempDir, testConfig } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

/** The machine's own top-level states, so a stage added to the chart is expected in the demo too. */
const STAGES: string[] = describeMachine().root.states.map((s) => s.key);

let dir: string;
let runtime: Runtime;
let loaded: Awaited<ReturnType<typeof loadDemoData>>;
let offices: OfficeRecord[];
/** Any day will do: the demo is dated from its clock. */
const NOW = new Date('2026-07-01T00:00:00.000Z');
const DAY = 86_400_000;

beforeAll(async () => {
  dir = makeTempDir('onboarding-demo-');
  // As server/main.ts does on a fresh database: open the runtime, then load the demo into it.
  runtime = await openRuntime(testConfig(path.join(dir, 'demo.db')), { clock: fixedClock(NOW) });
  loaded = await loadDemoData(runtime);
  offices = (await runtime.store.listOffices({ limit: 10_000 })).offices;
});

afterAll(() => {
  runtime?.close();
  removeTempDir(dir);
});

test('an empty database gets the demo, every office stored', async () => {
  expect(loaded).not.toBeNull();
  expect(offices).toHaveLength(loaded!.offices);
  expect((await runtime.store.listOffices({ limit: 1 })).total).toBe(loaded!.offices);
});

test('about 180 offices (170 to 190)', () => {
  expect(offices.length).toBeGreaterThanOrEqual(170);
  expect(offices.length).toBeLessThanOrEqual(190);
});

test('about 110 countries (100 to 120)', () => {
  const countries = new Set(offices.map((o) => o.country));
  expect(countries.size).toBeGreaterThanOrEqual(100);
  expect(countries.size).toBeLessThanOrEqual(120);
});

test.each(STAGES)('at least one office is in the top-level state %s', (stage) => {
  expect(offices.filter((o) => o.stage === stage).length).toBeGreaterThanOrEqual(1);
});

test('a withdrawn office withdrew last, and its reason is kept', async () => {
  const withdrawn = offices.filter((o) => o.stage === 'withdrawn');
  expect(withdrawn.length).toBeGreaterThanOrEqual(1);
  for (const office of withdrawn) {
    const last = (await runtime.store.history(office.id)).at(-1)!;
    expect(last.type).toBe('WITHDRAWN');
    expect(typeof last.payload.reason).toBe('string');
    expect(office.snapshot.context.reason).toBe(last.payload.reason);
  }
});

test('some declined offices were invited again (REOPEN)', async () => {
  const reopened = [];
  for (const o of offices) if ((await runtime.store.history(o.id)).some((e) => e.type === 'REOPEN')) reopened.push(o);
  expect(reopened.length).toBeGreaterThanOrEqual(1);
});

test('verify replays every office and finds no difference', async () => {
  const report = await verify(runtime.store);
  expect(report.differences).toEqual([]);
  expect(report.offices).toBe(offices.length);
  expect(report.events).toBe(loaded!.events);
});

test('a programme in progress today: histories up to now, about a fifth of the offices stalled, by weeks not years', async () => {
  const events = (await Promise.all(offices.map((o) => runtime.store.history(o.id)))).flat();
  const latest = Math.max(...events.map((e) => Date.parse(e.at)));
  expect(latest).toBeLessThan(NOW.getTime());
  expect(latest).toBeGreaterThan(NOW.getTime() - 14 * DAY);
  const figures = await currentFigures(runtime.storage.figures, NOW);
  expect(figures.stalled / offices.length).toBeGreaterThanOrEqual(0.12);
  expect(figures.stalled / offices.length).toBeLessThanOrEqual(0.3);
  expect(figures.stuck).toBeGreaterThanOrEqual(1);
  expect(figures.stuck).toBeLessThan(figures.stalled);
  const overdue = sqliteDb(runtime)
    .prepare<[string], { days: number }>('SELECT max(julianday(?) - julianday(deadline)) AS days FROM sla_clocks')
    .get(NOW.toISOString())!.days;
  expect(overdue).toBeGreaterThan(0);
  expect(overdue).toBeLessThan(200);
});

test('every workshop and Gold Disk version an office cites is in the programme', async () => {
  const workshops = new Set((await runtime.programme.listWorkshops()).map((w) => w.id));
  const disks = new Set((await runtime.programme.listGoldDisks()).map((d) => d.version));
  expect((await runtime.programme.listWorkshops()).some((w) => w.status === 'planned' && w.start > NOW.toISOString())).toBe(true);
  expect(await runtime.programme.currentGoldDisk()).toBe('2.0');
  const events = (await Promise.all(offices.map((o) => runtime.store.history(o.id)))).flat();
  const cited = events.filter((e) => e.type === 'ENROLLED').map((e) => e.payload.workshopId as string);
  expect(cited.length).toBeGreaterThan(20);
  expect(cited.filter((id) => !workshops.has(id))).toEqual([]);
  const shipped = events.filter((e) => e.type === 'KIT_SHIPPED' || e.type === 'GOLD_DISK_RELEASED');
  expect(shipped.length).toBeGreaterThan(10);
  for (const e of shipped) {
    const version = (e.payload.goldDiskVersion ?? e.payload.version) as string;
    expect(disks.has(version)).toBe(true);
    // Released before it was shipped or announced.
    expect((await runtime.programme.getGoldDisk(version))!.releasedAt <= e.at).toBe(true);
  }
});

test('reminders already sent are history: the first scheduler pass at now queues a handful of messages', async () => {
  const sent = sqliteDb(runtime).prepare("SELECT count(*) AS n FROM outbox WHERE status = 'sent'").pluck().get() as number;
  expect(sent).toBeGreaterThan(100);
  const escalated = sqliteDb(runtime).prepare('SELECT count(*) AS n FROM sla_clocks WHERE escalated_at IS NOT NULL').pluck().get() as number;
  expect(escalated).toBeGreaterThanOrEqual(1);
  const pass = await runSchedulerPass(runtime.engine, runtime.reminders.reminders, NOW);
  const queued = sqliteDb(runtime).prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").pluck().get() as number;
  // Measured on this demo: 5 fired, 8 queued in all (with the 3 held for business hours).
  expect(pass.fired).toBeLessThanOrEqual(10);
  expect(queued).toBeGreaterThanOrEqual(1);
  expect(queued).toBeLessThanOrEqual(12);
});

test('the figures from the history as of now are the live ones, and the report agrees with itself', async () => {
  const end = NOW.toISOString();
  expect((await figuresAsOf(runtime.storage.figures, end, runtime.reminders.policies)).figures).toEqual(await currentFigures(runtime.storage.figures, NOW));
  const report = await computeProgressReport(runtime.storage, NOW, { to: '2026-06-30', policies: runtime.reminders.policies });
  expect(report.figures).toEqual(await currentFigures(runtime.storage.figures, NOW));
  expect(report.installationsByQuarter.reduce((n, q) => n + q.installed, 0)).toBe(report.installedTotal);
  expect(report.installedTotal).toBe(report.figures.installed);
  expect(report.connectedTotal).toBeGreaterThan(0);
});

test('a database that holds offices gets nothing more', async () => {
  expect(await loadDemoData(runtime)).toBeNull();
  expect((await runtime.store.listOffices({ limit: 1 })).total).toBe(offices.length);
});
