import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { loadConfig } from '../config/env';
import { fixedClock } from '../engine/clock';
import { runSchedulerPass } from '../reminders/scheduler';
import type { MailTransport } from '../notifications/transport';
import type { SqliteStorage } from '../storage/sqlite-storage';

/**
 * Scheduler benchmark: a pass over 100,000 offices with 1,000 timers due (target under 1 s) and a
 * pass with none due (target under 20 ms: two probes of partial indexes, not a scan). Also the
 * stuck-list queries at the same size (target under 50 ms).
 *
 * The offices are real rows (registered and invited through the engine once, then copied in SQL so
 * set-up takes seconds): every one has its SLA clock with its pending timer, as the hooks write them.
 */
interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

interface Args {
  dir?: string;
  keep?: boolean;
  log?(message: string): void;
  rest?: string[];
}

const DAY = 86_400_000;
const OFFICES = 100_000;
const DUE = 1_000;
const ROUNDS = 3;
/** A Wednesday, 10:00 UTC: inside business hours for Europe and Africa. */
const NOW = Date.parse('2026-06-10T10:00:00Z');

const nullTransport: MailTransport = { description: 'none', send: async () => undefined, close: () => undefined };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed<T>(work: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await work();
  return [result, performance.now() - t0];
}

/** Milliseconds of each of `n` runs of `work`, one after the other. */
async function repeat(n: number, work: () => unknown): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push((await timed(work))[1]);
  return ms;
}

/**
 * 100,000 offices in `invited`: one registered through the engine, the rest copied from it with
 * their states, history and SLA clock (with its first timer). ROUNDS × 1,000 timers fall due one hour apart
 * just before NOW + k hours; the others are spread over the next 60 days; about 30 % are stalled.
 */
async function populate(runtime: Runtime): Promise<void> {
  const { engine } = runtime;
  // The generator writes rows directly: SQLite only, as the scale data set is a file.
  const db = (runtime.storage as SqliteStorage).db;
  const clock = engine.clock as ReturnType<typeof fixedClock>;
  clock.set(new Date(NOW - 40 * DAY));
  await engine.register(
    { id: 'TEMPLATE', name: 'Template office', country: 'FR', language: 'fr', track: 'kit', contacts: [{ name: 'Contact', email: 'contact@office.example' }] },
    { actor: 'bench' },
  );
  await engine.apply('TEMPLATE', { type: 'SEND_CIRCULAR' }, { actor: 'bench' });
  const countries = ['FR', 'SN', 'ES', 'MA', 'DE', 'KE', 'IT', 'CM'];
  db.exec('CREATE TEMP TABLE seq (n INTEGER PRIMARY KEY)');
  db.exec(`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${OFFICES}) INSERT INTO seq SELECT n FROM s`);
  const id = "printf('B%06d', q.n)";
  const country = `CASE q.n % ${countries.length} ${countries.map((c, i) => `WHEN ${i} THEN '${c}'`).join(' ')} END`;
  // Timer k (1-based): the first ROUNDS × DUE are due in successive hours before NOW + round hours.
  const due = `CASE WHEN q.n <= ${ROUNDS * DUE}
      THEN strftime('%Y-%m-%dT%H:%M:%fZ', ${NOW / 1000} + ((q.n - 1) / ${DUE}) * 3600 - 60, 'unixepoch')
      ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ${NOW / 1000} + (q.n % 60) * 86400 + 3600 * 24, 'unixepoch') END`;
  // About 30 % past their deadline (stalled), the rest not yet.
  const deadline = `strftime('%Y-%m-%dT%H:%M:%fZ', ${NOW / 1000} + CASE WHEN q.n % 10 < 3 THEN -(q.n % 50 + 1) ELSE (q.n % 50 + 1) END * 86400, 'unixepoch')`;
  await engine.transact(() => {
    db.exec(`INSERT INTO offices (id, name, country, city, language, track, contacts, stage, states, snapshot, entered_at, machine_version, version, created_at, updated_at)
      SELECT ${id}, 'Office ' || q.n, ${country}, t.city, t.language, t.track, t.contacts, t.stage, t.states, t.snapshot, t.entered_at, t.machine_version, t.version, t.created_at, t.updated_at
      FROM seq q, offices t WHERE t.id = 'TEMPLATE'`);
    db.exec(`INSERT INTO office_states (office_id, path, is_leaf, entered_at)
      SELECT ${id}, s.path, s.is_leaf, s.entered_at FROM seq q, office_states s WHERE s.office_id = 'TEMPLATE'`);
    db.exec(`INSERT INTO history (office_id, seq, type, payload, from_states, to_states, actor, at)
      SELECT ${id}, h.seq, h.type, h.payload, h.from_states, h.to_states, h.actor, h.at FROM seq q, history h WHERE h.office_id = 'TEMPLATE'`);
    db.exec(`INSERT INTO sla_clocks (office_id, state, entry_seq, stage, owner, entered_at, deadline, paused_at, reminders_sent, next_reminder_at,
        escalated_at, next_level, next_nominal_at)
      SELECT ${id}, c.state, c.entry_seq, c.stage, c.owner, c.entered_at, ${deadline}, NULL, 0, ${due}, CASE WHEN q.n % 40 = 0 THEN c.entered_at END,
        c.next_level, ${due}
      FROM seq q, sla_clocks c WHERE c.office_id = 'TEMPLATE'`);
  });
  db.exec('DROP TABLE temp.seq');
  db.exec('ANALYZE');
}

