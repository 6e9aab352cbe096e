import type { Command } from 'commander';
import type { Runtime, RuntimeOptions } from '../app/runtime';
import { loadHistory } from '../analytics/episodes';
import { backtest } from '../forecast/backtest';

const DAY = 86_400_000;

function day(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`--${name} must be a date YYYY-MM-DD (got ${JSON.stringify(value)})`);
  return ms;
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number (got ${JSON.stringify(value)})`);
  return n;
}

/**
 * `forecast-backtest`: forecasts from many past dates, each from the history before it only, and
 * compares with what the history then shows (forecast/backtest.ts).
 */
export function registerForecastBacktestCommand(program: Command, open: (opts?: RuntimeOptions) => Promise<Runtime>): void {
  program
    .command('forecast-backtest')
    .description('Forecast the next --window days from past dates and compare with the history: 80% interval coverage and Brier score.')
    .option('--from <date>', 'first as-of date (default: a year after the first history row)')
    .option('--to <date>', 'the history used as what happened ends here (default: the last history row)')
    .option('--step <days>', 'days between as-of dates', '30')
    .option('--window <days>', 'days forecast from each as-of date', '90')
    .option('--runs <n>', 'Monte Carlo runs per forecast (at least 1000)', '1000')
    .option('--seed <n>', 'seed', '1')
    .option('--json', 'print JSON')
    .action(async (opts: { from?: string; to?: string; step: string; window: string; runs: string; seed: string; json?: boolean }) => {
      const runs = positive(opts.runs, 'runs');
      if (runs < 1000) throw new Error('--runs must be at least 1000');
      const runtime = await open();
      try {
        const history = await loadHistory(runtime.storage.history);
        if (Number.isNaN(history.firstAt)) throw new Error('The history is empty: nothing to backtest.');
        const to = day(opts.to, 'to') ?? history.lastAt;
        const from = day(opts.from, 'from') ?? history.firstAt + 365 * DAY;
        const result = backtest(history, { from, to, stepDays: positive(opts.step, 'step'), windowDays: positive(opts.window, 'window'), runs, seed: Number(opts.seed) || 0 });
        if (opts.json) return console.log(JSON.stringify(result, null, 2));
        console.log(`${result.points.length} as-of dates, ${opts.window}-day windows, ${runs} runs each`);
        for (const p of result.points) console.log(`  ${p.asOf.slice(0, 10)}  80% interval ${p.low}–${p.high} (expected ${p.expected})  actual ${p.actual}${p.inside ? '' : '  outside'}`);
        console.log(`80% interval coverage: ${(100 * result.coverage).toFixed(1)}% (target 70–90%)`);
        console.log(`Brier score: ${result.brier.toFixed(4)} over ${result.officesScored} office forecasts; base rate ${result.baseRate.toFixed(3)} scores ${result.baseRateBrier.toFixed(4)}${result.brier < result.baseRateBrier ? ' (forecast better)' : ' (forecast NOT better)'}`);
      } finally {
        runtime.close();
      }
    });
}
