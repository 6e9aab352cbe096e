/**
 * Issue 16 §5: the analytics and forecast routes on the scale benchmark's data set (bench/generate.ts,
 * reused from data/bench when already generated). First the parts in process: the cold load of every
 * stay, each figure, the forecast's fit and simulation, and the load after one transition. Then over
 * HTTP against a real server, with a transition (a new office sent the circular, through the engine)
 * before every request, so every request finds the history changed as in real use. The forecast is
 * asked with a new seed each time, so no answer is reused.
 *
 *   npm run bench -- --only analytics [--scale-offices 100000] [--no-forecast]
 *
 * --no-forecast leaves out the forecast (a few minutes at 100,000 offices).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { computeDurations } from '../analytics/durations';
import { loadHistory } from '../analytics/episodes';
import { computeFlow } from '../analytics/flow';
import { computeFunnel } from '../analytics/funnel';
import { computeSla } from '../analytics/sla';
import { computeSlowest } from '../analytics/slowest';
import { fitModel } from '../forecast/model';
import { runForecast } from '../forecast/service';
import { scopeOf } from '../server/api/analytics-query';
import { forecastQuery, forecastRequest } from '../server/api/forecast';
import { fixedClock } from '../engine/clock';
import { createApp } from '../server/app';
import { ensureGenerated } from './generate';
import { benchConfig, BENCH_TOKEN, copyDb, latencyStats, removeDb, round } from './lib';
import type { BenchArgs, BenchResult } from './result';

const READS: { name: string; path: (k: number) => string; target: number; samples: number; forecast?: boolean }[] = [
  { name: 'api_analytics_durations', path: () => '/api/analytics/durations', target: 500, samples: 20 },
  { name: 'api_analytics_funnel', path: () => '/api/analytics/funnel', target: 500, samples: 20 },
  { name: 'api_analytics_flow_week', path: () => '/api/analytics/flow?interval=week', target: 500, samples: 20 },
  { name: 'api_analytics_sla', path: () => '/api/analytics/sla', target: 500, samples: 20 },
  { name: 'api_analytics_slowest', path: () => '/api/analytics/slowest', target: 500, samples: 20 },
  { name: 'page_analytics', path: () => '/analytics', target: 500, samples: 20 },
  { name: 'api_forecast_programme', forecast: true, path: (k) => `/api/forecast?seed=${k + 1}&offices=none`, target: 2000, samples: 4 },
  // The office list ranked by push: the push simulations cost about as much again; no target of its own.
  { name: 'api_forecast', forecast: true, path: (k) => `/api/forecast?seed=${k + 1}&limit=20`, target: Infinity, samples: 2 },
];

const ACTOR = 'bench@analytics';

const TRANSITIONS = 200;

/** Offices registered before any timing, each to be sent the circular once: one transition each. */
async function registerOffices(runtime: Runtime): Promise<void> {
  for (let k = 0; k < TRANSITIONS; k++) {
    await runtime.engine.register(
      { id: `BENCH-A${k}`, name: `Bench Analytics Office ${k}`, country: 'FR', language: 'fr', track: 'kit', contacts: [{ name: `Director ${k}`, email: `director${k}@bench.example.org` }] },
      { actor: ACTOR },
    );
  }
}

/** One transition through the engine (an existing office sent the circular), as between page views. */
async function transition(runtime: Runtime, k: number): Promise<void> {
  if (k >= TRANSITIONS) throw new Error(`only ${TRANSITIONS} offices were registered for transitions`);
  await runtime.engine.apply(`BENCH-A${k}`, { type: 'SEND_CIRCULAR', letterRef: `C.B${k}` }, { actor: ACTOR });
}

async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

