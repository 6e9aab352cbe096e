/**
 * Realistic programme histories at scale (issue 7 §2): offices registered over the last five
 * years, each taken along its lifecycle with the detours real offices take (declines and reopenings,
 * site difficulties, no-shows, deployment holds, withdrawals), event times spaced by days and cut
 * at "now", so offices end spread over every stage. About 15 history rows per office on average.
 *
 * Histories go through the real engine (`engine.register` + `engine.apply` with each event's
 * historical time, every feature hook included) in large transactions, so every table the features
 * keep (SLA clocks with their pending timers, programme records) is as a real import would leave it.
 * Deterministic for a given seed.
 *
 *   npx tsx bench/generate.ts --offices 100000 [--out data/bench/scale-100000.db] [--regenerate]
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Runtime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import type { NewOffice } from '../engine/office-input';
import { transition } from 'xstate';
import { REGISTERED } from '../engine/engine';
import { activeNodes, initialSnapshot, leafPaths, stageOf, toStored } from '../engine/snapshot';
import type { OfficeEvent } from '../machines/events';
import { officeMachine, OFFICE_MACHINE_VERSION } from '../machines/office';
import { openRuntime } from '../app/runtime';
import { benchConfig, removeDb } from './lib';
import type { Synchronous } from './result';
import { random } from '../demo/generate';
import type { SqliteStorage } from '../storage/sqlite-storage';

export const GENERATOR_VERSION = 1;

const DAY = 86_400_000;

const COUNTRIES = (
  'DZ AR AM AU AT AZ BD BY BE BJ BO BA BW BR BG BF BI KH CM CA CF TD CL CN CO CG CR CI HR CU CY CZ DK DO EC EG SV EE ET FI ' +
  'FR GA GM GE DE GH GR GT GN HT HN HU IS IN ID IR IE IL IT JM JP JO KZ KE KG LA LV LB LS LT LU MG MW MY ML MT MR MU MX MA ' +
  'NL NZ NG PK PE PH PL PT KR RO RU SN SG ZA ES SE CH TH TN TR UG UA GB TZ US UZ VE VN ZM ZW'
).split(' ');
const LANGUAGES = ['en', 'fr', 'es', 'ar', 'ru', 'zh', 'pt'];
const WORDS = ['National', 'Federal', 'Regional', 'Industrial', 'Intellectual', 'Patent', 'Trademark', 'Copyright', 'Design', 'Innovation'];
const KINDS = ['Property Office', 'Registry', 'Institute', 'Agency', 'Directorate', 'Bureau'];


export interface GeneratedOffice {
  office: NewOffice & { id: string };
  registeredAt: Date;
  events: { event: OfficeEvent; at: Date }[];
}

export const scaleOfficeId = (i: number) => `IPO-${String(i).padStart(6, '0')}`;

/** The whole intended life of one office, detours included; times are added (and cut at now) later. */
function lifecycle(i: number, track: 'kit' | 'internet', rnd: () => number): OfficeEvent[] {
  const times = (p: number, max: number) => {
    let n = 0;
    while (n < max && rnd() < p) n++;
    return n;
  };
  const events: OfficeEvent[] = [{ type: 'SEND_CIRCULAR', letterRef: `C.${8000 + (i % 900)}` }];
  for (let k = times(0.3, 2); k > 0; k--) {
    events.push({ type: 'REPLY_DECLINED', reason: 'No budget for network equipment this biennium.' }, { type: 'REOPEN' });
  }
  if (rnd() < 0.05) {
    events.push({ type: 'REPLY_DECLINED', reason: 'The office does not wish to take part.' });
    return events;
  }
  events.push({ type: 'REPLY_AFFIRMATIVE' });
  const site: OfficeEvent[] = [];
  if (track === 'kit') {
    site.push({ type: 'SITE_SURVEYED' });
    for (let k = times(0.7, 5); k > 0; k--) {
      site.push({ type: 'SITE_DIFFICULTY', reason: 'Power supply in the server room is unstable.' }, { type: 'DIFFICULTY_RESOLVED' });
    }
    site.push({ type: 'SITE_READY' });
  }
  const training: OfficeEvent[] = [
    { type: 'FOCAL_POINT_NOMINATED', name: `Focal Point ${i}`, email: `focal.point${i}@ipo${i % 997}.example.org` },
    { type: 'ENROLLED', workshopId: `WS-${2024 + (i % 3)}-${1 + (i % 12)}` },
  ];
  for (let k = times(0.45, 3); k > 0; k--) {
    training.push({ type: 'NO_SHOW' }, { type: 'ENROLLED', workshopId: `WS-${2024 + (i % 3)}-${1 + ((i + k) % 12)}` });
  }
  training.push({ type: 'TRAINING_COMPLETED' });
  // The two regions advance independently: interleave them at random.
  while (site.length || training.length) {
    const from = site.length && (!training.length || rnd() < 0.5) ? site : training;
    events.push(from.shift()!);
  }
  if (track === 'kit') {
    for (let k = times(0.5, 3); k > 0; k--) {
      events.push({ type: 'DEPLOYMENT_HELD', reason: 'Waiting for the next Gold Disk.' }, { type: 'GOLD_DISK_RELEASED', version: `2025.${k}` });
    }
    events.push({ type: 'KIT_SHIPPED', goldDiskVersion: '2026.1' }, { type: 'KIT_DELIVERED' }, { type: 'KIT_INSTALLED' });
  } else {
    events.push({ type: 'SERVICES_CONNECTED' });
  }
  events.push({ type: 'HANDED_OVER' });
  return events;
}

