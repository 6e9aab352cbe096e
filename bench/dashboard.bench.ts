/**
 * Issue 4 §4: how long the dashboard's pages take to render with 100,000 offices (target: under
 * 200 ms each, from indexed SQL, never loading every office).
 *
 * The data set is built fast: the demo programme (180 offices with 2.5 years of history, SLA
 * clocks and one reminder pass) goes through the real engine once, then its rows are copied with
 * `INSERT … SELECT` in one transaction until there are 100,000 offices, each copy with its own id
 * and name. The pages are then requested from the real app (in process, over HTTP on 127.0.0.1).
 */
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { openRuntime } from '../app/runtime';
import { loadDemoData } from '../demo/load';
import { fixedClock } from '../engine/clock';
import { createApp } from '../server/app';
import type { Db } from '../storage/db';
import { benchConfig, BENCH_TOKEN, latencyStats, removeDb, round } from './lib';
import type { BenchArgs, BenchResult } from './result';
import type { SqliteStorage } from '../storage/sqlite-storage';

const NOW = '2026-06-30T09:00:00.000Z';
const OFFICES = 100_000;
const SAMPLES = 20;
const TARGET_MS = 200;

const PAGES: { name: string; path: string }[] = [
  { name: 'dashboard_overview', path: '/' },
  { name: 'dashboard_stuck', path: '/stuck' },
  { name: 'dashboard_stuck_filtered', path: '/stuck?owner=office&stage=preparing' },
  { name: 'dashboard_offices_page_1000', path: '/offices?page=1000' },
  { name: 'dashboard_offices_stalled', path: '/offices?stalled=1' },
];

/** Copies of the template rows, in one transaction: ids (and names) get a `~n` suffix per copy. */
function replicate(db: Db, copies: number): void {
  const suffixed = new Set(['office_id', 'message_id']);
  const tables = ['offices', 'office_states', 'history', 'sla_clocks', 'outbox'];
  db.transaction(() => {
    db.exec('CREATE TEMP TABLE copies (n INTEGER PRIMARY KEY)');
    const add = db.prepare('INSERT INTO copies (n) VALUES (?)');
    for (let n = 1; n <= copies; n++) add.run(n);
    for (const table of tables) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string; pk: number }[];
      const kept = columns.filter((c) => !(c.pk === 1 && c.type.toUpperCase() === 'INTEGER' && table !== 'offices'));
      const select = kept.map((c) => {
        if (suffixed.has(c.name) || (table === 'offices' && c.name === 'id')) return `t.${c.name} || '~' || k.n`;
        if (table === 'offices' && c.name === 'name') return `t.name || ' ' || k.n`;
        return `t.${c.name}`;
      });
      db.exec(`INSERT INTO ${table} (${kept.map((c) => c.name).join(', ')})
        SELECT ${select.join(', ')} FROM ${table} t CROSS JOIN copies k`);
    }
    db.exec('DROP TABLE copies');
  }).immediate();
  db.exec('ANALYZE');
}

async function buildDataSet(file: string, log: (m: string) => void): Promise<number> {
  removeDb(file);
  const clock = fixedClock(NOW);
  const runtime = await openRuntime(benchConfig(file, 'NORMAL', { OUTBOX_DIR: path.join(path.dirname(file), 'dashboard-outbox') }), { clock });
  try {
    const t = performance.now();
    const demo = (await loadDemoData(runtime))!;
    await runtime.reminders.sweep(clock.now());
    const copies = Math.ceil(OFFICES / demo.offices) - 1;
    replicate((runtime.storage as SqliteStorage).db, copies);
    const total = (await runtime.store.listOffices({ limit: 1 })).total;
    log(`dashboard: ${total.toLocaleString('en-US')} offices built in ${round((performance.now() - t) / 1000, 1)} s`);
    return total;
  } finally {
    runtime.close();
  }
}

export async function run(args: BenchArgs): Promise<BenchResult[]> {
  const file = path.join(args.dir, 'dashboard.db');
  const offices = await buildDataSet(file, args.log);
  const runtime = await openRuntime(benchConfig(file, 'NORMAL', { ADMIN_TOKEN: BENCH_TOKEN }), { clock: fixedClock(NOW) });
  const { app } = createApp(runtime);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results: BenchResult[] = [];
  try {
    for (const page of PAGES) {
      const get = async () => {
        const res = await fetch(base + page.path, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${page.path} answered ${res.status}: ${body.slice(0, 200)}`);
        return body.length;
      };
      let bytes = 0;
      for (let k = 0; k < 3; k++) bytes = await get(); // warm-up: layout cache, statement cache
      const samples: number[] = [];
      for (let k = 0; k < SAMPLES; k++) {
        const t = performance.now();
        await get();
        samples.push(performance.now() - t);
      }
      const stats = latencyStats(samples);
      args.log(`${page.name}: p50 ${round(stats.p50, 1)} ms, p95 ${round(stats.p95, 1)} ms, ${Math.round(bytes / 1024)} KiB`);
      results.push({
        name: `${page.name}_p50`,
        value: round(stats.p50, 1),
        unit: 'ms',
        note: `${offices.toLocaleString('en-US')} offices, GET ${page.path}, p95 ${round(stats.p95, 1)} ms, target < ${TARGET_MS} ms${stats.p95 < TARGET_MS ? '' : ' MISSED'}`,
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
