/**
 * The live feed on PostgreSQL: every transition committed through any pool reaches a listener on
 * another connection, once, in an order that keeps each office's sequence; after its connection is
 * killed, the listener reconnects and reads what committed meanwhile.
 */
import { Client, type Pool } from 'pg';
import { Engine } from '../engine/engine';
import { listenForHistory, type CommittedTransition, type HistoryFeed } from '../storage/postgres/history-feed';
import { migratePostgres } from '../storage/postgres/migrate';
import { createPostgresOfficeStore } from '../storage/postgres/office-store';
import { createClient, createPool } from '../storage/postgres/pool';
import { PostgresUnitOfWork } from '../storage/postgres/unit-of-work';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';

const office = (id: string) => ({ id, name: `Office ${id}`, country: 'FR', language: 'fr', track: 'kit' as const, contacts: [{ name: 'A', email: 'a@office.example' }] });

/** Resolves once `check` holds on what the feed has received, or fails after `ms`. */
function until(received: CommittedTransition[], check: (r: CommittedTransition[]) => boolean, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (check(received)) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`feed: ${received.length} transitions after ${ms} ms`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describeIfPostgres('the history feed on PostgreSQL', () => {
  let database: FreshDatabase;
  const pools: Pool[] = [];
  let feed: HistoryFeed | undefined;
  const engineOn = () => {
    const pool = createPool({ url: database.url, poolSize: 4 });
    pools.push(pool);
    return new Engine({ store: createPostgresOfficeStore(new PostgresUnitOfWork(pool)) });
  };

  beforeAll(async () => {
    database = await freshDatabase();
    const pool = createPool({ url: database.url, poolSize: 1 });
    await migratePostgres(pool);
    await pool.end();
  });
  afterEach(async () => {
    await feed?.close();
    feed = undefined;
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await database?.drop();
  });

  test('every transition of two servers arrives once, each office in sequence', async () => {
    const received: CommittedTransition[] = [];
    feed = await listenForHistory(() => createClient(database.url), (t) => received.push(t));
    const [a, b] = [engineOn(), engineOn()];
    const ids = ['F-1', 'F-2', 'F-3'];
    for (const id of ids) await a.register(office(id), { actor: 'test' });
    // 20 details updates per office, from both servers at once.
    await Promise.all(
      ids.flatMap((id) => Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).apply(id, { type: 'DETAILS_UPDATED', city: `City ${i}` }, { actor: `server-${i % 2}` }))),
    );
    const expected = 3 + 60;
    await until(received, (r) => r.length >= expected);
    expect(received).toHaveLength(expected);
    expect(new Set(received.map((t) => t.eventId)).size).toBe(expected);
    for (const id of ids) expect(received.filter((t) => t.officeId === id).map((t) => t.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(received.find((t) => t.seq === 5)).toMatchObject({ type: 'DETAILS_UPDATED', from: ['prospect'], to: ['prospect'], at: expect.stringMatching(/Z$/) });
  });

  test('after its connection is killed, the feed reconnects and reads what committed meanwhile', async () => {
    const received: CommittedTransition[] = [];
    const errors: unknown[] = [];
    const clients: Client[] = [];
    feed = await listenForHistory(
      () => {
        const c = createClient(database.url, 'feed-under-test');
        clients.push(c);
        return c;
      },
      (t) => received.push(t),
      (e) => errors.push(e),
    );
    const engine = engineOn();
    await engine.register(office('R-1'), { actor: 'test' });
    await until(received, (r) => r.some((t) => t.officeId === 'R-1'));
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'feed-under-test'");
      await until(received, () => errors.length > 0);
      for (let i = 0; i < 5; i++) await engine.apply('R-1', { type: 'DETAILS_UPDATED', city: `After ${i}` }, { actor: 'test' });
    } finally {
      await admin.end();
    }
    await until(received, (r) => r.filter((t) => t.officeId === 'R-1').length === 6);
    expect(received.filter((t) => t.officeId === 'R-1').map((t) => t.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(clients.length).toBeGreaterThanOrEqual(2);
  });
});
