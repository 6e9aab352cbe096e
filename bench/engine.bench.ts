/**
 * Issue 2 §7: events/s of (a) the floor — raw better-sqlite3 + XState `transition()` + the same two
 * writes, no project code in the measured loop; (b) `engine.apply` in-process; (c) the HTTP API
 * served by the real server entry in a child process, driven by concurrent keep-alive clients.
 * Each is measured for every synchronous setting asked for (FULL ships; NORMAL for comparison).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { copyDb, HAPPY_PATH_LENGTH, makeRegisteredDb, removeDb, round, toMB } from './lib';
import type { BenchArgs, BenchResult } from './result';
import { forkRunner, httpRunner, interleave, type Runner } from './runners';

/** Offices taken through the path first, unmeasured, so every variant runs on warm JIT and caches. */
export const WARMUP = 200;
/** Offices per interleaving block: each variant takes all its events for a block, then the next variant. */
export const BLOCK = 250;

export const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);
export const allSteps = (n: number) => range(0, n);

/** Checks a variant really did its work: every office handed over, one history row per event. */
export function checkDone(file: string, expectedOffices: number, expectedEvents: number): void {
  const db = new Database(file, { readonly: true });
  try {
    const done = (db.prepare("SELECT count(*) AS n FROM offices WHERE stage = 'handedOver'").get() as { n: number }).n;
    const rows = (db.prepare("SELECT count(*) AS n FROM history WHERE type <> 'REGISTERED'").get() as { n: number }).n;
    if (done !== expectedOffices || rows !== expectedEvents) {
      throw new Error(
        `${path.basename(file)}: ${done} offices handed over (expected ${expectedOffices}), ${rows} event rows (expected ${expectedEvents})`,
      );
    }
  } finally {
    db.close();
  }
}

export async function run(args: BenchArgs): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const steps = allSteps(HAPPY_PATH_LENGTH);
  for (const sync of args.sync) {
    const n = args.offices;
    const total = WARMUP + n;
    const template = path.join(args.dir, `engine-template-${sync}.db`);
    args.log(`engine ${sync}: registering ${total} offices…`);
    await makeRegisteredDb(template, total, sync);
    const files = { floor: '', core: '', engine: '', http: '' };
    for (const key of Object.keys(files) as (keyof typeof files)[]) {
      files[key] = path.join(args.dir, `engine-${key}-${sync}.db`);
      copyDb(template, files[key]);
    }
    const runners: Runner[] = [];
    try {
      runners.push(await forkRunner('floor', 'floor', files.floor, sync));
      runners.push(await forkRunner('core', 'core', files.core, sync));
      runners.push(await forkRunner('engine', 'engine', files.engine, sync));
      const api = await httpRunner('http', files.http, sync, args.clients);
      runners.push(api);
      const plan = runners.map((runner) => ({ runner, steps }));
      args.log(`engine ${sync}: warm-up, ${WARMUP} offices each…`);
      await interleave(plan, range(0, WARMUP), WARMUP);
      args.log(`engine ${sync}: floor, core engine, engine.apply and HTTP (${args.clients} clients) interleaved, ${n} offices × ${HAPPY_PATH_LENGTH} events each…`);
      const tally = await interleave(plan, range(WARMUP, n), BLOCK, args.log);
      const [floorMem, coreMem, engineMem, httpMem] = await Promise.all(runners.map((r) => r.memory()));
      for (const r of runners.splice(0)) await r.close();
      for (const file of Object.values(files)) checkDone(file, total, total * HAPPY_PATH_LENGTH);

      const floor = tally.get('floor')!;
      const core = tally.get('core')!;
      const engine = tally.get('engine')!;
      const http = tally.get('http')!;
      const tag = `engine.${sync}`;
      // The server runs FULL unless DB_SYNCHRONOUS says otherwise (config/env.ts).
      const setting = sync === 'FULL' ? 'FULL ships' : 'for comparison; FULL ships';
      results.push(
        { name: `${tag}.a_floor`, value: round(floor.eventsPerSec), unit: 'events/s', note: `${setting}; ${n} offices × ${HAPPY_PATH_LENGTH} events; raw better-sqlite3 + transition()` },
        { name: `${tag}.b0_core_engine`, value: round(core.eventsPerSec), unit: 'events/s', note: 'Engine.apply without the features\' hooks' },
        { name: `${tag}.b_engine_apply`, value: round(engine.eventsPerSec), unit: 'events/s', note: 'engine.apply in-process (openRuntime, all hooks)' },
        { name: `${tag}.c_http`, value: round(http.eventsPerSec), unit: 'events/s', note: `POST /api/offices/:id/events, ${args.clients} keep-alive clients, server in a child process` },
        { name: `${tag}.ratio_b0_a`, value: round(core.eventsPerSec / floor.eventsPerSec, 2), unit: 'x', note: `core engine vs floor; target >= 0.8 (issues 2 and 15; ${setting})` },
        { name: `${tag}.ratio_b_a`, value: round(engine.eventsPerSec / floor.eventsPerSec, 2), unit: 'x', note: `every hook vs floor; target >= 0.75 (issue 15; ${setting})` },
        { name: `${tag}.ratio_c_a`, value: round(http.eventsPerSec / floor.eventsPerSec, 2), unit: 'x', note: `HTTP vs floor; target >= 0.6 (issue 15, after issue 2's 0.5; ${setting})` },
        { name: `${tag}.a_floor_peak_rss`, value: toMB(floorMem!.peak), unit: 'MB', note: 'floor worker, VmHWM' },
        { name: `${tag}.b0_core_peak_rss`, value: toMB(coreMem!.peak), unit: 'MB', note: 'core engine worker, VmHWM' },
        { name: `${tag}.b_engine_peak_rss`, value: toMB(engineMem!.peak), unit: 'MB', note: 'engine worker, VmHWM' },
        { name: `${tag}.c_server_peak_rss`, value: toMB(httpMem!.peak), unit: 'MB', note: 'server child, VmHWM' },
        { name: `${tag}.c_server_start`, value: round(api.server.startMs), unit: 'ms', note: 'spawn to listening (tsx, migrations, snapshot check)' },
      );
    } finally {
      for (const r of runners) await r.close().catch(() => {});
      if (!args.keep) for (const file of [template, ...Object.values(files)]) removeDb(file);
    }
  }
  return results;
}
