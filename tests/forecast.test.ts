import path from 'node:path';
import { loadHistory } from '../analytics/episodes';
import { openRuntime, type Runtime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import { backtest } from '../forecast/backtest';
import { forecast } from '../forecast/forecast';
import { fitModel, outcomes, stayOf } from '../forecast/model';
import { DAY, loadGenerated, RATES } from './fixtures/forecast-generator';
import { makeTempDir, removeTempDir, testConfig } from './helpers/server';

/** The forecast on generated programmes whose rates are known. */
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
let dir: string;
let runtime: Runtime;

beforeAll(async () => {
  dir = makeTempDir();
  runtime = await openRuntime(testConfig(path.join(dir, 'forecast.db')), { clock: fixedClock(new Date(NOW)) });
  await loadGenerated(runtime, 900, NOW, 4);
}, 300_000);
afterAll(() => {
  runtime.close();
  removeTempDir(dir);
});

const near = (actual: number, expected: number, tolerance: number) => ({ actual: Math.round(actual * 1000) / 1000, ok: Math.abs(actual - expected) <= tolerance });

test('the model recovers the chances and the typical stays it was generated with', async () => {
  const model = fitModel(await loadHistory(runtime.storage.history), NOW);
  const invited = outcomes(stayOf(model, 'kit', 'invited')!);
  // An exponential stay's median is ln 2 times its mean.
  expect(near(invited.median! / DAY, RATES.invitedDays * Math.LN2, 4)).toMatchObject({ ok: true });
  expect(near(invited.next.declined!, RATES.declineChance, 0.05)).toMatchObject({ ok: true });
  expect(near(invited.next.withdrawn ?? 0, RATES.withdrawChance, 0.02)).toMatchObject({ ok: true });
  const siteWork = outcomes(stayOf(model, 'kit', 'preparing.site.inProgress')!);
  expect(near(siteWork.next['preparing.site.blocked']!, RATES.difficultyChance, 0.05)).toMatchObject({ ok: true });
  expect(near(siteWork.median! / DAY, RATES.siteWorkDays * Math.LN2, 6)).toMatchObject({ ok: true });
  // Half of the declined offices never reopen: the tail beyond every observed stay holds about half.
  const declined = outcomes(stayOf(model, 'kit', 'declined')!);
  expect(near(declined.beyond, 1 - RATES.reopenChance, 0.15)).toMatchObject({ ok: true });
  const enrolled = outcomes(stayOf(model, 'kit', 'preparing.training.enrolled')!);
  expect(near(enrolled.next['preparing.training.nominated']!, RATES.noShowChance, 0.05)).toMatchObject({ ok: true });
});

test('the same inputs give the same forecast; another seed a different one', async () => {
  const history = await loadHistory(runtime.storage.history);
  const options = { asOf: NOW, deadline: NOW + 180 * DAY, runs: 1000, seed: 5, scenario: {} };
  const a = forecast(history, options);
  const b = forecast(history, options);
  expect(b.programme).toEqual(a.programme);
  expect(b.offices.map((o) => o.probability)).toEqual(a.offices.map((o) => o.probability));
  const c = forecast(history, { ...options, seed: 6 });
  expect(c.offices.map((o) => o.probability)).not.toEqual(a.offices.map((o) => o.probability));
  expect(a.runs).toBe(1000);
  const { installedOrConnected: ic } = a.programme;
  expect(ic.low).toBeLessThanOrEqual(ic.expected);
  expect(ic.expected).toBeLessThanOrEqual(ic.high);
  expect(ic.low).toBeGreaterThanOrEqual(a.programme.doneBefore);
});

test('futures that share the tails after whole-office entries agree with futures simulated whole', async () => {
  const history = await loadHistory(runtime.storage.history);
  const options = { asOf: NOW, deadline: NOW + 240 * DAY, runs: 2000, seed: 11, scenario: {} };
  const shared = forecast(history, options);
  const whole = forecast(history, { ...options, shareTails: false });
  const byOffice = new Map(whole.offices.map((o) => [o.officeId, o.probability]));
  const gaps = shared.offices.map((o) => Math.abs(o.probability - byOffice.get(o.officeId)!));
  // Two independent estimates of each chance from 2,000 runs differ by 0.016 at most on average.
  expect(gaps.reduce((a, b) => a + b, 0) / gaps.length).toBeLessThan(0.03);
  const a = shared.programme.installedOrConnected;
  const b = whole.programme.installedOrConnected;
  expect(Math.abs(a.expected - b.expected)).toBeLessThan(0.05 * (b.expected - whole.programme.doneBefore) + 2);
  // Where the time goes is a mode over the runs: close calls can go either way, most must agree.
  const longest = new Map(whole.offices.map((o) => [o.officeId, o.longest]));
  const agree = shared.offices.filter((o) => o.longest === longest.get(o.officeId)).length / shared.offices.length;
  expect(agree).toBeGreaterThan(0.8);
}, 300_000);

test('scenarios: faster site surveys and an earlier Gold Disk raise the outcome, never lower it', async () => {
  const history = await loadHistory(runtime.storage.history);
  const base = { asOf: NOW, deadline: NOW + 120 * DAY, runs: 1000, seed: 5 };
  const baseline = forecast(history, { ...base, scenario: {} }).programme.installedOrConnected.expected;
  const faster = forecast(history, { ...base, scenario: { speedup: { preparing: 0.25, deployment: 0.25 } } }).programme.installedOrConnected.expected;
  expect(faster).toBeGreaterThan(baseline);
  const held = forecast(history, { ...base, scenario: { goldDisk: NOW + DAY } }).programme.installedOrConnected.expected;
  expect(held).toBeGreaterThanOrEqual(baseline - 1);
});

test('backtest on 90-day windows: the 80% interval holds the actual count 70–90% of the time, and the office probabilities beat the base rate', async () => {
  const result = backtest(await loadHistory(runtime.storage.history), { from: NOW - 900 * DAY, to: NOW, stepDays: 21, windowDays: 90, runs: 1000, seed: 3 });
  console.log(`forecast backtest: ${result.points.length} as-of dates, coverage ${result.coverage.toFixed(3)}, Brier ${result.brier.toFixed(4)} vs base rate ${result.baseRateBrier.toFixed(4)} (base rate ${result.baseRate.toFixed(3)}, ${result.officesScored} office forecasts)`);
  expect(result.points.length).toBeGreaterThanOrEqual(35);
  expect(result.coverage).toBeGreaterThanOrEqual(0.7);
  expect(result.coverage).toBeLessThanOrEqual(0.9);
  expect(result.brier).toBeLessThan(result.baseRateBrier);
}, 600_000);
