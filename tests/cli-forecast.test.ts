import { openRuntime } from '../app/runtime';
import { loadDemoData } from '../demo/load';
import { fixedClock } from '../engine/clock';
import { freshCliDatabase, testConfig, type CliDatabase } from './helpers/server';

/** `npm run cli -- forecast-backtest` on the demo programme (on PostgreSQL too, in the jest project "postgres"). */
let db: CliDatabase;

beforeAll(async () => {
  db = await freshCliDatabase();
  const runtime = await openRuntime(testConfig(db.dbPath, db.config), { clock: fixedClock('2026-06-30T09:00:00.000Z') });
  await loadDemoData(runtime);
  runtime.close();
}, 120_000);
afterAll(() => db?.drop());

test('prints each as-of date, the interval coverage and the Brier scores; --json gives the same figures', async () => {
  const args = ['forecast-backtest', '--from', '2025-09-01', '--to', '2026-06-30', '--step', '90'];
  const text = await db.cli(args);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^3 as-of dates, 90-day windows, 1000 runs each$/m);
  expect(text.stdout).toMatch(/^ {2}2025-09-01 {2}80% interval \d+–\d+ \(expected [\d.]+\) {2}actual \d+/m);
  const json = await db.cli([...args, '--json']);
  const result = JSON.parse(json.stdout) as { points: unknown[]; coverage: number; brier: number; baseRateBrier: number };
  expect(result.points).toHaveLength(3);
  expect(text.stdout).toContain(`80% interval coverage: ${(100 * result.coverage).toFixed(1)}%`);
  expect(text.stdout).toContain(`Brier score: ${result.brier.toFixed(4)}`);
}, 300_000);

test('fewer than 1,000 runs or a bad date is refused', async () => {
  const runs = await db.cli(['forecast-backtest', '--runs', '100']);
  expect(runs.code).not.toBe(0);
  expect(runs.stderr).toContain('--runs must be at least 1000');
  const date = await db.cli(['forecast-backtest', '--from', 'yesterday']);
  expect(date.code).not.toBe(0);
  expect(date.stderr).toContain('--from must be a date YYYY-MM-DD');
});
