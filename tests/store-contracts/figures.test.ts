/**
 * The figures and the history reader answer the same on PostgreSQL as on SQLite: one programme,
 * built by the engine on each backend with the same clock, and every read compared at instants
 * before, during and after it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { fixedClock } from '../../engine/clock';
import { Engine } from '../../engine/engine';
import type { OfficeEvent } from '../../machines/events';
import { migrate, openDatabase, type Db } from '../../storage/db';
import { createSqliteFiguresStore, type FiguresStore } from '../../storage/figures-store';
import { createHistoryReader, type HistoryReader } from '../../storage/history-store';
import { createOfficeStore } from '../../storage/office-store';
import { createPostgresFiguresStore } from '../../storage/postgres/figures-store';
import { createPostgresHistoryReader } from '../../storage/postgres/history-reader';
import { migratePostgres } from '../../storage/postgres/migrate';
import { createPostgresOfficeStore } from '../../storage/postgres/office-store';
import { createPool } from '../../storage/postgres/pool';
import { PostgresUnitOfWork } from '../../storage/postgres/unit-of-work';
import type { OfficeStore } from '../../storage/types';
import { PATH } from '../helpers/browser';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres';

const START = '2026-01-05T09:00:00.000Z';
const DAY = 86_400_000;

/** Offices by id, each with its track and its events, one day apart. */
const PROGRAMME: [string, 'kit' | 'internet', OfficeEvent[]][] = [
  ['KIT-INSTALLED', 'kit', PATH.installed],
  ['KIT-HANDED', 'kit', [...PATH.installed, { type: 'HANDED_OVER' }]],
  ['kit-lower', 'kit', PATH.installed],
  ['NET-HANDED', 'internet', [...PATH.nominated, { type: 'ENROLLED', workshopId: 'WS-1' }, { type: 'TRAINING_COMPLETED' }, { type: 'SERVICES_CONNECTED' }, { type: 'HANDED_OVER' }]],
  ['TWO-REGIONS', 'kit', PATH.preparing],
  ['INVITED', 'kit', PATH.invited],
  ['DECLINED', 'kit', PATH.declined],
  ['KIT-WITHDRAWN', 'kit', [...PATH.installed, { type: 'WITHDRAWN', reason: 'Merged into a regional office' }]],
];

interface Backend {
  store: OfficeStore;
  figures: FiguresStore;
  history: HistoryReader;
  /** Rows the reminders feature would write (it does not run here). */
  exec(sql: string, values: unknown[]): Promise<void>;
}

async function build(backend: Backend): Promise<void> {
  const clock = fixedClock(START);
  const engine = new Engine({ store: backend.store, clock });
  for (const [id, track, events] of PROGRAMME) {
    await engine.register({ id, name: `Office ${id}`, country: id.startsWith('NET') ? 'SN' : 'FR', language: 'en', track, contacts: [{ name: 'A', email: `a@${id.toLowerCase()}.example` }] }, { actor: 'test' });
    for (const event of events) {
      clock.advance(DAY);
      await engine.apply(id, event, { actor: 'test' });
    }
    clock.advance(DAY / 3);
  }
  const at = (days: number) => new Date(Date.parse(START) + days * DAY).toISOString();
  await backend.exec("INSERT INTO workshops (id, title, city, country, start_date, end_date, capacity, status, created_at) VALUES ('WS-1', 'Dakar', 'Dakar', 'SN', '2026-02-02', '2026-02-06', 20, 'held', $1)", [at(1)]);
  await backend.exec("INSERT INTO office_reminder_settings (office_id, time_zone) VALUES ('INVITED', 'Pacific/Auckland')", []);
  // A running clock past its deadline (escalated), one paused before its deadline, one not yet due.
  const clock4 = `INSERT INTO sla_clocks (office_id, state, entry_seq, stage, owner, entered_at, deadline, paused_at, escalated_at) VALUES ($1, $2, $3, $4, 'office', $5, $6, $7, $8)`;
  await backend.exec(clock4, ['INVITED', 'invited', 1, 'invited', at(30), at(60), null, at(75)]);
  await backend.exec(clock4, ['TWO-REGIONS', 'preparing.site.survey', 1, 'preparing', at(20), at(40), null, null]);
  await backend.exec(clock4, ['TWO-REGIONS', 'preparing.training.nominating', 1, 'preparing', at(20), at(50), at(45), null]);
  await backend.exec(clock4, ['DECLINED', 'invited', 1, 'invited', at(20), at(400), null, null]);
  await backend.exec(
    "INSERT INTO reminder_timers (office_id, state, entry_seq, level, kind, nominal_at, due_at, status, created_at, fired_at) VALUES ('INVITED', 'invited', 1, 3, 'escalation', $1, $1, 'fired', $1, $1)",
    [at(75)],
  );
}

