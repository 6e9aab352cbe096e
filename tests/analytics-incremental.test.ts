/**
 * loadHistory extends the episodes with the rows appended since its last read (issue 16 §5): after
 * every step of a programme (transitions, new offices, a new workshop, a workshop moved) the
 * extended History gives the same durations, funnel and flow as one built from a full read, on
 * SQLite and, with TEST_DATABASE_URL, on PostgreSQL; and every stay's columns (what the figures
 * read) hold what its episode holds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { stateName } from '../analytics/columns';
import { computeDurations } from '../analytics/durations';
import { buildHistory, historyBuilds, loadHistory, type History } from '../analytics/episodes';
import { computeFlow } from '../analytics/flow';
import { computeFunnel } from '../analytics/funnel';
import type { Scope } from '../analytics/scope';
import { fixedClock } from '../engine/clock';
import { Engine } from '../engine/engine';
import type { OfficeEvent } from '../machines/events';
import { migrate, openDatabase, type Db } from '../storage/db';
import { createHistoryReader, type HistoryReader } from '../storage/history-store';
import { createOfficeStore } from '../storage/office-store';
import { createPostgresHistoryReader } from '../storage/postgres/history-reader';
import { migratePostgres } from '../storage/postgres/migrate';
import { createPostgresOfficeStore } from '../storage/postgres/office-store';
import { createPool } from '../storage/postgres/pool';
import { PostgresUnitOfWork } from '../storage/postgres/unit-of-work';
import type { OfficeStore } from '../storage/types';
import { PATH } from './helpers/browser';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';

const START = '2026-01-05T09:00:00.000Z';
const DAY = 86_400_000;
const SCOPES: Scope[] = [
  { from: '2026-01-01', to: '2026-12-31' },
  { from: '2026-01-10', to: '2026-02-20', track: 'kit' },
];

interface Backend {
  store: OfficeStore;
  history: HistoryReader;
  exec(sql: string, values: unknown[]): Promise<void>;
}

type Step = (engine: Engine, b: Backend, clock: ReturnType<typeof fixedClock>) => Promise<void>;

const register = (id: string, track: 'kit' | 'internet'): Step => async (engine) =>
  void (await engine.register({ id, name: `Office ${id}`, country: track === 'kit' ? 'FR' : 'SN', language: 'en', track, contacts: [{ name: 'A', email: `a@${id.toLowerCase()}.example` }] }, { actor: 'test' }));

const events = (id: string, list: OfficeEvent[]): Step => async (engine, _b, clock) => {
  for (const event of list) {
    clock.advance(DAY);
    await engine.apply(id, event, { actor: 'test' });
  }
};

const workshop = (id: string, end: string): Step => async (_e, b) =>
  b.exec("INSERT INTO workshops (id, title, city, country, start_date, end_date, capacity, status, created_at) VALUES ($1, 'Dakar', 'Dakar', 'SN', '2026-02-02', $2, 20, 'planned', $3)", [id, end, START]);

/** The programme, one step between reads. */
const STEPS: Step[] = [
  register('KIT-A', 'kit'),
  events('KIT-A', PATH.invited),
  register('NET-B', 'internet'),
  events('NET-B', PATH.nominated),
  workshop('WS-1', '2026-02-06'),
  events('NET-B', [{ type: 'ENROLLED', workshopId: 'WS-1' }]),
  events('KIT-A', [{ type: 'REPLY_DECLINED', reason: 'No budget' }, { type: 'REOPEN' }]),
  register('KIT-C', 'kit'),
  events('KIT-C', PATH.installed),
  // The workshop moved, then a transition (the version counts workshops, so a move alone is not
  // seen): the enrolled stays' ends follow it, as in a full read.
  async (engine, b, clock) => {
    await b.exec("UPDATE workshops SET end_date = '2026-02-13' WHERE id = 'WS-1'", []);
    await events('NET-B', [{ type: 'TRAINING_COMPLETED' }])(engine, b, clock);
  },
  events('NET-B', [{ type: 'SERVICES_CONNECTED' }, { type: 'HANDED_OVER' }]),
  events('KIT-A', [{ type: 'REPLY_AFFIRMATIVE' }, { type: 'WITHDRAWN', reason: 'Merged' }]),
  events('KIT-C', [{ type: 'HANDED_OVER' }]),
];

