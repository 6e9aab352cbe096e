/**
 * Issue 7 §2: a programme of many offices with realistic histories (bench/generate.ts). Measures
 * the load (import) time, JSON Lines import throughput, start-up (in-process and the real server,
 * with the snapshot compatibility check), read latencies of the API and the dashboard pages, and
 * the server's RSS against an empty server's. 10,000 offices by default; `--scale` for 100,000.
 *
 * The generated database is kept in the scratch folder (with a sidecar .json naming the generator
 * and migrations it was made with) and reused by later runs; `--regenerate` forces a new one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openRuntime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import { findIncompatibleSnapshots } from '../engine/compatibility';
import { importJsonLines } from '../engine/import';
import { ensureGenerated, toJsonLines } from './generate';
import {
  benchConfig,
  copyDb,
  httpAgent,
  latencyStats,
  procMemory,
  removeDb,
  request,
  round,
  startServer,
  toMB,
  type ChildServer,
} from './lib';
import type { BenchArgs, BenchResult } from './result';

/** What a read costs: the JSON API calls with a 50 ms target, the pages with 200 ms. */
const READS: { name: string; path: string; target: number }[] = [
  { name: 'api_stats', path: '/api/stats', target: 50 },
  { name: 'api_stuck', path: '/api/stuck', target: 50 },
  { name: 'api_offices_limit50', path: '/api/offices?limit=50', target: 50 },
  { name: 'page_offices', path: '/offices', target: 200 },
  { name: 'page_stuck', path: '/stuck', target: 200 },
  { name: 'page_overview', path: '/', target: 200 },
];
const SAMPLES = 30;

/** Env for the child servers: no background scheduler or delivery during the measurement. */
function serverEnv(dir: string): Record<string, string> {
  return { SCHEDULER_INTERVAL_MS: '86400000', DISPATCH_INTERVAL_MS: '86400000', OUTBOX_DIR: path.join(dir, 'outbox') };
}

/**
 * Waits until the server answers /healthz quickly five times in a row: at start the scheduler runs a
 * catch-up pass over every timer already due (in batches, yielding between them), and the reads are
 * measured once that is done. Returns how long that took.
 */