/** Everything both repositories answer, at `at`, with iterables read into arrays. */
async function readAll(b: Backend, at: string): Promise<unknown> {
  const figures = b.figures;
  return {
    now: await figures.countFigures(at),
    asOf: await figures.countStateFiguresAsOf(at),
    installed: await figures.installationDatesAsOf(at),
    connected: await figures.connectionDatesAsOf(at),
    byMonth: await figures.installationsByMonthNow(),
    leaves: (await figures.leavesAsOf(at)).sort((x, y) => (x.id < y.id ? -1 : 1)),
    steps: [...(await figures.historyBefore(at))].map((s) => ({ ...s, to_states: JSON.parse(s.to_states) as unknown })),
    facts: [...(await figures.officeFacts())].sort(),
    workshops: [...(await figures.workshopEndDays())],
    escalated: [...(await figures.escalatedBefore(at))].sort(),
    transitions: [...(await b.history.transitionsBefore(at))].map((t) => ({ ...t, toStates: JSON.parse(t.toStates) as unknown })),
    offices: (await b.history.offices()).map((o) => ({ ...o, contacts: JSON.parse(o.contacts) as unknown })).sort((x, y) => (x.id < y.id ? -1 : 1)),
    workshopEnds: [...(await b.history.workshopEnds())],
  };
}

describeIfPostgres('figures and the history reader on both backends', () => {
  let dir: string;
  let db: Db;
  let database: FreshDatabase;
  let pool: Pool;
  let sqlite: Backend;
  let postgres: Backend;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'figures-contract-'));
    db = openDatabase(path.join(dir, 'contract.db'));
    migrate(db);
    sqlite = {
      store: createOfficeStore(db),
      figures: createSqliteFiguresStore(db),
      history: createHistoryReader(db),
      // $n as PostgreSQL numbers them, one `?` per occurrence for SQLite.
      exec: async (sql, values) => void db.prepare(sql.replace(/\$\d+/g, '?')).run(...[...sql.matchAll(/\$(\d+)/g)].map((m) => values[Number(m[1]) - 1])),
    };
    database = await freshDatabase();
    pool = createPool({ url: database.url, poolSize: 2 });
    await migratePostgres(pool);
    const unit = new PostgresUnitOfWork(pool);
    postgres = {
      store: createPostgresOfficeStore(unit),
      figures: createPostgresFiguresStore(unit),
      history: createPostgresHistoryReader(unit),
      exec: async (sql, values) => void (await unit.query(sql, values)),
    };
    await build(sqlite);
    await build(postgres);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['before the programme', '2025-12-01T00:00:00.000Z'],
    ['in its second week', '2026-01-19T12:00:00.000Z'],
    ['at its midpoint', new Date(Date.parse(START) + 45 * DAY).toISOString()],
    ['after every event', '2027-01-01T00:00:00.000Z'],
  ])('the same answers %s', async (_name, at) => {
    const fromSqlite = await readAll(sqlite, at);
    expect(await readAll(postgres, at)).toEqual(fromSqlite);
  });

  test('the answers are not empty: the comparison is of a programme, not of nothing', async () => {
    const at = '2027-01-01T00:00:00.000Z';
    const figures = await postgres.figures.countFigures(at);
    expect(figures).toEqual({ invited: 1, preparing: 1, installed: 3, connected: 1, handedOver: 2, stalled: 2, stuck: 1 });
    expect((await postgres.figures.installationsByMonthNow()).reduce((n, m) => n + m.n, 0)).toBe(3);
    expect(await postgres.figures.escalatedBefore(at)).toEqual(new Set(['INVITED\u0000invited\u00001']));
    expect((await postgres.figures.workshopEndDays()).get('WS-1')).toBe('2026-02-06');
    expect((await postgres.figures.officeFacts()).get('INVITED')?.timeZone).toBe('Pacific/Auckland');
  });

  test('the history version changes with each new row', async () => {
    const before = await postgres.history.version();
    const engine = new Engine({ store: postgres.store, clock: fixedClock('2027-02-01T00:00:00.000Z') });
    await engine.apply('INVITED', { type: 'REPLY_DECLINED', reason: 'Later' }, { actor: 'test' });
    expect(await postgres.history.version()).not.toBe(before);
  });
});
