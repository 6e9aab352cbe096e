/**
 * Start-up compatibility: a stored snapshot that no longer resolves on the current machine stops
 * `openRuntime` (and so the server) with an error that lists it; nothing starts silently wrong.
 */
import path from 'node:path';
import { openRuntime } from '../app/runtime';
import { IncompatibleSnapshotsError, LISTED_IDS } from '../engine/compatibility';
import { OFFICE_MACHINE_VERSION } from '../machines/office';
import { openDatabase } from '../storage/db';
import { sampleEvent } from './fixtures/events';
import { makeTempDir, removeTempDir, runCli, runServerToExit, spawnServer, testConfig } from './helpers/server';

// These tests start Node processes (server, CLI): allow for a slow, busy machine.
jest.setTimeout(180_000);

let dir: string;
let dbPath: string;

/** Writes straight into the file, as an old release or a hand edit would have. */
function sql(statement: string, ...params: unknown[]): void {
  const db = openDatabase(dbPath);
  try {
    db.prepare(statement).run(...params);
  } finally {
    db.close();
  }
}

beforeEach(async () => {
  dir = makeTempDir();
  dbPath = path.join(dir, 'compat.db');
  const runtime = await openRuntime(testConfig(dbPath));
  for (const id of ['OK-1', 'OK-2', 'GONE-1', 'GONE-2', 'GONE-3', 'NEWER-1']) {
    await runtime.engine.register({ id, name: id, country: 'DE', language: 'de', track: 'kit', contacts: [] }, { actor: 'test' });
    await runtime.engine.apply(id, sampleEvent('SEND_CIRCULAR'), { actor: 'test' });
  }
  runtime.close();
});
afterEach(() => removeTempDir(dir));

function breakSnapshots(): void {
  sql(`UPDATE offices SET snapshot = json_set(snapshot, '$.value', 'teleported') WHERE id IN ('GONE-1', 'GONE-2')`);
  sql(`UPDATE offices SET snapshot = json_set(snapshot, '$.value', json('{"deployment":"awaitingPermit"}')) WHERE id = 'GONE-3'`);
  sql(`UPDATE offices SET machine_version = ? WHERE id = 'NEWER-1'`, OFFICE_MACHINE_VERSION + 1);
}

test('a clean database opens', async () => {
  (await openRuntime(testConfig(dbPath))).close();
});

test('openRuntime refuses a database whose snapshots no longer resolve, and lists each kind and its offices', async () => {
  breakSnapshots();
  let error: unknown;
  try {
    (await openRuntime(testConfig(dbPath))).close();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(IncompatibleSnapshotsError);
  const problems = (error as IncompatibleSnapshotsError).problems;
  expect(problems.map((p) => [JSON.parse(p.value), p.count, p.officeIds]).sort()).toEqual(
    [
      ['teleported', 2, ['GONE-1', 'GONE-2']],
      [{ deployment: 'awaitingPermit' }, 1, ['GONE-3']],
      ['invited', 1, ['NEWER-1']],
    ].sort(),
  );
  const message = (error as Error).message;
  expect(message).toMatch(/^4 stored office\(s\) no longer resolve on office machine v\d+/);
  expect(message).toContain('"teleported"');
  expect(message).toContain('awaitingPermit');
  expect(message).toContain('2 offices: GONE-1, GONE-2)');
  expect(message).toContain(`newer machine version ${OFFICE_MACHINE_VERSION + 1}`);
  expect(message).not.toContain('OK-1');
});

test('a kind shared by many offices lists the first ones by id and counts the rest', async () => {
  const runtime = await openRuntime(testConfig(dbPath));
  const ids = Array.from({ length: LISTED_IDS + 3 }, (_, i) => `LOST-${String(i).padStart(3, '0')}`);
  for (const id of ids) await runtime.engine.register({ id, name: id, country: 'DE', language: 'de', track: 'kit', contacts: [] }, { actor: 'test' });
  runtime.close();
  sql(`UPDATE offices SET snapshot = json_set(snapshot, '$.value', 'lost') WHERE id LIKE 'LOST-%'`);
  let error: unknown;
  try {
    (await openRuntime(testConfig(dbPath))).close();
  } catch (e) {
    error = e;
  }
  const [problem] = (error as IncompatibleSnapshotsError).problems;
  expect(problem!.count).toBe(LISTED_IDS + 3);
  expect(problem!.officeIds).toEqual(ids.slice(0, LISTED_IDS));
  expect((error as Error).message).toContain(`${ids.at(LISTED_IDS - 1)} and 3 more)`);
  expect((error as Error).message).not.toContain(ids.at(-1));
});

test('an office stored by an older machine version records the current one at its next transition', async () => {
  sql(`UPDATE offices SET machine_version = ? WHERE id = 'OK-1'`, OFFICE_MACHINE_VERSION - 1);
  const runtime = await openRuntime(testConfig(dbPath));
  try {
    expect((await runtime.store.getOffice('OK-1'))!.machineVersion).toBe(OFFICE_MACHINE_VERSION - 1);
    await runtime.engine.apply('OK-1', sampleEvent('REPLY_AFFIRMATIVE'), { actor: 'test' });
    expect((await runtime.store.getOffice('OK-1'))!.machineVersion).toBe(OFFICE_MACHINE_VERSION);
    expect((await runtime.store.getOffice('OK-2'))!.machineVersion).toBe(OFFICE_MACHINE_VERSION);
  } finally {
    runtime.close();
  }
});

test('the server process exits non-zero with that message instead of starting', async () => {
  breakSnapshots();
  const result = await runServerToExit(dbPath);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('no longer resolve on office machine');
  expect(result.stderr).toContain('"teleported"');
  expect(result.stderr).toContain('GONE-3');
  expect(result.stdout).not.toMatch(/listening/);
});

test('verify still runs on such a database and names the broken offices', async () => {
  breakSnapshots();
  const result = await runCli(dbPath, ['verify']);
  expect(result.code).toBe(1);
  for (const id of ['GONE-1', 'GONE-2', 'GONE-3']) expect(result.stdout).toMatch(new RegExp(`^\\s+${id}: `, 'm'));
  expect(result.stdout).not.toMatch(/^\s+OK-1: /m);
});

test('once the offices are repaired the server starts again', async () => {
  breakSnapshots();
  sql(`UPDATE offices SET snapshot = json_set(snapshot, '$.value', 'invited') WHERE id LIKE 'GONE-%'`);
  sql(`UPDATE offices SET machine_version = ? WHERE id = 'NEWER-1'`, OFFICE_MACHINE_VERSION);
  const server = await spawnServer(dbPath);
  await server.kill('SIGTERM');
  expect(await server.exited).toBe(0);
});
