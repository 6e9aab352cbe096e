import path from 'node:path';
import Database from 'better-sqlite3';
import { openRuntime, type Runtime } from '../app/runtime';
import { GroupCommit } from '../engine/group-commit';
import { makeTempDir, removeTempDir, testConfig } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

let dir: string;
let runtime: Runtime;

beforeEach(async () => {
  dir = makeTempDir();
  runtime = await openRuntime(testConfig(path.join(dir, 'db.sqlite'), { DB_BUSY_TIMEOUT_MS: 50 }));
  for (const id of ['G1', 'G2', 'G3']) {
    await runtime.engine.register({ id, name: id, country: 'FR', language: 'fr', track: 'kit', contacts: [] }, { actor: 'test' });
  }
});

afterEach(() => {
  runtime.close();
  removeTempDir(dir);
});

const versionOf = async (id: string) => (await runtime.store.getOffice(id))!.version;

test('work queued together commits together, and a failing item rolls back alone', async () => {
  const commits = new GroupCommit(runtime.engine);
  const announced: string[] = [];
  runtime.engine.addHooks({ afterCommit: (r) => announced.push(r.office.id) });
  const results = await Promise.allSettled([
    commits.run(async () => (await runtime.engine.apply('G1', { type: 'SEND_CIRCULAR' }, { actor: 't' })).office.version),
    commits.run(() => runtime.engine.apply('G2', { type: 'KIT_INSTALLED' }, { actor: 't' })),
    commits.run(async () => (await runtime.engine.apply('G3', { type: 'SEND_CIRCULAR' }, { actor: 't' })).office.version),
    commits.run(() => runtime.engine.apply('G1', { type: 'SEND_CIRCULAR' }, { actor: 't', expectedVersion: 0 })),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
  expect((results[1] as PromiseRejectedResult).reason.code).toBe('event_not_allowed');
  expect((results[3] as PromiseRejectedResult).reason.code).toBe('version_mismatch');
  expect([await versionOf('G1'), await versionOf('G2'), await versionOf('G3')]).toEqual([1, 0, 1]);
  expect(await runtime.store.history('G2')).toHaveLength(1);
  expect(announced.sort()).toEqual(['G1', 'G3']);
});

test('when the commit itself cannot happen, every caller is refused and nothing is stored', async () => {
  const commits = new GroupCommit(runtime.engine);
  const blocker = new Database(runtime.config.DATABASE_PATH);
  blocker.prepare('BEGIN IMMEDIATE').run();
  try {
    const results = await Promise.allSettled([
      commits.run(() => runtime.engine.apply('G1', { type: 'SEND_CIRCULAR' }, { actor: 't' })),
      commits.run(() => runtime.engine.apply('G2', { type: 'SEND_CIRCULAR' }, { actor: 't' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.code).toBe('SQLITE_BUSY');
  } finally {
    blocker.prepare('ROLLBACK').run();
    blocker.close();
  }
  expect([await versionOf('G1'), await versionOf('G2')]).toEqual([0, 0]);
});

/** Office ids per commit, in commit order: afterCommit announces one commit's records in one go. */
function recordCommits(): string[][] {
  const commits: string[][] = [];
  let current: string[] | null = null;
  runtime.engine.addHooks({
    afterCommit: (r) => {
      if (!current) {
        current = [];
        const closing = current;
        queueMicrotask(() => {
          commits.push(closing);
          current = null;
        });
      }
      current.push(r.office.id);
    },
  });
  return commits;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const send = (commits: GroupCommit, id: string, type: 'SEND_CIRCULAR' | 'REPLY_AFFIRMATIVE') =>
  commits.run(() => runtime.engine.apply(id, { type }, { actor: 't' }));

test('requests arriving one by one after a commit wait for each other, up to the size of the last batch', async () => {
  const commits = new GroupCommit(runtime.engine, { maxWaitMs: 60_000 });
  const seen = recordCommits();
  await Promise.all(['G1', 'G2', 'G3'].map((id) => send(commits, id, 'SEND_CIRCULAR')));
  // Each on a later turn of the event loop: without the wait, each would be a commit of its own.
  const second = [send(commits, 'G1', 'REPLY_AFFIRMATIVE')];
  await nextTurn();
  second.push(send(commits, 'G2', 'REPLY_AFFIRMATIVE'));
  await nextTurn();
  second.push(send(commits, 'G3', 'REPLY_AFFIRMATIVE'));
  await Promise.all(second);
  expect(seen).toEqual([
    ['G1', 'G2', 'G3'],
    ['G1', 'G2', 'G3'],
  ]);
});

test('the wait is bounded: a request whose siblings never come is committed alone', async () => {
  const commits = new GroupCommit(runtime.engine, { maxWaitMs: 20 });
  const seen = recordCommits();
  await Promise.all(['G1', 'G2'].map((id) => send(commits, id, 'SEND_CIRCULAR')));
  await send(commits, 'G3', 'SEND_CIRCULAR');
  expect(seen).toEqual([['G1', 'G2'], ['G3']]);
  expect([await versionOf('G1'), await versionOf('G2'), await versionOf('G3')]).toEqual([1, 1, 1]);
});

test('savepoint journals are kept in memory, and a failing item of a 40-request batch still rolls back alone', async () => {
  // SQLite spills a statement journal past 64 KiB; with temp_store = MEMORY it never goes to a file.
  expect(sqliteDb(runtime).pragma('temp_store', { simple: true })).toBe(2);
  const ids = Array.from({ length: 40 }, (_, i) => `B${i}`);
  for (const id of ids) {
    await runtime.engine.register({ id, name: id, country: 'FR', language: 'fr', track: 'kit', contacts: [] }, { actor: 'test' });
  }
  const commits = new GroupCommit(runtime.engine);
  const results = await Promise.allSettled(
    ids.map((id, i) =>
      commits.run(async () => {
        for (const type of ['SEND_CIRCULAR', 'REPLY_AFFIRMATIVE', 'SITE_SURVEYED'] as const) {
          await runtime.engine.apply(id, { type }, { actor: 't' });
        }
        if (i === 20) throw new Error('refused after writing');
      }),
    ),
  );
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  expect(await versionOf('B20')).toBe(0);
  expect(await runtime.store.history('B20')).toHaveLength(1);
  expect(await Promise.all(ids.filter((id) => id !== 'B20').map(versionOf))).toEqual(Array(39).fill(3));
  expect((await runtime.store.getOffice('B19'))!.states).toEqual(['preparing.site.inProgress', 'preparing.training.awaitingNomination']);
});

test('an after-commit hook that throws changes neither the answer nor what the other hooks see', async () => {
  const commits = new GroupCommit(runtime.engine);
  const reported: { office: string; version: number; message: string }[] = [];
  runtime.engine.onHookError = (error, record) =>
    reported.push({ office: record.office.id, version: record.office.version, message: (error as Error).message });
  const seen: string[] = [];
  runtime.engine.addHooks({
    afterCommit: () => {
      throw new Error('stream broke');
    },
  });
  runtime.engine.addHooks({ afterCommit: (r) => seen.push(r.office.id) });
  const results = await Promise.allSettled([
    commits.run(async () => (await runtime.engine.apply('G1', { type: 'SEND_CIRCULAR' }, { actor: 't' })).office.version),
    commits.run(async () => (await runtime.engine.apply('G2', { type: 'SEND_CIRCULAR' }, { actor: 't' })).office.version),
  ]);
  expect(results).toEqual([
    { status: 'fulfilled', value: 1 },
    { status: 'fulfilled', value: 1 },
  ]);
  expect(seen.sort()).toEqual(['G1', 'G2']);
  expect(reported.sort((a, b) => a.office.localeCompare(b.office))).toEqual([
    { office: 'G1', version: 1, message: 'stream broke' },
    { office: 'G2', version: 1, message: 'stream broke' },
  ]);
});
