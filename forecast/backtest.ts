import type { History } from '../analytics/episodes';
import { forecast, officesAt } from './forecast';

/**
 * The forecast checked against what happened: for as-of instants every `stepDays` from `from` to
 * `to`, forecast the offices installed or connected `windowDays` later from the history before the
 * as-of instant only, then read the history for what happened. Reports how often the programme's
 * 80% interval held the actual count (target 70–90%), and the Brier score of the per-office
 * probabilities against that of always answering the base rate (the share of open offices that were
 * done within the window, over all as-of instants: a forecaster that knew it in advance).
 */
export interface BacktestOptions {
  from: number;
  to: number;
  stepDays: number;
  windowDays: number;
  runs: number;
  seed: number;
}

export interface BacktestPoint {
  asOf: string;
  deadline: string;
  low: number;
  expected: number;
  high: number;
  actual: number;
  inside: boolean;
}

export interface BacktestResult {
  points: BacktestPoint[];
  coverage: number;
  officesScored: number;
  brier: number;
  baseRate: number;
  baseRateBrier: number;
}

const DAY = 86_400_000;

export function backtest(history: History, options: BacktestOptions): BacktestResult {
  // First instant each office was installed or connected, from the whole history.
  const firstDone = new Map<number, number>();
  for (const e of history.leaves) {
    if (e.state !== 'installed' && e.state !== 'connected') continue;
    if (e.entered < (firstDone.get(e.office) ?? Infinity)) firstDone.set(e.office, e.entered);
  }
  const points: BacktestPoint[] = [];
  const scored: { p: number; y: number }[] = [];
  for (let asOf = options.from; asOf + options.windowDays * DAY <= options.to; asOf += options.stepDays * DAY) {
    const deadline = asOf + options.windowDays * DAY;
    const f = forecast(history, { asOf, deadline, runs: options.runs, seed: options.seed, scenario: {}, horizon: deadline });
    const present = officesAt(history, asOf).filter((o) => o.leaves.length > 0);
    const actual = present.filter((o) => (firstDone.get(o.index) ?? Infinity) < deadline).length;
    const { low, high, expected } = f.programme.installedOrConnected;
    points.push({ asOf: new Date(asOf).toISOString(), deadline: new Date(deadline).toISOString(), low, expected: Math.round(expected * 10) / 10, high, actual, inside: actual >= low && actual <= high });
    for (const o of f.offices) scored.push({ p: o.probability, y: (firstDone.get(o.index) ?? Infinity) < deadline ? 1 : 0 });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const baseRate = mean(scored.map((s) => s.y));
  return {
    points,
    coverage: mean(points.map((p) => (p.inside ? 1 : 0))),
    officesScored: scored.length,
    brier: mean(scored.map((s) => (s.p - s.y) ** 2)),
    baseRate,
    baseRateBrier: mean(scored.map((s) => (baseRate - s.y) ** 2)),
  };
}
