import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { broadcastView, runBroadcast, unfinishedBroadcasts } from '../programme/broadcast';
import { declareHold, listGoldDisks, recallGoldDisk, releaseGoldDisk } from '../programme/gold-disk';
import { event, getJson, invitedAndSiteReady, office, openFixture, postJson, type ProgrammeFixture } from './programme-fixture';

const T = (day: string) => `${day}T09:00:00.000Z`;
const ROOT = path.resolve(__dirname, '..');

/** A kit-track office trained and ready: it sits in deployment.awaitingKit. */
function awaitingKit(id: string, country: string) {
  return [
    office(id, country, T('2003-01-02')),
    ...invitedAndSiteReady(id, { circular: T('2003-01-03'), yes: T('2003-01-10'), surveyed: T('2003-01-15'), ready: T('2003-02-01') }),
    event(id, T('2003-02-02'), 'FOCAL_POINT_NOMINATED', { name: `FP ${id}`, email: `fp@${id.toLowerCase()}.example` }),
    event(id, T('2003-02-03'), 'ENROLLED', { workshopId: 'WS-0' }),
    event(id, T('2003-02-07'), 'TRAINING_COMPLETED'),
  ];
}

const AWAITING = ['A1', 'A2', 'A3', 'A4'];
const IN_TRANSIT = ['T1', 'T2'];

function programme() {
  return [
    ...[...AWAITING, ...IN_TRANSIT, 'I1'].flatMap((id) => awaitingKit(id, 'KE')),
    ...IN_TRANSIT.map((id) => event(id, T('2003-02-10'), 'KIT_SHIPPED', { goldDiskVersion: '1.0' })),
    event('I1', T('2003-02-10'), 'KIT_SHIPPED', { goldDiskVersion: '1.0' }),
    event('I1', T('2003-02-20'), 'KIT_DELIVERED'),
  ];
}

const countOf = async (fx: ProgrammeFixture, id: string, type: string) => (await fx.runtime.store.history(id)).filter((h) => h.type === type).length;

