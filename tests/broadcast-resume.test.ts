/**
 * A broadcast whose process stopped part-way is finished by another process's resumer, once its
 * lease has run out, each office once: on SQLite (two runtimes on one file) and on PostgreSQL (two
 * and three runtimes on one database, as several servers would be).
 */
import { broadcastView, createBroadcast, runBroadcast } from '../programme/broadcast';
import { resumeAbandonedBroadcasts } from '../programme/broadcast-resumer';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';
import { event, invitedAndSiteReady, office, openFixture, type ProgrammeFixture } from './programme-fixture';

const NOW = '2003-03-01T10:00:00.000Z';
const T = (day: string) => `${day}T09:00:00.000Z`;
const IDS = Array.from({ length: 12 }, (_, i) => `K${String(i + 1).padStart(2, '0')}`);
const LEASE_MS = 60_000;

/** Kit-track offices trained and ready: each sits in deployment.awaitingKit and can be held once. */
const programme = () =>
  IDS.flatMap((id) => [
    office(id, 'KE', T('2003-01-02')),
    ...invitedAndSiteReady(id, { circular: T('2003-01-03'), yes: T('2003-01-10'), surveyed: T('2003-01-15'), ready: T('2003-02-01') }),
    event(id, T('2003-02-02'), 'FOCAL_POINT_NOMINATED', { name: `FP ${id}`, email: `fp@${id.toLowerCase()}.example` }),
    event(id, T('2003-02-03'), 'ENROLLED', { workshopId: 'WS-0' }),
    event(id, T('2003-02-07'), 'TRAINING_COMPLETED'),
  ]);

const held = async (fx: ProgrammeFixture, id: string) => (await fx.runtime.store.history(id)).filter((h) => h.type === 'DEPLOYMENT_HELD').length;

/** Server A takes the hold to three offices, holding its lease, and dies. */
async function interruptedHold(a: ProgrammeFixture): Promise<string> {
  const broadcast = await createBroadcast(a.runtime, { kind: 'hold', event: { type: 'DEPLOYMENT_HELD', reason: 'Customs strike' }, description: 'hold', officeIds: IDS }, { actor: 'coordinator' });
  await runBroadcast(a.runtime, broadcast.id, { limit: 3, lease: { owner: 'server-a', ms: LEASE_MS } });
  expect((await broadcastView(a.runtime, broadcast.id)).counts).toEqual({ pending: 9, done: 3, skipped: 0, failed: 0 });
  return broadcast.id;
}

/** The cases every backend runs; answers the current test's fixtures (one per process). */
function cases(open: () => Promise<ProgrammeFixture[]>, closed: () => Promise<void> = async () => {}): () => ProgrammeFixture[] {
  let fixtures: ProgrammeFixture[] = [];
  beforeEach(async () => {
    fixtures = await open();
    await fixtures[0]!.load(programme());
  });
  afterEach(async () => {
    for (const fx of fixtures.slice(1)) await fx.close(true);
    await fixtures[0]!.close();
    await closed();
  });

  test('a live lease is left alone; once it runs out the broadcast is finished by another process, each office once', async () => {
    const [a, b] = fixtures as [ProgrammeFixture, ProgrammeFixture];
    const id = await interruptedHold(a);

    b.clock.set(new Date(Date.parse(NOW) + LEASE_MS - 1));
    expect(await resumeAbandonedBroadcasts(b.runtime, b.clock.now(), { owner: 'server-b', ms: LEASE_MS })).toEqual([]);

    b.clock.set(new Date(Date.parse(NOW) + LEASE_MS));
    const started = await resumeAbandonedBroadcasts(b.runtime, b.clock.now(), { owner: 'server-b', ms: LEASE_MS });
    expect(started.map((s) => s.id)).toEqual([id]);
    const finished = await started[0]!.finished;
    expect(finished.counts).toEqual({ pending: 0, done: 12, skipped: 0, failed: 0 });
    expect(finished.finishedAt).not.toBeNull();
    for (const office of IDS) expect({ office, held: await held(b, office) }).toEqual({ office, held: 1 });

    // Finished: no pass takes it again.
    expect(await resumeAbandonedBroadcasts(a.runtime, new Date(Date.parse(NOW) + 10 * LEASE_MS), { owner: 'server-a2', ms: LEASE_MS })).toEqual([]);
  });

  test('a broadcast with no lease (a limited run) is resumed at once', async () => {
    const [a, b] = fixtures as [ProgrammeFixture, ProgrammeFixture];
    const broadcast = await createBroadcast(a.runtime, { kind: 'hold', event: { type: 'DEPLOYMENT_HELD', reason: 'Strike' }, description: 'hold', officeIds: IDS }, { actor: 'coordinator' });
    await runBroadcast(a.runtime, broadcast.id, { limit: 5 });
    const started = await resumeAbandonedBroadcasts(b.runtime, b.clock.now(), { owner: 'server-b', ms: LEASE_MS });
    expect((await started[0]!.finished).counts).toEqual({ pending: 0, done: 12, skipped: 0, failed: 0 });
    for (const office of IDS) expect(await held(b, office)).toBe(1);
  });

  return () => fixtures;
}

describe('broadcast resumption on SQLite', () => {
  cases(async () => {
    const a = await openFixture(NOW);
    return [a, await openFixture(NOW, a.dir)];
  });
});

describeIfPostgres('broadcast resumption on PostgreSQL', () => {
  let database: FreshDatabase;
  const fixtures = cases(
    async () => {
      database = await freshDatabase();
      const a = await openFixture(NOW, undefined, { DATABASE_URL: database.url });
      return [a, await openFixture(NOW, a.dir, { DATABASE_URL: database.url }), await openFixture(NOW, a.dir, { DATABASE_URL: database.url })];
    },
    () => database.drop(),
  );

  test('two servers taking the same expired lease at once: one resumes it, and each office is held once', async () => {
    const [a, b, c] = fixtures() as [ProgrammeFixture, ProgrammeFixture, ProgrammeFixture];
    const id = await interruptedHold(a);
    const at = new Date(Date.parse(NOW) + LEASE_MS);
    const [fromB, fromC] = await Promise.all([
      resumeAbandonedBroadcasts(b.runtime, at, { owner: 'server-b', ms: LEASE_MS }),
      resumeAbandonedBroadcasts(c.runtime, at, { owner: 'server-c', ms: LEASE_MS }),
    ]);
    expect([...fromB, ...fromC].map((s) => s.id)).toEqual([id]);
    await Promise.all([...fromB, ...fromC].map((s) => s.finished));
    for (const office of IDS) expect(await held(b, office)).toBe(1);
  });
});