async function fullRead(reader: HistoryReader): Promise<History> {
  return buildHistory([...(await reader.transitionsBefore('9999-12-31T00:00:00.000Z'))], await reader.offices(), await reader.workshopEnds());
}

/** What the figures read, with each episode named by office id (indexes may differ between the two). */
function figures(h: History) {
  const episodes = (list: History['leaves']) =>
    list.map((e) => ({ ...e, office: h.offices[e.office]!.id })).sort((x, y) => `${x.office} ${x.state} ${x.entered}`.localeCompare(`${y.office} ${y.state} ${y.entered}`));
  return {
    leaves: episodes(h.leaves),
    stages: episodes(h.stages),
    firstAt: h.firstAt,
    lastAt: h.lastAt,
    scoped: SCOPES.map((scope) => ({ durations: computeDurations(h, scope), funnel: computeFunnel(h, scope), flow: computeFlow(h, scope, 'week') })),
  };
}

/** Each stay's columns (what the figures read) against its episode, row by row. */
function columnsOf(h: History) {
  const rows = (c: History['leafColumns'], list: History['leaves']) => {
    expect(c.length).toBe(list.length);
    return list.map((e, i) => {
      expect({ office: c.office[i], state: stateName(c.state[i]!), entered: c.entered[i], left: c.left[i], businessMs: c.businessMs[i] }).toEqual({
        office: e.office,
        state: e.state,
        entered: e.entered,
        left: e.left,
        businessMs: e.businessMs,
      });
      return i;
    });
  };
  return [rows(h.leafColumns, h.leaves).length, rows(h.stageColumns, h.stages).length];
}

async function checkEveryStep(b: Backend): Promise<void> {
  const clock = fixedClock(START);
  const engine = new Engine({ store: b.store, clock });
  // Asked twice at once (a request during the first build): built once, both answered with it.
  const [first, second] = await Promise.all([loadHistory(b.history), loadHistory(b.history)]);
  expect(second).toBe(first);
  for (const step of STEPS) {
    await step(engine, b, clock);
    const extended = await loadHistory(b.history);
    const full = await fullRead(b.history);
    expect(figures(extended)).toEqual(figures(full));
    expect(columnsOf(extended)).toEqual(columnsOf(full));
  }
  const last = figures(await loadHistory(b.history));
  // The comparison is of a programme, not of nothing, and the episodes were extended, not rebuilt.
  expect(last.leaves.length).toBeGreaterThan(20);
  expect(last.scoped[0]!.funnel.steps.find((s) => s.step === 'handedOver')!.offices).toBe(2);
  expect(last.leaves.find((e) => e.state === 'preparing.training.enrolled')!.workshopEnd).toBe(Date.parse('2026-02-14T00:00:00.000Z'));
  expect(historyBuilds(b.history)).toEqual({ full: 1, extended: STEPS.length });
}

describe('analytics episodes extended row by row (SQLite)', () => {
  let dir: string;
  let db: Db;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analytics-incremental-'));
    db = openDatabase(path.join(dir, 'a.db'));
    migrate(db);
  });

  afterAll(() => {
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('after every step the extended episodes give the figures of a full read', async () => {
    await checkEveryStep({
      store: createOfficeStore(db),
      history: createHistoryReader(db),
      exec: async (sql, values) => void db.prepare(sql.replace(/\$\d+/g, '?')).run(...[...sql.matchAll(/\$(\d+)/g)].map((m) => values[Number(m[1]) - 1])),
    });
  });
});

describeIfPostgres('analytics episodes extended row by row (PostgreSQL)', () => {
  let database: FreshDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await freshDatabase();
    pool = createPool({ url: database.url, poolSize: 2 });
    await migratePostgres(pool);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  test('after every step the extended episodes give the figures of a full read', async () => {
    const unit = new PostgresUnitOfWork(pool);
    await checkEveryStep({ store: createPostgresOfficeStore(unit), history: createPostgresHistoryReader(unit), exec: async (sql, values) => void (await unit.query(sql, values)) });
  }, 60_000);
});