/** Office number `i` of the programme, with its history up to `now`. */
export function generateOffice(i: number, now: Date, seed = 7): GeneratedOffice {
  const rnd = random(seed * 1_000_003 + i);
  const country = COUNTRIES[Math.floor(rnd() * COUNTRIES.length)]!;
  const track = rnd() < 0.25 ? 'internet' : 'kit';
  const name = `${WORDS[Math.floor(rnd() * WORDS.length)]} ${KINDS[Math.floor(rnd() * KINDS.length)]} ${country}-${i}`;
  const office: GeneratedOffice['office'] = {
    id: scaleOfficeId(i),
    name,
    country,
    city: `City ${i % 5000}`,
    language: LANGUAGES[Math.floor(rnd() * LANGUAGES.length)]!,
    track,
    contacts: [{ name: `Director ${i}`, email: `director${i}@ipo${i % 997}.example.org`, role: 'Director' }],
  };
  // Registered at any time over the last five years; about one in thirty leave the programme.
  let t = now.getTime() - Math.floor(rnd() * 5 * 365 * DAY);
  const registeredAt = new Date(t);
  const planned = lifecycle(i, track, rnd);
  const withdrawAt = rnd() < 0.035 ? Math.floor(rnd() * planned.length) : -1;
  const events: GeneratedOffice['events'] = [];
  for (let k = 0; k < planned.length; k++) {
    t += Math.floor((2 + rnd() * 70) * DAY * (0.3 + rnd()));
    if (t >= now.getTime()) break;
    if (k === withdrawAt) {
      events.push({ event: { type: 'WITHDRAWN', reason: 'The office left the programme.' }, at: new Date(t) });
      break;
    }
    events.push({ event: planned[k]!, at: new Date(t) });
  }
  return { office, registeredAt, events };
}

/** One JSON Lines document (the `import` format) for offices `from`..`from+count-1`. */
export function toJsonLines(from: number, count: number, now: Date): string {
  const lines: string[] = [];
  for (let i = from; i < from + count; i++) {
    const g = generateOffice(i, now);
    lines.push(JSON.stringify({ kind: 'office', ...g.office, at: g.registeredAt.toISOString() }));
    for (const { event, at } of g.events) lines.push(JSON.stringify({ kind: 'event', office: g.office.id, at: at.toISOString(), ...event }));
  }
  return lines.join('\n') + '\n';
}

export interface GenerateResult {
  offices: number;
  events: number;
  ms: number;
}

/** Events of each office's history that go through `engine.apply` (and so every hook) at the end. */
export const LIVE_TAIL = 2;

/**
 * Loads offices `from`..`from+count-1`, `batch` offices per transaction. The older part of each
 * history is computed with XState's pure `transition()` and bulk-inserted with prepared statements
 * (office row with its entered-at, active state rows, history rows exactly as the engine writes
 * them); the last LIVE_TAIL events go through `engine.apply`, so the features' hooks leave the SLA
 * clocks (with their pending timers) and programme records of each office's current states as a live run would.
 */
