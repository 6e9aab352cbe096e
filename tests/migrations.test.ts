/**
 * Migrations that rebuild a table keep its rows: a database written by an older release is
 * migrated in place and reads the same afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openRuntime } from '../app/runtime';
import { getOfficeView } from '../engine/queries';
import { verify } from '../engine/verify';
import { migrate, openDatabase } from '../storage/db';
import { kitHappyPath, sampleEvent } from './fixtures/events';
import { makeTempDir, removeTempDir, testConfig } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

const MIGRATIONS = path.join(__dirname, '..', 'storage', 'migrations');

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTempDir(dir));

/** A migrations folder holding only the files numbered below `first`. */
function migrationsBefore(first: number): string {
  const older = path.join(dir, `migrations-before-${first}`);
  fs.mkdirSync(older);
  for (const file of fs.readdirSync(MIGRATIONS)) {
    if (/^\d+_.+\.sql$/.test(file) && Number.parseInt(file, 10) < first) fs.copyFileSync(path.join(MIGRATIONS, file), path.join(older, file));
  }
  return older;
}

test('006 re-keys the active state rows by path and keeps every row and its entry time; 007 copies the times onto the office row', async () => {
  const file = path.join(dir, 'old.db');
  const db = openDatabase(file);
  migrate(db, migrationsBefore(6));
  const rows = [
    ['OLD-1', 'preparing', 0, '2024-01-02T03:04:05.000Z'],
    ['OLD-1', 'preparing.site', 0, '2024-01-02T03:04:05.000Z'],
    ['OLD-1', 'preparing.site.surveying', 1, '2024-01-02T03:04:05.000Z'],
    ['OLD-1', 'preparing.training', 0, '2024-01-02T03:04:05.000Z'],
    ['OLD-1', 'preparing.training.nominated', 1, '2024-02-03T04:05:06.000Z'],
  ] as const;
  const snapshot = {
    value: { preparing: { site: 'surveying', training: 'nominated' } },
    context: { track: 'kit', reason: null, focalPoint: { name: 'A', email: 'a@ipo.example.org' }, workshopId: null, goldDiskVersion: null },
    status: 'active',
  };
  db.prepare(`INSERT INTO offices (id, name, country, language, track, contacts, stage, states, snapshot, machine_version, version, created_at, updated_at)
    VALUES ('OLD-1', 'Old office', 'FR', 'fr', 'kit', '[]', 'preparing', ?, ?, 1, 0, '2024-01-01T00:00:00.000Z', '2024-02-03T04:05:06.000Z')`).run(
    JSON.stringify(['preparing.site.surveying', 'preparing.training.nominated']),
    JSON.stringify(snapshot),
  );
  const insert = db.prepare('INSERT INTO office_states (office_id, path, is_leaf, entered_at) VALUES (?, ?, ?, ?)');
  for (const row of rows) insert.run(...row);
  db.close();

  const runtime = await openRuntime(testConfig(file), { skipCompatibilityCheck: true });
  try {
    const stored = sqliteDb(runtime).prepare('SELECT office_id, path, is_leaf, entered_at FROM office_states ORDER BY path').all();
    expect(stored).toEqual([...rows].sort((a, b) => a[1].localeCompare(b[1])).map(([office_id, p, is_leaf, entered_at]) => ({ office_id, path: p, is_leaf, entered_at })));
    const view = await getOfficeView(runtime.store, 'OLD-1');
    expect(view.states).toEqual(['preparing.site.surveying', 'preparing.training.nominated']);
    expect(view.enteredAt).toEqual(Object.fromEntries(rows.map((r) => [r[1], r[3]])));
    expect(sqliteDb(runtime).prepare("SELECT name FROM sqlite_master WHERE name = 'office_states_path'").get()).toBeUndefined();
    expect((await runtime.store.getOffice('OLD-1'))!.enteredAt).toEqual(Object.fromEntries(rows.map((r) => [r[1], r[3]])));
    // The next transition keeps the migrated times of the states it stays in.
    await runtime.engine.apply('OLD-1', sampleEvent('SITE_SURVEYED'), { actor: 'test', at: new Date('2024-03-01T00:00:00.000Z') });
    expect((await runtime.store.getOffice('OLD-1'))!.enteredAt).toEqual({
      preparing: '2024-01-02T03:04:05.000Z',
      'preparing.site': '2024-01-02T03:04:05.000Z',
      'preparing.site.inProgress': '2024-03-01T00:00:00.000Z',
      'preparing.training': '2024-01-02T03:04:05.000Z',
      'preparing.training.nominated': '2024-02-03T04:05:06.000Z',
    });
  } finally {
    runtime.close();
  }
});

test('after 006 a transition moves the rows of the states it leaves and enters, and verify is clean', async () => {
  const runtime = await openRuntime(testConfig(path.join(dir, 'new.db')));
  try {
    await runtime.engine.register({ id: 'NEW-1', name: 'New', country: 'KE', language: 'en', track: 'kit', contacts: [] }, { actor: 'test' });
    for (const type of kitHappyPath.slice(0, 3)) await runtime.engine.apply('NEW-1', sampleEvent(type), { actor: 'test' });
    const paths = sqliteDb(runtime).prepare("SELECT path FROM office_states WHERE office_id = 'NEW-1' ORDER BY path").pluck().all();
    expect(paths).toEqual(['preparing', 'preparing.site', 'preparing.site.inProgress', 'preparing.training', 'preparing.training.awaitingNomination']);
    expect(await runtime.store.countByLeafState(['preparing.site.inProgress', 'invited'])).toEqual({ 'preparing.site.inProgress': 1 });
    expect((await verify(runtime.store)).differences).toEqual([]);
  } finally {
    runtime.close();
  }
});

test('the runtime connection runs WAL with FULL sync, foreign keys and the busy timeout, and records every migration', async () => {
  const runtime = await openRuntime(testConfig(path.join(dir, 'settings.db'), { DB_BUSY_TIMEOUT_MS: 1234 }));
  try {
    const setting = (name: string) => sqliteDb(runtime).pragma(name, { simple: true });
    expect(setting('journal_mode')).toBe('wal');
    expect(setting('synchronous')).toBe(2); // FULL
    expect(setting('foreign_keys')).toBe(1);
    expect(setting('busy_timeout')).toBe(1234);
    const files = fs.readdirSync(MIGRATIONS).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
    expect(sqliteDb(runtime).prepare('SELECT name FROM migrations ORDER BY id').pluck().all()).toEqual(files);
  } finally {
    runtime.close();
  }
});
