/**
 * Operator commands: `sweep` (dry run and real run, each saying what it does), the PUBLIC_URL
 * warning, `tokens list`, `backup` refusing to overwrite, and the modes of the files they create.
 * On the SQLite file only, whose files and backup these are: tests/cli-commands.test.ts runs sweep,
 * tokens and backup's refusal on PostgreSQL.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { fixedClock } from '../engine/clock';
import { openDatabase } from '../storage/db';
import { api, makeTempDir, removeTempDir, runCli, startServer } from './helpers/server';

jest.setTimeout(180_000);

const DAY = 86_400_000;
// A Monday; 38 days later is Thursday 9 April, 10:00 in Paris: inside the office's business hours.
const START = Date.parse('2026-03-02T08:00:00Z');
const SWEEP_AT = new Date(START + 38 * DAY).toISOString();

/** Every row of every table (as sorted JSON: some tables have no rowid), to show that a command changed nothing. */
function dump(dbPath: string): Record<string, string[]> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all().map((r) => JSON.stringify(r)).sort()]));
  } finally {
    db.close();
  }
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const count = (text: string, part: string) => text.split(part).length - 1;

describe('operator commands', () => {
  let dir: string;
  let dbPath: string;
  const previousUmask = process.umask(0o000);

  beforeAll(async () => {
    // A permissive umask, inherited by the CLI processes: the files must still be private.
    dir = makeTempDir();
    dbPath = path.join(dir, 'data', 'nested', 'onboarding.db');
    const server = await startServer({ dbPath, runtime: { clock: fixedClock(new Date(START)) } });
    const office = { id: 'FR-OPS', name: 'Institut des opérations', country: 'FR', language: 'fr', contacts: [{ name: 'Claire', email: 'claire@ops.example' }] };
    expect((await api(server.url, 'POST', '/api/offices', office)).status).toBe(201);
    expect((await api(server.url, 'POST', '/api/offices/FR-OPS/events', { type: 'SEND_CIRCULAR' })).status).toBe(200);
    await server.close();
  });
  afterAll(() => {
    process.umask(previousUmask);
    removeTempDir(dir);
  });

  test('the database, its WAL and shared-memory files and its new directories are private, whatever the umask', () => {
    expect(mode(dbPath)).toBe(0o600);
    const db = openDatabase(dbPath);
    try {
      db.prepare('SELECT count(*) FROM offices').get();
      for (const suffix of ['-wal', '-shm']) expect(mode(dbPath + suffix)).toBe(0o600);
    } finally {
      db.close();
    }
    expect(mode(path.dirname(dbPath))).toBe(0o700);
    expect(mode(path.join(dir, 'data'))).toBe(0o700);
  });

  test('sweep --dry-run prints what it would send and change, and changes nothing', async () => {
    const before = dump(dbPath);
    const json = await runCli(dbPath, ['sweep', '--at', SWEEP_AT, '--dry-run', '--json'], { PUBLIC_URL: 'https://onboarding.example' });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      dryRun: boolean;
      scheduler: { reminders: number };
      changes: { office: string; type: string; state: string }[];
      emails: { office: string; kind: string; to: string[] }[];
      delivery: null;
    };
    expect(report.dryRun).toBe(true);
    expect(report.scheduler.reminders).toBe(1);
    expect(report.changes).toContainEqual(expect.objectContaining({ office: 'FR-OPS', type: 'REMINDER_SENT', state: 'invited' }));
    expect(report.emails).toContainEqual(expect.objectContaining({ office: 'FR-OPS', kind: 'invited', to: ['claire@ops.example'] }));
    expect(report.delivery).toBeNull();
    expect(json.stderr).not.toContain('PUBLIC_URL');

    const text = await runCli(dbPath, ['sweep', '--at', SWEEP_AT, '--dry-run']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Dry run of a sweep at .*nothing changed, nothing sent/);
    expect(text.stdout).toMatch(/FR-OPS: REMINDER_SENT in invited \(level 1\)/);
    expect(text.stdout).toMatch(/to claire@ops\.example: .*\(FR-OPS\)/);
    expect(count(text.stderr, 'PUBLIC_URL is not set')).toBe(1);

    expect(dump(dbPath)).toEqual(before);
    expect(fs.existsSync(path.join(path.dirname(dbPath), 'outbox'))).toBe(false);
  });

  test('sweep without --dry-run asks nothing, does it and prints what it did; the .eml files are private', async () => {
    const result = await runCli(dbPath, ['sweep', '--at', SWEEP_AT]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Sweep at .*: 1 timer\(s\) fired \(1 reminder\(s\)/);
    expect(result.stdout).toMatch(/FR-OPS: REMINDER_SENT in invited \(level 1\)/);
    expect(result.stdout).toMatch(/to claire@ops\.example: .*\(FR-OPS\)\s+\[sent\]/);
    // Warned once, though the command both fired a timer and delivered.
    expect(count(result.stderr, 'PUBLIC_URL is not set')).toBe(1);

    const outbox = path.join(path.dirname(dbPath), 'outbox');
    expect(mode(outbox)).toBe(0o700);
    const files = fs.readdirSync(outbox);
    expect(files.filter((f) => f.endsWith('.eml')).length).toBeGreaterThanOrEqual(1);
    for (const f of files) expect(mode(path.join(outbox, f))).toBe(0o600);
    const again = await runCli(dbPath, ['sweep', '--at', SWEEP_AT, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ dryRun: false, scheduler: { fired: 0 }, changes: [], emails: [] });
    expect(again.stderr).not.toContain('PUBLIC_URL');
  });

  test('tokens list shows every token without its secret', async () => {
    expect((await runCli(dbPath, ['users', 'add', 'robot', '--role', 'viewer'], { NEW_USER_PASSWORD: 'a-long-password-1' })).code).toBe(0);
    const created = await runCli(dbPath, ['tokens', 'create', 'robot', 'nightly export']);
    expect(created.code).toBe(0);
    const [, id, secret] = /Token (\d+) for robot \(viewer\): (\S+)/.exec(created.stdout)!;
    expect(secret!.length).toBeGreaterThan(20);

    const list = await runCli(dbPath, ['tokens', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^ *${id}  robot +nightly export +created \\S+  never used  active$`, 'm'));
    expect(list.stdout).not.toContain(secret!);

    expect((await runCli(dbPath, ['tokens', 'revoke', id!])).code).toBe(0);
    const json = JSON.parse((await runCli(dbPath, ['tokens', 'list', '--json'])).stdout) as Record<string, unknown>[];
    expect(json).toEqual([expect.objectContaining({ id: Number(id), user: 'robot', name: 'nightly export', revokedAt: expect.any(String) })]);
    expect(JSON.stringify(json)).not.toContain(secret!);
    expect(Object.keys(json[0]!).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'user', 'userId']);
  });

  test('backup refuses to overwrite a file unless --force; the copy is private', async () => {
    const target = path.join(dir, 'existing.db');
    fs.writeFileSync(target, 'keep me');
    const refused = await runCli(dbPath, ['backup', target]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/exists.*--force/);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');

    const forced = await runCli(dbPath, ['backup', target, '--force']);
    expect(forced.code).toBe(0);
    expect(mode(target)).toBe(0o600);
    const verify = await runCli(target, ['verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Verified 1 offices/);

    const onItself = await runCli(dbPath, ['backup', dbPath, '--force']);
    expect(onItself.code).not.toBe(0);
    expect(onItself.stderr).toMatch(/is the database itself/);
    expect((await runCli(dbPath, ['verify'])).stdout).toMatch(/Verified 1 offices/);

    const fresh = path.join(dir, 'fresh.db');
    expect((await runCli(dbPath, ['backup', fresh])).code).toBe(0);
    expect(mode(fresh)).toBe(0o600);
  });
});