export async function run(args: Args = {}): Promise<BenchResult[]> {
  const log = args.log ?? ((m: string) => console.log(m));
  const dir = fs.mkdtempSync(path.join(args.dir ?? os.tmpdir(), 'scheduler-bench-'));
  const clock = fixedClock(new Date(NOW));
  const config = loadConfig({}, { DATABASE_PATH: path.join(dir, 'scheduler.db'), DEMO_DATA: 'off', DB_SYNCHRONOUS: 'FULL' });
  const runtime = await openRuntime(config, { clock, mailTransport: nullTransport });
  const results: BenchResult[] = [];
  try {
    const [, setupMs] = await timed(() => populate(runtime));
    log(`scheduler: ${OFFICES.toLocaleString('en')} offices with clocks and timers set up in ${(setupMs / 1000).toFixed(1)} s`);
    const { engine } = runtime;
  // The generator writes rows directly: SQLite only, as the scale data set is a file.
  const db = (runtime.storage as SqliteStorage).db;
    const reminders = runtime.reminders.reminders;

    // The template office's own timer is long due: fire it first, then nothing is due before the first batch.
    await runSchedulerPass(engine, reminders, new Date(NOW - 3 * 3600_000));
    const idle: number[] = [];
    for (let i = 0; i < 200; i++) {
      const [result, ms] = await timed(() => runSchedulerPass(engine, reminders, new Date(NOW - 3 * 3600_000)));
      if (result.fired !== 0) throw new Error('a timer fired in the idle pass');
      idle.push(ms);
    }
    results.push({ name: `scheduler pass, none due (${OFFICES.toLocaleString('en')} offices)`, value: median(idle), unit: 'ms', note: 'target < 20 ms; median of 200' });

    const busy: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const at = new Date(NOW + round * 3600_000);
      const [result, ms] = await timed(() => runSchedulerPass(engine, reminders, at));
      if (result.fired !== DUE) throw new Error(`expected ${DUE} timers to fire at round ${round}, ${result.fired} did`);
      busy.push(ms);
    }
    results.push({
      name: `scheduler pass, ${DUE.toLocaleString('en')} due (${OFFICES.toLocaleString('en')} offices)`,
      value: median(busy),
      unit: 'ms',
      note: `target < 1000 ms; median of ${ROUNDS}; each fires, renders and queues its email and schedules the next (synchronous=FULL)`,
    });
    const outboxRows = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    if (outboxRows !== ROUNDS * DUE + 1) throw new Error(`expected ${ROUNDS * DUE + 1} outbox rows, found ${outboxRows}`);

    const now = new Date(NOW + ROUNDS * 3600_000);
    const { stuck } = runtime.reminders;
    const stuckMs: number[] = [];
    let total = 0;
    for (let i = 0; i < 20; i++) {
      const [page, ms] = await timed(() => stuck.listStuck(now, { limit: 50 }));
      total = page.total;
      stuckMs.push(ms);
    }
    results.push({ name: `listStuck, first page of 50 (${total.toLocaleString('en')} stalled)`, value: median(stuckMs), unit: 'ms', note: 'target < 50 ms; median of 20' });
    const filtered = median(await repeat(20, () => stuck.listStuck(now, { owner: 'office', stage: 'invited', limit: 50, offset: 1000 })));
    results.push({ name: 'listStuck, owner+stage filter, offset 1,000', value: filtered, unit: 'ms', note: 'target < 50 ms; median of 20' });
    const counts = median(await repeat(20, () => stuck.stalledCountsByState(now)));
    results.push({ name: 'stalledCountsByState', value: counts, unit: 'ms', note: 'target < 50 ms; median of 20' });
    return results;
  } finally {
    runtime.close();
    if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run()
    .then((results) => {
      for (const r of results) console.log(`${r.name.padEnd(64)} ${r.value.toFixed(2).padStart(10)} ${r.unit}  ${r.note ?? ''}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
