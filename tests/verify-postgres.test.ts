/**
 * `verify` on PostgreSQL: the same replay as on SQLite (tests/verify.test.ts), so a database written
 * only by the engine is clean and each kind of tampering, written here in PostgreSQL's own SQL
 * (jsonb, booleans, timestamptz), is reported against its office, by the function and by the CLI.
 */
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { verify } from '../engine/verify';
import { seedEightEventsDown } from './fixtures/events';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';
import { makeTempDir, removeTempDir, runCli, testConfig } from './helpers/server';
import { runSql } from './helpers/sqlite';

jest.setTimeout(180_000);

const tamperings: [label: string, statement: string, problem: RegExp][] = [
  ['the stored state changed', `UPDATE offices SET snapshot = jsonb_set(snapshot, '{value}', '"installed"'), states = '["installed"]', stage = 'installed' WHERE id = $1`, /stored snapshot .* differs from replay/],
  ['the stored context changed', `UPDATE offices SET snapshot = jsonb_set(snapshot, '{context,goldDiskVersion}', '"GD-FORGED"') WHERE id = $1`, /GD-FORGED/],
  ['a history row deleted', `DELETE FROM history WHERE office_id = $1 AND seq = 3`, /seq 4 found where 3 was expected/],
  ['a history event rewritten', `UPDATE history SET type = 'SITE_DIFFICULTY', payload = '{"reason":"x"}' WHERE office_id = $1 AND seq = 4`, /seq 4: history says it entered/],
  ['a history event of an unknown type', `UPDATE history SET type = 'TELEPORTED' WHERE office_id = $1 AND seq = 8`, /unknown event type TELEPORTED/],
  ['a state missing from the stored entered-at', `UPDATE offices SET entered_at = entered_at - 'deployment' WHERE id = $1`, /stored entered-at .* differs from replay/],
  ['an active state row lost', `DELETE FROM office_states WHERE office_id = $1 AND path = 'deployment.inTransit'`, /active state rows/],
  ['the version moved without history', `UPDATE offices SET version = version + 1 WHERE id = $1`, /version 9 but 8 events/],
  ['the stored entered-at of a state changed', `UPDATE offices SET entered_at = jsonb_set(entered_at, '{deployment.inTransit}', '"2020-01-01T00:00:00.000Z"') WHERE id = $1`, /stored entered-at .*2020-01-01.* differs from replay/],
  ['the time of an active state row changed', `UPDATE office_states SET entered_at = '2020-01-01T00:00:00.000Z' WHERE office_id = $1 AND path = 'deployment'`, /active state rows .*2020-01-01.* differ from replay/],
  ['an active state row for a state it is not in', `INSERT INTO office_states (path, office_id, is_leaf, entered_at) VALUES ('declined', $1, true, '2020-01-01T00:00:00.000Z')`, /active state row declined differs from replay/],
];

describeIfPostgres('verify on PostgreSQL', () => {
  let dir: string;
  let database: FreshDatabase;
  let runtime: Runtime;

  const seed = (ids: string[]) => seedEightEventsDown(runtime.engine, ids);

  beforeEach(async () => {
    dir = makeTempDir();
    database = await freshDatabase();
    runtime = await openRuntime(testConfig(path.join(dir, 'unused.db'), { DATABASE_URL: database.url }));
  });
  afterEach(async () => {
    runtime.close();
    await database.drop();
    removeTempDir(dir);
  });

  test('an untouched database verifies clean', async () => {
    await seed(['BR-1', 'BR-2']);
    expect(runtime.storage.backend).toBe('postgres');
    expect(await verify(runtime.store)).toEqual({ offices: 2, events: 16, differences: [] });
  });

  test.each(tamperings)('%s is reported against that office only', async (_label, statement, problem) => {
    await seed(['BR-CLEAN', 'BR-TAMPERED', 'BR-ALSO-CLEAN']);
    await runSql(runtime, statement, ['BR-TAMPERED']);
    const report = await verify(runtime.store);
    expect(report.offices).toBe(3);
    expect(report.differences).toEqual([{ officeId: 'BR-TAMPERED', problem: expect.stringMatching(problem) }]);
  });

  test('npm run cli -- verify on DATABASE_URL prints the tampered office and exits 1', async () => {
    await seed(['BR-CLEAN', 'BR-TAMPERED']);
    await runSql(runtime, tamperings[0]![1], ['BR-TAMPERED']);
    const result = await runCli(path.join(dir, 'unused.db'), ['verify'], { DATABASE_URL: database.url });
    expect(result.stdout).toMatch(/^Verified 2 offices, 16 events: 1 difference\(s\)\.$/m);
    expect(result.stdout).toMatch(/^\s+BR-TAMPERED: stored snapshot/m);
    expect(result.stdout).not.toContain('BR-CLEAN');
    expect(result.code).toBe(1);
  });
});
