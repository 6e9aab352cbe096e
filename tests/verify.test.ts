/**
 * `verify` rebuilds every office from its history and compares with what is stored: a database
 * written only by the engine is clean, and each kind of tampering is reported against its office.
 */
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { verify } from '../engine/verify';
import { sampleEvent, seedEightEventsDown } from './fixtures/events';
import { makeTempDir, removeTempDir, runCli, testConfig } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

// These tests start Node processes (server, CLI): allow for a slow, busy machine.
jest.setTimeout(180_000);

let dir: string;
let dbPath: string;
let runtime: Runtime;

const seed = (ids: string[]) => seedEightEventsDown(runtime.engine, ids);

beforeEach(async () => {
  dir = makeTempDir();
  dbPath = path.join(dir, 'verify.db');
  runtime = await openRuntime(testConfig(dbPath));
});
afterEach(() => {
  runtime.close();
  removeTempDir(dir);
});

test('an untouched database verifies clean', async () => {
  await seed(['BR-1', 'BR-2']);
  expect(await verify(runtime.store)).toEqual({ offices: 2, events: 16, differences: [] });
});

const tamperings: [label: string, statement: string, problem: RegExp][] = [
  ['the stored state changed', `UPDATE offices SET snapshot = json_set(snapshot, '$.value', 'installed'), states = '["installed"]', stage = 'installed' WHERE id = ?`, /stored snapshot .* differs from replay/],
  ['the stored context changed', `UPDATE offices SET snapshot = json_set(snapshot, '$.context.goldDiskVersion', 'GD-FORGED') WHERE id = ?`, /GD-FORGED/],
  ['a history row deleted', `DELETE FROM history WHERE office_id = ? AND seq = 3`, /seq 4 found where 3 was expected/],
  ['a history event rewritten', `UPDATE history SET type = 'SITE_DIFFICULTY', payload = '{"reason":"x"}' WHERE office_id = ? AND seq = 4`, /seq 4: history says it entered/],
  ['a history event of an unknown type', `UPDATE history SET type = 'TELEPORTED' WHERE office_id = ? AND seq = 8`, /unknown event type TELEPORTED/],
  ['the version moved without history', `UPDATE offices SET version = version + 1 WHERE id = ?`, /version 9 but 8 events/],
  ['the stored entered-at of a state changed', `UPDATE offices SET entered_at = json_set(entered_at, '$."deployment.inTransit"', '2020-01-01T00:00:00.000Z') WHERE id = ?`, /stored entered-at .*2020-01-01.* differs from replay/],
  ['a state missing from the stored entered-at', `UPDATE offices SET entered_at = json_remove(entered_at, '$."deployment"') WHERE id = ?`, /stored entered-at .* differs from replay/],
  ['the time of an active state row changed', `UPDATE office_states SET entered_at = '2020-01-01T00:00:00.000Z' WHERE office_id = ? AND path = 'deployment'`, /active state rows .*2020-01-01.* differ from replay/],
  ['an active state row lost', `DELETE FROM office_states WHERE office_id = ? AND path = 'deployment.inTransit'`, /active state rows/],
  ['an active state row for a state it is not in', `INSERT INTO office_states (path, office_id, is_leaf, entered_at) VALUES ('declined', ?, 1, '2020-01-01T00:00:00.000Z')`, /active state row declined differs from replay/],
];

test.each(tamperings)('%s is reported against that office only', async (_label, statement, problem) => {
  await seed(['BR-CLEAN', 'BR-TAMPERED', 'BR-ALSO-CLEAN']);
  sqliteDb(runtime).prepare(statement).run('BR-TAMPERED');
  const report = await verify(runtime.store);
  expect(report.offices).toBe(3);
  expect(report.differences).toEqual([{ officeId: 'BR-TAMPERED', problem: expect.stringMatching(problem) }]);
});

test('an event recorded after the office finished is reported', async () => {
  await seed(['BR-CLEAN']);
  await runtime.engine.register({ id: 'BR-DONE', name: 'Done', country: 'BR', language: 'pt', track: 'kit', contacts: [] }, { actor: 'test' });
  await runtime.engine.apply('BR-DONE', { type: 'WITHDRAWN', reason: 'no longer taking part' }, { actor: 'test' });
  expect((await verify(runtime.store)).differences).toEqual([]);
  sqliteDb(runtime)
    .prepare(`INSERT INTO history (office_id, seq, type, payload, from_states, to_states, actor, at)
      VALUES ('BR-DONE', 2, 'WITHDRAWN', '{"reason":"again"}', '["withdrawn"]', '["withdrawn"]', 'test', '2030-01-01T00:00:00.000Z')`)
    .run();
  sqliteDb(runtime).prepare("UPDATE offices SET version = 2 WHERE id = 'BR-DONE'").run();
  expect((await verify(runtime.store)).differences).toEqual([{ officeId: 'BR-DONE', problem: 'seq 2: WITHDRAWN after the office finished in withdrawn' }]);
});

test('verify reads one snapshot: a transition committed while it runs is neither seen nor a difference', async () => {
  await seed(['BR-LIVE']);
  // A second connection commits, as the running server would, between verify's reads of BR-LIVE.
  const server = await openRuntime(testConfig(dbPath));
  let committed = false;
  const store = {
    ...runtime.store,
    history: async (id: string) => {
      if (!committed) {
        committed = true;
        await server.engine.apply(id, sampleEvent('KIT_DELIVERED'), { actor: 'server' });
      }
      return await runtime.store.history(id);
    },
  };
  try {
    expect(await verify(store)).toEqual({ offices: 1, events: 8, differences: [] });
    expect(committed).toBe(true);
  } finally {
    server.close();
  }
});

test('npm run cli -- verify prints the tampered office and exits 1', async () => {
  await seed(['BR-CLEAN', 'BR-TAMPERED']);
  sqliteDb(runtime).prepare(tamperings[0]![1]).run('BR-TAMPERED');
  const result = await runCli(dbPath, ['verify']);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/^Verified 2 offices, 16 events: 1 difference\(s\)\.$/m);
  expect(result.stdout).toMatch(/^\s+BR-TAMPERED: stored snapshot/m);
  expect(result.stdout).not.toContain('BR-CLEAN');
});
