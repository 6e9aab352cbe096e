/**
 * The demo programme that `npm start` loads into an empty database and `npm run demo` loads on
 * request: realistic in size, spread over every stage of the machine, and a history that replays.
 */
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { loadDemoData } from '../demo/load';
import { verify } from '../engine/verify';
import { describeMachine } from '../machines/describe';
import type { OfficeRecord } from '../storage/types';
import { makeTempDir, removeTempDir, testConfig } from './helpers/server';

/** The machine's own top-level states, so a stage added to the chart is expected in the demo too. */
const STAGES: string[] = describeMachine().root.states.map((s) => s.key);

let dir: string;
let runtime: Runtime;
let loaded: { offices: number; events: number } | null;
let offices: OfficeRecord[];

beforeAll(() => {
  dir = makeTempDir('onboarding-demo-');
  // As server/main.ts does on a fresh database: open the runtime, then load the demo into it.
  runtime = openRuntime(testConfig(path.join(dir, 'demo.db')));
  loaded = loadDemoData(runtime);
  offices = runtime.store.listOffices({ limit: 10_000 }).offices;
});

afterAll(() => {
  runtime?.close();
  removeTempDir(dir);
});

test('an empty database gets the demo, every office stored', () => {
  expect(loaded).not.toBeNull();
  expect(offices).toHaveLength(loaded!.offices);
  expect(runtime.store.listOffices({ limit: 1 }).total).toBe(loaded!.offices);
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

test('a withdrawn office withdrew last, and its reason is kept', () => {
  const withdrawn = offices.filter((o) => o.stage === 'withdrawn');
  expect(withdrawn.length).toBeGreaterThanOrEqual(1);
  for (const office of withdrawn) {
    const last = runtime.store.history(office.id).at(-1)!;
    expect(last.type).toBe('WITHDRAWN');
    expect(typeof last.payload.reason).toBe('string');
    expect(office.snapshot.context.reason).toBe(last.payload.reason);
  }
});

test('some declined offices were invited again (REOPEN)', () => {
  const reopened = offices.filter((o) => runtime.store.history(o.id).some((e) => e.type === 'REOPEN'));
  expect(reopened.length).toBeGreaterThanOrEqual(1);
});

test('verify replays every office and finds no difference', () => {
  const report = verify(runtime.store);
  expect(report.differences).toEqual([]);
  expect(report.offices).toBe(offices.length);
  expect(report.events).toBe(loaded!.events);
});

test('a database that holds offices gets nothing more', () => {
  expect(loadDemoData(runtime)).toBeNull();
  expect(runtime.store.listOffices({ limit: 1 }).total).toBe(offices.length);
});
