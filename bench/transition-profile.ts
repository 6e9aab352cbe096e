/**
 * Where one transition of (b) spends its time, in-process: `engine.apply` through `openRuntime`
 * (every hook) on the kit track's happy path, after 100 offices of warm-up. Prints events/s, wall
 * and CPU time per event, and on request:
 *   --statements   time and count per event of every statement and `exec` (BEGIN, COMMIT, …)
 *   --wal          WAL frames (pages written) per commit, by b-tree; checkpoints are held off
 *                  during the run, and pages are named by `dbstat` after it, so a page freed and
 *                  reused by another b-tree meanwhile counts for the last one (or `free`)
 *   --cpu-prof F   a V8 CPU profile of the measured loop only, written to F
 *   --policies F   reminder policies file (POLICIES_PATH), e.g. to turn every clock off
 *   --drop-index I drops index I from the copy first, to size what its upkeep costs (the reads
 *                  that need it get slower; not a configuration)
 *   --floor        the engine benchmark's floor (a) instead, on the same offices and events, so
 *                  its COMMIT can be set beside (b)'s (with --statements; not with --wal)
 *
 * `npx tsx bench/transition-profile.ts --offices 500 --sync NORMAL --statements`
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openRuntime } from '../app/runtime';
import { benchConfig, benchOfficeId, copyDb, HAPPY_PATH_LENGTH, happyPath, makeRegisteredDb, removeDb } from './lib';
import type { Synchronous } from './result';
import { openFloor, pathCache, type Applier } from './variants';

const WARMUP = 100;

type Method = (...args: unknown[]) => unknown;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

/** Times every `run`/`get`/`all` of a prepared statement and every `exec`, keyed by their SQL, while `on()` holds. */
function timeStatements(on: () => boolean): Map<string, { calls: number; us: number }> {
  const times = new Map<string, { calls: number; us: number }>();
  const probe = new Database(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, Method>;
  probe.close();
  const wrap = (target: Record<string, Method>, name: string, label: (self: unknown, args: unknown[]) => string) => {
    const original = target[name]!;
    target[name] = function (this: unknown, ...args: unknown[]) {
      if (!on()) return original.apply(this, args);
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const key = label(this, args).replace(/\s+/g, ' ').slice(0, 100);
        const entry = times.get(key) ?? { calls: 0, us: 0 };
        entry.calls++;
        entry.us += (performance.now() - t0) * 1000;
        times.set(key, entry);
      }
    };
  };
  for (const method of ['run', 'get', 'all']) wrap(statementProto, method, (self) => `${method} ${(self as { source: string }).source}`);
  wrap(Database.prototype as unknown as Record<string, Method>, 'exec', (_self, args) => `exec ${String(args[0]).replace(/sp\d+/, 'spN')}`);
  return times;
}

/** Frames per commit of a WAL file, and by the b-tree each page belongs to now. */
function walFrames(file: string, db: Database.Database): { perCommit: number; byTree: [string, number][] } {
  const wal = fs.readFileSync(`${file}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const owner = new Map<number, string>();
  for (const row of db.prepare('SELECT name, pageno FROM dbstat').all() as { name: string; pageno: number }[]) owner.set(row.pageno, row.name);
  const byTree = new Map<string, number>();
  let frames = 0;
  let commits = 0;
  for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
    frames++;
    const tree = owner.get(wal.readUInt32BE(offset)) ?? 'free';
    byTree.set(tree, (byTree.get(tree) ?? 0) + 1);
    if (wal.readUInt32BE(offset + 4) !== 0) commits++;
  }
  return { perCommit: frames / commits, byTree: [...byTree].map(([tree, n]): [string, number] => [tree, n / commits]).sort((a, b) => b[1] - a[1]) };
}

async function main(): Promise<void> {
  const offices = Number(option('offices') ?? 500);
  const sync = (option('sync') ?? 'FULL') as Synchronous;
  const dir = option('dir') ?? path.join('data', 'bench');
  const policies = option('policies');
  const cpuProfile = option('cpu-prof');
  fs.mkdirSync(dir, { recursive: true });
  const template = path.join(dir, `transition-profile-template-${offices}.db`);
  const file = path.join(dir, `transition-profile-${offices}.db`);
  await makeRegisteredDb(template, WARMUP + offices, sync);
  copyDb(template, file);
  const dropIndex = option('drop-index');
  if (dropIndex) {
    const scratch = new Database(file);
    scratch.exec(`DROP INDEX "${dropIndex.replace(/"/g, '""')}"`);
    scratch.close();
  }

  if (flag('floor') && flag('wal')) throw new Error('--wal counts the frames of (b) only');
  let measuring = false;
  const times = flag('statements') ? timeStatements(() => measuring) : undefined;
  const runtime = flag('floor') ? undefined : await openRuntime(benchConfig(file, sync, policies ? { POLICIES_PATH: policies } : {}));
  const eventOf = pathCache(happyPath);
  const applier: Applier = runtime
    ? {
        apply: async (i, step) => {
          await runtime.engine.apply(benchOfficeId(i), eventOf(i, step), { actor: 'bench' });
        },
        close: () => runtime.close(),
      }
    : openFloor(file, sync);
  const take = async (from: number, count: number) => {
    for (let step = 0; step < HAPPY_PATH_LENGTH; step++) {
      for (let i = from; i < from + count; i++) await applier.apply(i, step);
    }
  };
  await take(offices, WARMUP);

  const db = (runtime?.storage as { db?: Database.Database } | undefined)?.db;
  if (db && flag('wal')) {
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  const session = new Session();
  if (cpuProfile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await take(0, offices);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  measuring = false;
  if (cpuProfile) {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(cpuProfile, JSON.stringify(profile));
  }

  const events = offices * HAPPY_PATH_LENGTH;
  console.log(
    `${sync}, ${offices} offices × ${HAPPY_PATH_LENGTH} events: ${Math.round((events * 1000) / ms)} events/s, ` +
      `${((ms * 1000) / events).toFixed(1)} µs wall and ${((cpu.user + cpu.system) / events).toFixed(1)} µs CPU per event`,
  );
  if (times) {
    let total = 0;
    let calls = 0;
    for (const [sql, t] of [...times].sort((a, b) => b[1].us - a[1].us)) {
      total += t.us;
      calls += t.calls;
      console.log(`${(t.us / events).toFixed(1).padStart(8)} µs ${(t.calls / events).toFixed(2).padStart(5)} ×  ${sql}`);
    }
    console.log(`${(total / events).toFixed(1).padStart(8)} µs ${(calls / events).toFixed(2).padStart(5)} ×  every statement, per event`);
  }
  if (db && flag('wal')) {
    const { perCommit, byTree } = walFrames(file, db);
    console.log(`WAL frames per commit: ${perCommit.toFixed(2)}`);
    for (const [tree, n] of byTree) console.log(`${n.toFixed(2).padStart(8)}  ${tree}`);
  }
  await applier.close();
  if (!flag('keep')) for (const f of [template, file]) removeDb(f);
}

void main();
