import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import { runSchedulerPass } from '../reminders/scheduler';
import { migrate } from '../storage/db';
import { makeTempDir, removeTempDir, testConfig } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

const DAY = 86_400_000;
/** Monday 5 January 2026, 09:30 in Paris. */
const START = '2026-01-05T08:30:00.000Z';
const MIGRATIONS = path.resolve(__dirname, '..', 'storage', 'migrations');

const count = (db: Database.Database, sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe('reminders storage: the pending timer lives on the clock row', () => {
  let dir: string;
  let runtime: Runtime;
  const clock = fixedClock(START);

  beforeAll(async () => {
    dir = makeTempDir();
    runtime = await openRuntime(testConfig(path.join(dir, 'clocks.db')), { clock });
  });
  afterAll(() => {
    runtime.close();
    removeTempDir(dir);
  });

  /** The office's emails but its circular letter (written with SEND_CIRCULAR). */
  const reminderMails = async (id: string) => (await runtime.reminders.outbox.ofOffice(id)).filter((m) => m.kind !== 'circular');
  const register = async (id: string) =>
    await runtime.engine.register(
      { id, name: `Office ${id}`, country: 'FR', language: 'fr', track: 'kit', contacts: [{ name: 'C', email: `${id.toLowerCase()}@office.example` }] },
      { actor: 'test' },
    );

  it('a transition writes its clock with the first level and no reminder_timers row; leaving deletes it', async () => {
    const { engine } = runtime;
    const { store } = runtime.reminders;
    clock.set(START);
    await register('HOOK');
    await engine.apply('HOOK', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
    // 30 days: Wednesday 4 February, 09:30 in Paris, inside business hours.
    expect(await store.clock('HOOK', 'invited')).toMatchObject({
      entry_seq: 1,
      deadline: '2026-02-04T08:30:00.000Z',
      next_level: 1,
      next_nominal_at: '2026-02-04T08:30:00.000Z',
      next_reminder_at: '2026-02-04T08:30:00.000Z',
      reminders_sent: 0,
    });
    await engine.apply('HOOK', { type: 'REPLY_AFFIRMATIVE' }, { actor: 'test' });
    expect(await store.clock('HOOK', 'invited')).toBeUndefined();
    const clocks = await store.clocks('HOOK');
    expect(clocks.length).toBeGreaterThan(0);
    for (const c of clocks) expect(c).toMatchObject({ entry_seq: 2, next_level: 1, next_nominal_at: c.deadline });
    expect(count(sqliteDb(runtime), "SELECT count(*) AS n FROM reminder_timers WHERE office_id = 'HOOK'")).toBe(0);
    expect((await runtime.reminders.reminders.status((await engine.store.getOffice('HOOK'))!)).nextReminder).toMatchObject({ level: 1, kind: 'reminder' });
  });

  it('a pause keeps the level and clears the due time; the resume shifts both; the view lists it', async () => {
    const { engine } = runtime;
    const { store, reminders } = runtime.reminders;
    clock.set(START);
    await register('PAUSE');
    await engine.apply('PAUSE', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
    clock.set(new Date(Date.parse(START) + 10 * DAY));
    await reminders.pause('PAUSE', new Date(Date.parse(START) + 40 * DAY), 'holidays', 'test');
    expect(await store.clock('PAUSE', 'invited')).toMatchObject({ next_level: 1, next_nominal_at: '2026-02-04T08:30:00.000Z', next_reminder_at: null });
    const office = (await engine.store.getOffice('PAUSE'))!;
    expect((await reminders.status(office)).nextReminder).toBeNull();
    expect(await reminders.timers(office)).toEqual([
      { id: null, state: 'invited', level: 1, kind: 'reminder', dueAt: '2026-02-04T08:30:00.000Z', status: 'paused', firedAt: null },
    ]);
    // Resumed 7 days later: deadline and level move by 7 days (Wednesday 11 February).
    clock.set(new Date(Date.parse(START) + 17 * DAY));
    await reminders.resume('PAUSE', 'test');
    expect(await store.clock('PAUSE', 'invited')).toMatchObject({
      deadline: '2026-02-11T08:30:00.000Z',
      next_level: 1,
      next_nominal_at: '2026-02-11T08:30:00.000Z',
      next_reminder_at: '2026-02-11T08:30:00.000Z',
    });
    expect((await reminders.status(office)).nextReminder).toMatchObject({ at: '2026-02-11T08:30:00.000Z', level: 1 });
  });

  it('two schedulers on the same file that read the same due clock fire it once', async () => {
    const other = await openRuntime(testConfig(path.join(dir, 'clocks.db')), { clock });
    try {
      clock.set(START);
      await register('RACE');
      await runtime.engine.apply('RACE', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
      const at = new Date((await runtime.reminders.store.clock('RACE', 'invited'))!.next_reminder_at!);
      // Both read the due clock before either fires it (as two processes between their reads).
      const seenByFirst = (await runtime.reminders.store.clock('RACE', 'invited'))!;
      const seenBySecond = (await other.reminders.store.clock('RACE', 'invited'))!;
      expect(await runtime.engine.transact(() => runtime.reminders.reminders.fire(seenByFirst, at))).toBe('reminder');
      expect(await other.engine.transact(() => other.reminders.reminders.fire(seenBySecond, at))).toBe('skipped');
      expect(await reminderMails('RACE')).toHaveLength(1);
      const fired = await runtime.reminders.store.firedTimers('RACE');
      expect(fired).toMatchObject([{ level: 1, kind: 'reminder', status: 'fired', due_at: at.toISOString(), fired_at: at.toISOString() }]);
      expect((await reminderMails('RACE'))[0]!.timer_id).toBe(fired[0]!.id);
      await runSchedulerPass(other.engine, other.reminders.reminders, at);
      expect(await reminderMails('RACE')).toHaveLength(1);
    } finally {
      other.close();
    }
  });

  it('a level already recorded as fired sends nothing again; the clock moves on', async () => {
    const { store, reminders } = runtime.reminders;
    const due = (await store.clock('RACE', 'invited'))!;
    expect(due.next_level).toBe(2);
    const at = new Date(due.next_reminder_at!);
    await store.insertFiredTimer({
      office_id: 'RACE',
      state: 'invited',
      entry_seq: due.entry_seq,
      level: 2,
      kind: 'reminder',
      nominal_at: due.next_nominal_at!,
      due_at: due.next_reminder_at!,
      created_at: at.toISOString(),
      fired_at: at.toISOString(),
    });
    expect(await runtime.engine.transact(() => reminders.fire(due, at))).toBe('skipped');
    expect(await reminderMails('RACE')).toHaveLength(1);
    expect((await store.clock('RACE', 'invited'))!.next_level).toBe(3);
  });
});

describe('migration 005: pending timers move onto their clocks', () => {
  let dir: string;
  beforeAll(() => (dir = makeTempDir()));
  afterAll(() => removeTempDir(dir));

  it('copies pending and paused levels to the clock rows, keeps fired timers, drops the others', () => {
    const upTo4 = path.join(dir, 'upTo4');
    const upTo5 = path.join(dir, 'upTo5');
    for (const [target, last] of [[upTo4, 4], [upTo5, 5]] as const) {
      fs.mkdirSync(target);
      for (const file of fs.readdirSync(MIGRATIONS).filter((f) => /^\d+_.+\.sql$/.test(f) && Number.parseInt(f, 10) <= last)) {
        fs.copyFileSync(path.join(MIGRATIONS, file), path.join(target, file));
      }
    }
    const db = new Database(path.join(dir, 'old.db'));
    db.pragma('foreign_keys = ON');
    expect(migrate(db, upTo4)).toHaveLength(4);
    const t0 = '2026-01-05T08:30:00.000Z';
    const office = db.prepare(`INSERT INTO offices (id, name, country, language, track, stage, states, snapshot, machine_version, created_at, updated_at)
      VALUES (?, ?, 'FR', 'fr', 'kit', 'invited', '["invited"]', '{}', 1, ?, ?)`);
    const clock = db.prepare(`INSERT INTO sla_clocks (office_id, state, entry_seq, stage, owner, entered_at, deadline, paused_at, reminders_sent, next_reminder_at, escalated_at)
      VALUES (?, 'invited', 1, 'invited', 'office', ?, '2026-02-04T08:30:00.000Z', ?, ?, ?, ?)`);
    const timer = db.prepare(`INSERT INTO reminder_timers (office_id, state, entry_seq, level, kind, nominal_at, due_at, status, created_at, fired_at)
      VALUES (?, 'invited', ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const id of ['PENDING', 'PAUSED', 'ESCALATED', 'LEFT']) office.run(id, id, t0, t0);
    // PENDING: level 1 fired (with its email), level 2 pending; an older entry's timer was cancelled.
    clock.run('PENDING', t0, null, 1, '2026-02-18T08:30:00.000Z', null);
    timer.run('PENDING', 0, 1, 'reminder', '2025-12-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z', 'cancelled', t0, null);
    const fired = timer.run('PENDING', 1, 1, 'reminder', '2026-02-04T08:30:00.000Z', '2026-02-04T08:30:00.000Z', 'fired', t0, '2026-02-04T08:30:00.000Z');
    db.prepare(`INSERT INTO outbox (message_id, office_id, timer_id, kind, language, recipients, subject, text_body, html_body, created_at, send_after)
      VALUES ('m1', 'PENDING', ?, 'invited', 'fr', '[]', 's', 't', 'h', ?, ?)`).run(fired.lastInsertRowid, t0, t0);
    timer.run('PENDING', 1, 2, 'reminder', '2026-02-18T08:30:00.000Z', '2026-02-18T08:30:00.000Z', 'pending', t0, null);
    // PAUSED: its first level waits for the pause to end.
    clock.run('PAUSED', t0, '2026-01-20T00:00:00.000Z', 0, null, null);
    timer.run('PAUSED', 1, 1, 'reminder', '2026-02-04T08:30:00.000Z', '2026-02-04T08:30:00.000Z', 'paused', t0, null);
    // ESCALATED: nothing pending any more.
    clock.run('ESCALATED', t0, null, 3, null, '2026-03-18T08:30:00.000Z');
    timer.run('ESCALATED', 1, 4, 'escalation', '2026-03-18T08:30:00.000Z', '2026-03-18T08:30:00.000Z', 'fired', t0, '2026-03-18T08:30:00.000Z');
    // LEFT: a stale due time without an open timer (its policy was removed before it fired).
    clock.run('LEFT', t0, null, 0, '2026-02-04T08:30:00.000Z', null);

    expect(migrate(db, upTo5)).toEqual(['005_pending_timer_on_clock.sql']);
    const clocks = db.prepare('SELECT office_id, next_level, next_nominal_at, next_reminder_at, paused_at FROM sla_clocks ORDER BY office_id').all();
    expect(clocks).toEqual([
      { office_id: 'ESCALATED', next_level: null, next_nominal_at: null, next_reminder_at: null, paused_at: null },
      { office_id: 'LEFT', next_level: null, next_nominal_at: null, next_reminder_at: null, paused_at: null },
      { office_id: 'PAUSED', next_level: 1, next_nominal_at: '2026-02-04T08:30:00.000Z', next_reminder_at: null, paused_at: '2026-01-20T00:00:00.000Z' },
      { office_id: 'PENDING', next_level: 2, next_nominal_at: '2026-02-18T08:30:00.000Z', next_reminder_at: '2026-02-18T08:30:00.000Z', paused_at: null },
    ]);
    expect(db.prepare('SELECT office_id, level, status FROM reminder_timers ORDER BY id').all()).toEqual([
      { office_id: 'PENDING', level: 1, status: 'fired' },
      { office_id: 'ESCALATED', level: 4, status: 'fired' },
    ]);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('reminder_timers_due', 'sla_clocks_due')").pluck().all();
    expect(indexes).toEqual(['sla_clocks_due']);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM sla_clocks WHERE next_reminder_at <= '2026-03-01' ORDER BY next_reminder_at LIMIT 100")
      .all()
      .map((r) => (r as { detail: string }).detail)
      .join('\n');
    expect(plan).toContain('sla_clocks_due');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
