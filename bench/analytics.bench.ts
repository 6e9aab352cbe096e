/**
 * Issue 16 §5: the analytics and forecast routes on the scale benchmark's data set (bench/generate.ts,
 * reused from data/bench when already generated). The first request rebuilds every stay from the
 * history (cold); the stays are then kept until the history changes, so the repeated requests show
 * what a page view costs. The forecast is asked with a new seed each time, so no answer is reused.
 *
 *   npm run bench -- --only analytics [--scale-offices 100000]
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { openRuntime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import { createApp } from '../server/app';
import { ensureGenerated } from './generate';
import { benchConfig, BENCH_TOKEN, copyDb, latencyStats, removeDb, round } from './lib';
import type { BenchArgs, BenchResult } from './result';

const READS: { name: string; path: (k: number) => string; target: number; samples: number }[] = [
  { name: 'api_analytics_durations', path: () => '/api/analytics/durations', target: 500, samples: 20 },
  { name: 'api_analytics_funnel', path: () => '/api/analytics/funnel', target: 500, samples: 20 },
  { name: 'api_analytics_flow_week', path: () => '/api/analytics/flow?interval=week', target: 500, samples: 20 },
  { name: 'api_analytics_sla', path: () => '/api/analytics/sla', target: 500, samples: 20 },
  { name: 'api_analytics_slowest', path: () => '/api/analytics/slowest', target: 500, samples: 20 },
  { name: 'page_analytics', path: () => '/analytics', target: 500, samples: 20 },
  { name: 'api_forecast', path: (k) => `/api/forecast?seed=${k + 1}&limit=20`, target: 2000, samples: 5 },
];

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
  try {
    const t = performance.now();
    await get('/api/analytics/durations');
    const cold = performance.now() - t;
    args.log(`analytics: first request (stays rebuilt from ${sidecar.events + sidecar.offices} history rows) ${round(cold)} ms`);
    results.push({ name: 'analytics.cold_first_request', value: round(cold), unit: 'ms', note: `${count.toLocaleString('en-US')} offices: every stay rebuilt from the history, once per history change` });
    for (const read of READS) {
      await get(read.path(1000));
      const samples: number[] = [];
      for (let k = 0; k < read.samples; k++) {
        const s = performance.now();
        await get(read.path(k));
        samples.push(performance.now() - s);
      }
      const stats = latencyStats(samples);
      args.log(`analytics: ${read.name} p50 ${round(stats.p50, 1)} ms, p95 ${round(stats.p95, 1)} ms`);
      results.push({
        name: `analytics.${read.name}_p95`,
        value: round(stats.p95, 1),
        unit: 'ms',
        note: `GET ${read.path(0)}, ${read.samples} requests, p50 ${round(stats.p50, 1)} ms; target < ${read.target} ms${stats.p95 < read.target ? '' : ' MISSED'}`,
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
