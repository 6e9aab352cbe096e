/**
 * The engine on PostgreSQL: the same transitions, history and `verify` as on SQLite, and two
 * engines on two pools of one database applying events to one office at once never fork its
 * history (the transition's load locks the office row).
 */
import type { Pool } from 'pg';
import { Engine } from '../engine/engine';
import { verify } from '../engine/verify';
import { postgresHealth } from '../storage/postgres/health';
import { migratePostgres } from '../storage/postgres/migrate';
import { createPostgresOfficeStore } from '../storage/postgres/office-store';
import { createPool } from '../storage/postgres/pool';
import { PostgresUnitOfWork } from '../storage/postgres/unit-of-work';
import type { OfficeStore } from '../storage/types';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';

const office = { name: 'Office of Tests', country: 'FR', language: 'fr', track: 'kit' as const, contacts: [{ name: 'A', email: 'a@office.example' }] };

describeIfPostgres('the engine on PostgreSQL', () => {
  let database: FreshDatabase;
  const pools: Pool[] = [];
  const storeOn = (): OfficeStore => {
    const pool = createPool({ url: database.url, poolSize: 4 });
    pools.push(pool);
    return createPostgresOfficeStore(new PostgresUnitOfWork(pool));
  };

  beforeAll(async () => {
    database = await freshDatabase();
    const pool = createPool({ url: database.url, poolSize: 1 });
    try {
      const health = postgresHealth(pool);
      await health.ping();
      expect((await health.pendingMigrations()).length).toBeGreaterThan(0);
      await migratePostgres(pool);
      expect(await health.pendingMigrations()).toEqual([]);
    } finally {
      await pool.end();
    }
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await database?.drop();
  });

  test('registers, applies events and keeps the history, as on SQLite', async () => {
    const engine = new Engine({ store: storeOn() });
    const registered = await engine.register({ ...office, id: 'PG-1' }, { actor: 'test' });
    expect(registered).toMatchObject({ id: 'PG-1', version: 0, stage: 'prospect' });
    const record = await engine.apply('PG-1', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
    expect(record.office).toMatchObject({ version: 1, states: ['invited'] });
    const stored = await engine.store.getOffice('PG-1');
    expect(stored).toMatchObject({ version: 1, states: ['invited'], contacts: office.contacts });
    expect(stored!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await engine.store.history('PG-1')).map((h) => [h.seq, h.type])).toEqual([
      [0, 'REGISTERED'],
      [1, 'SEND_CIRCULAR'],
    ]);
    await expect(engine.apply('PG-1', { type: 'SEND_CIRCULAR' }, { actor: 'test' })).rejects.toMatchObject({ code: 'event_not_allowed' });
    expect((await engine.store.listOffices({ state: 'invited' })).offices.map((o) => o.id)).toEqual(['PG-1']);
    expect(await engine.store.countByStage()).toMatchObject({ invited: 1 });
  });

  test('a rolled-back transaction stores nothing and announces nothing', async () => {
    const engine = new Engine({ store: storeOn() });
    await engine.register({ ...office, id: 'PG-2' }, { actor: 'test' });
    const announced: string[] = [];
    engine.addHooks({ afterCommit: (r) => void announced.push(r.entry.type) });
    await expect(
      engine.transact(async () => {
        await engine.apply('PG-2', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await engine.store.getOffice('PG-2'))!.version).toBe(0);
    expect(announced).toEqual([]);
  });

  test('two engines on two pools write one office at once: every event applied once, no fork, verify clean', async () => {
    const [a, b] = [new Engine({ store: storeOn() }), new Engine({ store: storeOn() })];
    await a.register({ ...office, id: 'PG-3' }, { actor: 'test' });
    const cities = Array.from({ length: 40 }, (_, i) => `City ${i}`);
    const results = await Promise.allSettled(
      cities.map((city, i) => (i % 2 === 0 ? a : b).apply('PG-3', { type: 'DETAILS_UPDATED', city }, { actor: `engine-${i % 2}` })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const history = await b.store.history('PG-3');
    expect(history.map((h) => h.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(new Set(history.slice(1).map((h) => h.payload.city))).toEqual(new Set(cities));
    expect((await a.store.getOffice('PG-3'))!.version).toBe(40);
    const report = await verify(a.store);
    expect(report.differences).toEqual([]);
  });
});