describe('Gold Disk releases and deployment holds', () => {
  let fx: ProgrammeFixture;
  beforeEach(async () => {
    fx = await openFixture('2003-03-01T10:00:00.000Z');
    await fx.load(programme());
  });
  afterEach(() => fx.close());

  it('recalling the current version holds every office awaiting or receiving a kit; a release resumes them', async () => {
    const first = await releaseGoldDisk(fx.runtime, { version: '1.0', notes: 'First release' }, { actor: 'coordinator' });
    expect(first.broadcast.total).toBe(0);
    expect(await listGoldDisks(fx.runtime)).toMatchObject({ current: '1.0', versions: [{ version: '1.0', status: 'current', kitsShipped: 3 }] });

    const recall = await recallGoldDisk(fx.runtime, { version: '1.0', reason: 'Antivirus fails to update' }, { actor: 'coordinator' });
    expect(recall.goldDisk).toMatchObject({ status: 'recalled', recallReason: 'Antivirus fails to update' });
    expect(recall.broadcast.counts).toEqual({ pending: 0, done: 6, skipped: 0, failed: 0 });
    expect(recall.broadcast.offices.map((o) => o.officeId).sort()).toEqual([...AWAITING, ...IN_TRANSIT].sort());
    expect(recall.broadcast.finishedAt).not.toBeNull();
    for (const id of [...AWAITING, ...IN_TRANSIT]) expect((await fx.runtime.store.getOffice(id))!.states).toEqual(['deployment.onHold']);
    expect((await fx.runtime.store.getOffice('I1'))!.states).toEqual(['deployment.installing']);
    expect((await fx.runtime.store.history('A1')).at(-1)!.payload).toEqual({ reason: 'Gold Disk 1.0 recalled: Antivirus fails to update' });

    const release = await releaseGoldDisk(fx.runtime, { version: '2.0', notes: 'Fixed antivirus' }, { actor: 'coordinator' });
    expect(release.broadcast.counts.done).toBe(6);
    for (const id of [...AWAITING, ...IN_TRANSIT]) {
      const o = (await fx.runtime.store.getOffice(id))!;
      expect(o.states).toEqual(['deployment.awaitingKit']);
      expect(o.snapshot.context.goldDiskVersion).toBe('2.0');
    }
    // The kit shipped now records the version it goes out with.
    await fx.runtime.engine.apply('A1', { type: 'KIT_SHIPPED' }, { actor: 'test' });
    expect((await listGoldDisks(fx.runtime)).versions.map((v) => [v.version, v.status, v.kitsShipped])).toEqual([
      ['2.0', 'current', 1],
      ['1.0', 'recalled', 3],
    ]);
    await expect(releaseGoldDisk(fx.runtime, { version: '2.0' }, { actor: 'x' })).rejects.toThrow(/already been released/);
  });

  it('a broadcast interrupted part-way finishes the remainder when run again, repeating nothing', async () => {
    // "Crash" after three offices: the run stops with an exception from inside the loop.
    const crash = new Error('process died');
    let processed = 0;
    await expect(declareHold(fx.runtime, { reason: 'Customs strike' }, {
        actor: 'coordinator',
        afterOffice: () => {
          if (++processed === 3) throw crash;
        },
      })).rejects.toThrow(crash);
    const [unfinished] = await unfinishedBroadcasts(fx.runtime);
    expect(unfinished!.counts).toEqual({ pending: 3, done: 3, skipped: 0, failed: 0 });

    // Meanwhile one pending office moved on: it is skipped, not forced.
    const pendingRow = (await broadcastView(fx.runtime, unfinished!.id)).offices.find((o) => o.status === 'pending' && IN_TRANSIT.includes(o.officeId));
    expect(pendingRow?.officeId).toBe('T1');
    await fx.runtime.engine.apply(pendingRow!.officeId, { type: 'KIT_DELIVERED' }, { actor: 'test' });

    const resumed = await runBroadcast(fx.runtime, unfinished!.id);
    expect(resumed.counts.pending).toBe(0);
    expect(resumed.counts).toEqual({ pending: 0, done: 5, skipped: 1, failed: 0 });
    expect(resumed.finishedAt).not.toBeNull();
    for (const id of [...AWAITING, ...IN_TRANSIT]) {
      expect(await countOf(fx, id, 'DEPLOYMENT_HELD')).toBe(id === 'T1' ? 0 : 1);
    }
    expect(resumed.offices.find((o) => o.officeId === 'T1')).toMatchObject({ status: 'skipped', message: expect.stringMatching(/cannot take DEPLOYMENT_HELD/) });
    // Running it once more does nothing at all.
    const versions = await Promise.all([...AWAITING, ...IN_TRANSIT].map(async (id) => (await fx.runtime.store.getOffice(id))!.version));
    await runBroadcast(fx.runtime, unfinished!.id);
    expect(await Promise.all([...AWAITING, ...IN_TRANSIT].map(async (id) => (await fx.runtime.store.getOffice(id))!.version))).toEqual(versions);
  });

  it('a limit leaves the rest pending for a later run', async () => {
    const held = await declareHold(fx.runtime, { reason: 'Customs strike' }, { actor: 'c', limit: 2 });
    expect(held.counts).toEqual({ pending: 4, done: 2, skipped: 0, failed: 0 });
    expect(held.finishedAt).toBeNull();
    const rest = await runBroadcast(fx.runtime, held.id);
    expect(rest.counts).toEqual({ pending: 0, done: 6, skipped: 0, failed: 0 });
    for (const id of [...AWAITING, ...IN_TRANSIT]) expect(await countOf(fx, id, 'DEPLOYMENT_HELD')).toBe(1);
  });

  it('survives kill -9 in the middle of a broadcast: the re-run finishes the rest, once each', async () => {
    const held = await declareHold(fx.runtime, { reason: 'Customs strike' }, { actor: 'c', limit: 0 });
    expect(held.counts.pending).toBe(6);
    await fx.close(true);
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'programme-broadcast-child.ts'), fx.dbPath, held.id, '3'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout.trim().split('\n')).toHaveLength(3);

    // Re-open the same file after the child has died.
    const again = await openFixture('2003-03-01T11:00:00.000Z', fx.dir);
    fx = again;
    expect((await broadcastView(again.runtime, held.id)).counts).toEqual({ pending: 3, done: 3, skipped: 0, failed: 0 });
    const finished = await runBroadcast(again.runtime, held.id);
    expect(finished.counts).toEqual({ pending: 0, done: 6, skipped: 0, failed: 0 });
    for (const id of [...AWAITING, ...IN_TRANSIT]) expect(await countOf(again, id, 'DEPLOYMENT_HELD')).toBe(1);
  });

  it('is available over HTTP', async () => {
    const base = await fx.serve();
    expect((await postJson(`${base}/api/gold-disk/releases`, { version: '1.0' })).status).toBe(200);
    const recall = await postJson(`${base}/api/gold-disk/1.0/recall`, { reason: 'Broken driver' });
    expect(recall.status).toBe(200);
    expect(recall.body.broadcast.counts.done).toBe(6);
    const list = await getJson(`${base}/api/broadcasts`);
    expect(list.body.broadcasts[0]).toMatchObject({ kind: 'hold', total: 6 });
    const one = await getJson(`${base}/api/broadcasts/${recall.body.broadcast.id}`);
    expect(one.body.offices).toHaveLength(6);
    const resumed = await postJson(`${base}/api/broadcasts/${recall.body.broadcast.id}/resume`, {});
    expect(resumed.body.counts.done).toBe(6);
    expect((await postJson(`${base}/api/gold-disk/9.9/recall`, { reason: 'x' })).status).toBe(404);
    expect((await postJson(`${base}/api/gold-disk/hold`, {})).status).toBe(400);
    const gd = await getJson(`${base}/api/gold-disk`);
    expect(gd.body).toMatchObject({ current: null, onHold: 6 });
  });
});