/** Each part of an analytics answer on its own, in process. */
async function parts(runtime: Runtime, log: (m: string) => void, withForecast: boolean): Promise<BenchResult[]> {
  const reader = runtime.storage.history;
  const now = runtime.engine.clock.now();
  const scope = scopeOf({}, now);
  const out: BenchResult[] = [];
  await registerOffices(runtime);
  const note = (name: string, ms: number, what: string) => {
    log(`analytics: ${name} ${round(ms, 1)} ms`);
    out.push({ name: `analytics.part.${name}`, value: round(ms, 1), unit: 'ms', note: what });
  };
  const [history, cold] = await timed(() => loadHistory(reader));
  note('load_cold', cold, `every stay built from the history: ${history.leaves.length.toLocaleString('en-US')} leaf stays, ${history.stages.length.toLocaleString('en-US')} stage stays`);
  const [, version] = await timed(() => reader.version());
  note('version', version, 'HistoryReader.version(), asked on every request');
  await transition(runtime, TRANSITIONS - 1);
  const [, warm] = await timed(() => loadHistory(reader));
  note('load_after_transition', warm, 'after one transition: the rows appended since read and the stays extended');
  const h = await loadHistory(reader);
  const policies = runtime.reminders.policies;
  note('durations', (await timed(() => computeDurations(h, scope)))[1], 'computeDurations, default period');
  note('funnel', (await timed(() => computeFunnel(h, scope)))[1], 'computeFunnel');
  note('flow_week', (await timed(() => computeFlow(h, scope, 'week')))[1], 'computeFlow, weekly');
  note('sla', (await timed(() => computeSla(h, scope, policies)))[1], 'computeSla');
  note('slowest', (await timed(() => computeSlowest(h, scope, policies, 10)))[1], 'computeSlowest');
  if (!withForecast) return out;
  note('forecast_fit', (await timed(() => fitModel(h, now.getTime())))[1], 'fitModel (once per history version and instant)');
  const request = forecastRequest(forecastQuery.parse({ seed: '7' }), now, runtime.config.PROGRAMME_DEADLINE);
  note('forecast_total', (await timed(() => runForecast(reader, request)))[1], `runForecast: fit, simulation of ${request.runs} runs and the view`);
  return out;
}

export async function run(args: BenchArgs): Promise<BenchResult[]> {
  const count = args.scaleOffices;
  const cached = path.join(args.dir, `scale-${count}.db`);
  const { sidecar } = await ensureGenerated(cached, count, false, (m) => args.log(`analytics: ${m}`));
  const file = path.join(args.dir, `analytics-${count}-run.db`);
  copyDb(cached, file);
  const runtime = await openRuntime(benchConfig(file, 'NORMAL', { ADMIN_TOKEN: BENCH_TOKEN }), { clock: fixedClock(sidecar.now) });
  const { app } = createApp(runtime);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (p: string) => {
    const res = await fetch(base + p, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}: ${body.slice(0, 200)}`);
  };
  const results: BenchResult[] = [];
  let k = 0;
  const withForecast = !args.rest.includes('--no-forecast');
  try {
    results.push(...(await parts(runtime, args.log, withForecast)));
    for (const read of READS.filter((r) => !r.forecast || withForecast)) {
      await get(read.path(1000));
      const samples: number[] = [];
      for (let i = 0; i < read.samples; i++) {
        await transition(runtime, k++);
        const s = performance.now();
        await get(read.path(i));
        samples.push(performance.now() - s);
      }
      const stats = latencyStats(samples);
      args.log(`analytics: ${read.name} p50 ${round(stats.p50, 1)} ms, p95 ${round(stats.p95, 1)} ms`);
      results.push({
        name: `analytics.${read.name}_p95`,
        value: round(stats.p95, 1),
        unit: 'ms',
        note: `GET ${read.path(0)}, ${read.samples} requests each after a transition, p50 ${round(stats.p50, 1)} ms${Number.isFinite(read.target) ? `; target < ${read.target} ms${stats.p95 < read.target ? '' : ' MISSED'}` : ''}`,
      });
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    runtime.close();
    if (!args.keep) removeDb(file);
  }
  return results;
}