async function waitQuiet(server: ChildServer, limitMs = 300_000): Promise<number> {
  const agent = httpAgent(1);
  const started = performance.now();
  try {
    let quick = 0;
    while (quick < 5 && performance.now() - started < limitMs) {
      const t = performance.now();
      await request(agent, server.port, 'GET', '/healthz');
      quick = performance.now() - t < 5 ? quick + 1 : 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    agent.destroy();
  }
  return performance.now() - started;
}

async function measureReads(server: ChildServer, log: (m: string) => void): Promise<Map<string, { status: number; stats: ReturnType<typeof latencyStats> }>> {
  const agent = httpAgent(1);
  const out = new Map<string, { status: number; stats: ReturnType<typeof latencyStats> }>();
  try {
    for (const read of READS) {
      let status = 0;
      for (let k = 0; k < 3; k++) status = (await request(agent, server.port, 'GET', read.path)).status;
      const samples: number[] = [];
      for (let k = 0; k < SAMPLES; k++) {
        const t = performance.now();
        const res = await request(agent, server.port, 'GET', read.path);
        samples.push(performance.now() - t);
        status = res.status;
      }
      const stats = latencyStats(samples);
      out.set(read.name, { status, stats });
      log(`  GET ${read.path}: HTTP ${status}, p50 ${stats.p50.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms`);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

/** The real server (shipped settings: FULL) on `file`, without background loops. */
function startQuiet(file: string, dir: string): Promise<ChildServer> {
  return startServer(file, 'FULL', serverEnv(dir));
}

export async function run(args: BenchArgs): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const count = args.scaleOffices;
  const cached = path.join(args.dir, `scale-${count}.db`);
  const { sidecar, reused } = await ensureGenerated(cached, count, args.rest.includes('--regenerate'), (m) => args.log(`scale: ${m}`));
  if (reused) args.log(`scale: reusing ${path.basename(cached)}, generated ${sidecar.generatedAt}`);
  const gen = sidecar;
  const rows = gen.events + gen.offices;
  results.push(
    { name: 'scale.offices', value: count, unit: 'offices', note: `${rows} history rows (${round(rows / count, 1)} per office)` },
    {
      name: 'scale.load_time',
      value: round(gen.ms / 1000, 1),
      unit: 's',
      note: `bench/generate.ts: transition() + bulk insert, last 2 events per office via engine.apply; 500 offices per transaction; generated ${gen.generatedAt.slice(0, 10)}`,
    },
    { name: 'scale.load_rate', value: round((rows * 1000) / gen.ms), unit: 'rows/s', note: 'history rows loaded per second' },
  );

  // JSON Lines import of 2,000 further offices into an empty database, as `npm run cli -- import` does.
  {
    const file = path.join(args.dir, 'scale-import.db');
    removeDb(file);
    const now = new Date(gen.now);
    const text = toJsonLines(count, 2000, now);
    const lines = text.split('\n').filter(Boolean).length;
    const runtime = await openRuntime(benchConfig(file, 'FULL'), { clock: fixedClock(now) });
    try {
      const t = performance.now();
      await importJsonLines(runtime.engine, text, 'bench', runtime.importKinds);
      const ms = performance.now() - t;
      results.push({ name: 'scale.jsonl_import', value: round((lines * 1000) / ms), unit: 'lines/s', note: `${lines} lines (2,000 offices) in ${round(ms)} ms, one transaction` });
    } finally {
      runtime.close();
      removeDb(file);
    }
  }

  // Work on a copy: the server may write (sessions, scheduler) and the cached file must stay as generated.
  const file = path.join(args.dir, `scale-${count}-run.db`);
  copyDb(cached, file);
  try {
    // In-process start-up: open, migrate, check every stored snapshot shape against the machine.
    const opens: number[] = [];
    const checks: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      const runtime = await openRuntime(benchConfig(file, 'FULL'));
      opens.push(performance.now() - t);
      const c = performance.now();
      const problems = await findIncompatibleSnapshots(runtime.store);
      checks.push(performance.now() - c);
      runtime.close();
      if (problems.length) throw new Error(`generated offices do not resolve: ${JSON.stringify(problems)}`);
    }
    results.push(
      { name: 'scale.open_runtime', value: round(Math.min(...opens)), unit: 'ms', note: 'openRuntime: open, migrate, snapshot compatibility check (best of 3)' },
      { name: 'scale.compatibility_check', value: round(Math.min(...checks)), unit: 'ms', note: 'findIncompatibleSnapshots alone (best of 3)' },
    );

    // The empty server first: the RSS baseline after the same reads.
    const emptyFile = path.join(args.dir, 'scale-empty.db');
    removeDb(emptyFile);
    (await openRuntime(benchConfig(emptyFile, 'FULL'))).close();
    args.log('scale: empty server…');
    const empty = await startQuiet(emptyFile, args.dir);
    let emptyRss: number;
    try {
      await waitQuiet(empty);
      await measureReads(empty, () => {});
      emptyRss = procMemory(empty.child.pid!).rss;
    } finally {
      await empty.stop();
      removeDb(emptyFile);
    }

    args.log(`scale: server on ${count} offices…`);
    const server = await startQuiet(file, args.dir);
    try {
      const startRss = procMemory(server.child.pid!).rss;
      const quietMs = await waitQuiet(server);
      results.push(
        { name: 'scale.server_catch_up', value: round(quietMs), unit: 'ms', note: 'after listening, until /healthz answers < 5 ms five times (start-up scheduler pass over due timers)' },
        { name: 'scale.server_start', value: round(server.startMs), unit: 'ms', note: 'spawn to listening: tsx, migrations, snapshot check' },
        { name: 'scale.server_rss_at_start', value: toMB(startRss), unit: 'MB' },
      );
      const reads = await measureReads(server, args.log);
      for (const read of READS) {
        const r = reads.get(read.name)!;
        if (r.status === 404) {
          results.push({ name: `scale.${read.name}_p50`, value: NaN, unit: 'ms', note: `GET ${read.path}: 404, not served (pending)` });
          continue;
        }
        const ok = r.status >= 200 && r.status < 300;
        results.push(
          {
            name: `scale.${read.name}_p50`,
            value: round(r.stats.p50, 1),
            unit: 'ms',
            note: `GET ${read.path}${ok ? '' : ` answered HTTP ${r.status}`}; target < ${read.target} ms`,
          },
          { name: `scale.${read.name}_p95`, value: round(r.stats.p95, 1), unit: 'ms', note: `${SAMPLES} sequential requests` },
        );
      }
      const after = procMemory(server.child.pid!);
      results.push(
        { name: 'scale.server_rss_after', value: toMB(after.rss), unit: 'MB', note: `peak ${toMB(after.peak)} MB` },
        { name: 'scale.empty_server_rss_after', value: toMB(emptyRss), unit: 'MB', note: 'empty database, same reads' },
        { name: 'scale.rss_ratio', value: round(after.rss / emptyRss, 2), unit: 'x', note: 'target <= 1.5' },
      );
    } finally {
      await server.stop();
    }
  } finally {
    removeDb(file);
    fs.rmSync(path.join(args.dir, 'outbox'), { recursive: true, force: true });
  }
  return results;
}