export async function loadOffices(runtime: Runtime, from: number, count: number, now: Date, batch = 500, log?: (m: string) => void): Promise<GenerateResult> {
  const { engine } = runtime;
  // The generator writes rows directly: SQLite only, as the scale data set is a file.
  const db = (runtime.storage as SqliteStorage).db;
  const insertOffice = db.prepare(`INSERT INTO offices
    (id, name, country, city, language, track, contacts, stage, states, snapshot, entered_at, machine_version, version, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertNode = db.prepare('INSERT INTO office_states (office_id, path, is_leaf, entered_at) VALUES (?, ?, ?, ?)');
  const insertHistory = db.prepare(`INSERT INTO history (office_id, seq, type, payload, from_states, to_states, actor, at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const actor = 'generator';
  const started = performance.now();
  let events = 0;
  let lastLog = started;
  for (let b = from; b < from + count; b += batch) {
    await engine.transact(async () => {
      for (let i = b; i < Math.min(b + batch, from + count); i++) {
        const g = generateOffice(i, now);
        const bulk = g.events.slice(0, Math.max(0, g.events.length - LIVE_TAIL));
        const live = g.events.slice(bulk.length);
        events += g.events.length;
        if (bulk.length === 0) {
          await engine.register(g.office, { actor, at: g.registeredAt });
        } else {
          const registered = g.registeredAt.toISOString();
          let snapshot = initialSnapshot({ track: g.office.track });
          const enteredAt = new Map(activeNodes(snapshot.value).map((n) => [n.path, { isLeaf: n.isLeaf, at: registered }]));
          let states = leafPaths(snapshot.value);
          const rows: unknown[][] = [[g.office.id, 0, REGISTERED, JSON.stringify({ track: g.office.track }), '[]', JSON.stringify(states), actor, registered]];
          bulk.forEach(({ event, at }, k) => {
            const [after] = transition(officeMachine, snapshot, event);
            if (after === snapshot) throw new Error(`generator bug: ${g.office.id} cannot take ${event.type} in ${states.join(' + ')}`);
            const iso = at.toISOString();
            const nodes = activeNodes(after.value);
            const active = new Set(nodes.map((n) => n.path));
            for (const path of [...enteredAt.keys()]) if (!active.has(path)) enteredAt.delete(path);
            for (const n of nodes) if (!enteredAt.has(n.path)) enteredAt.set(n.path, { isLeaf: n.isLeaf, at: iso });
            const to = leafPaths(after.value);
            const { type, ...payload } = event;
            rows.push([g.office.id, k + 1, type, JSON.stringify(payload), JSON.stringify(states), JSON.stringify(to), actor, iso]);
            snapshot = after;
            states = to;
          });
          const o = g.office;
          const enteredAtJson = JSON.stringify(Object.fromEntries(activeNodes(snapshot.value).map((n) => [n.path, enteredAt.get(n.path)!.at])));
          insertOffice.run(
            o.id, o.name, o.country, o.city ?? null, o.language, o.track, JSON.stringify(o.contacts), stageOf(snapshot.value),
            JSON.stringify(states), JSON.stringify(toStored(snapshot)), enteredAtJson, OFFICE_MACHINE_VERSION, bulk.length, registered,
            bulk[bulk.length - 1]!.at.toISOString(),
          );
          for (const [path, n] of enteredAt) insertNode.run(o.id, path, n.isLeaf ? 1 : 0, n.at);
          for (const row of rows) insertHistory.run(...row);
        }
        for (const { event, at } of live) await engine.apply(g.office.id, event, { actor, at });
      }
    });
    if (log && performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      log(`  ${b + batch - from} / ${count} offices, ${events} events, ${Math.round((events * 1000) / (lastLog - started))} events/s`);
    }
  }
  return { offices: count, events, ms: performance.now() - started };
}

/** A fresh database with `count` generated offices. */
export async function generateDb(file: string, count: number, now: Date, sync: Synchronous = 'NORMAL', log?: (m: string) => void): Promise<GenerateResult> {
  removeDb(file);
  const runtime = await openRuntime(benchConfig(file, sync), { clock: fixedClock(now) });
  try {
    return await loadOffices(runtime, 0, count, now, 500, log);
  } finally {
    runtime.close();
  }
}

/** Written beside a generated database: what made it, so a later run knows whether it can reuse it. */
export interface Sidecar {
  generatorVersion: number;
  migrations: string[];
  offices: number;
  events: number;
  ms: number;
  generatedAt: string;
  now: string;
}

export function migrationList(): string[] {
  return fs
    .readdirSync(path.resolve(__dirname, '../storage/migrations'))
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

/** Generates `file` (and its `.json` sidecar) unless a sidecar says it is already what is asked for. */
export async function ensureGenerated(file: string, count: number, regenerate: boolean, log: (m: string) => void): Promise<{ sidecar: Sidecar; reused: boolean }> {
  const sidecarFile = `${file}.json`;
  const migrations = migrationList();
  let sidecar: Sidecar | undefined;
  try {
    sidecar = JSON.parse(fs.readFileSync(sidecarFile, 'utf8')) as Sidecar;
  } catch {
    sidecar = undefined;
  }
  if (
    !regenerate &&
    sidecar?.generatorVersion === GENERATOR_VERSION &&
    sidecar.offices === count &&
    // Later migrations are applied when the copy is opened; earlier ones must be the same.
    sidecar.migrations.every((m, k) => migrations[k] === m) &&
    fs.existsSync(file)
  ) {
    return { sidecar, reused: true };
  }
  fs.rmSync(sidecarFile, { force: true });
  const now = new Date();
  log(`generating ${count} offices through the engine (500 offices per transaction)…`);
  const r = await generateDb(file, count, now, 'NORMAL', log);
  sidecar = { generatorVersion: GENERATOR_VERSION, migrations, offices: r.offices, events: r.events, ms: r.ms, generatedAt: new Date().toISOString(), now: now.toISOString() };
  fs.writeFileSync(sidecarFile, JSON.stringify(sidecar, null, 2) + '\n');
  return { sidecar, reused: false };
}

if (require.main === module) {
  void (async () => {
    const argv = process.argv.slice(2);
    const flag = (name: string, fallback: string) => {
      const k = argv.indexOf(name);
      return k >= 0 && argv[k + 1] ? argv[k + 1]! : fallback;
    };
    const count = Number(flag('--offices', '100000'));
    const out = path.resolve(flag('--out', `data/bench/scale-${count}.db`));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const { sidecar: r, reused } = await ensureGenerated(out, count, argv.includes('--regenerate'), console.error);
    console.log(`${out}${reused ? ' (already generated)' : ''}: ${r.offices} offices, ${r.events} events + ${r.offices} registrations in ${(r.ms / 1000).toFixed(1)} s`);
  })();
}
