/**
 * Every CLI command on a fresh database of the backend under test, each checked by its effect: an
 * SQLite file, and in the jest project "postgres" a PostgreSQL database of its own given to every
 * command as DATABASE_URL. The tests run in order on one database; each starts from what the
 * previous ones left.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { openRuntime } from '../app/runtime';
import { createBroadcast, runBroadcast } from '../programme/broadcast';
import { freshCliDatabase, ON_POSTGRES, runCli, testConfig, type CliDatabase, type CommandResult } from './helpers/server';

jest.setTimeout(300_000);

const DAY = 86_400_000;
const T = (day: string) => `2026-${day}T09:00:00.000Z`;
const office = (id: string, country: string, extra: Record<string, unknown> = {}) => ({
  kind: 'office',
  id,
  name: `Industrial Property Office ${id}`,
  country,
  at: T('01-02'),
  ...extra,
});
const event = (id: string, day: string, type: string, payload: Record<string, unknown> = {}) => ({ kind: 'event', office: id, type, at: T(day), ...payload });

/** Invited, yes, site surveyed and ready, a focal point nominated: the office waits for a workshop. */
const nominated = (id: string) => [
  office(id, 'KE'),
  event(id, '01-05', 'SEND_CIRCULAR'),
  event(id, '01-12', 'REPLY_AFFIRMATIVE'),
  event(id, '01-15', 'SITE_SURVEYED'),
  event(id, '02-01', 'SITE_READY'),
  event(id, '02-02', 'FOCAL_POINT_NOMINATED', { name: `FP ${id}`, email: `fp@${id.toLowerCase()}.example` }),
];
/** Trained as well: the office waits for its kit (deployment.awaitingKit). */
const awaitingKit = (id: string) => [...nominated(id), event(id, '02-03', 'ENROLLED', { workshopId: 'WS-PAST' }), event(id, '02-07', 'TRAINING_COMPLETED')];

const PROGRAMME = [
  { kind: 'workshop', id: 'WS-PAST', title: 'WIPOnet training', city: 'Nairobi', country: 'KE', start: '2026-02-03', end: '2026-02-06', capacity: 10, status: 'held' },
  office('P1', 'FR', { language: 'fr', contacts: [{ name: 'Claire', email: 'claire@p1.example' }] }),
  office('P2', 'DE', { contacts: [{ name: 'Jonas', email: 'jonas@p2.example' }] }),
  ...nominated('N1'),
  ...nominated('N2'),
  ...awaitingKit('K1'),
  ...awaitingKit('K2'),
];
const EVENTS = PROGRAMME.filter((l) => l.kind === 'event').length;

interface Stats {
  total: number;
  byStage: Record<string, number>;
  byState: Record<string, number>;
}
interface Broadcast {
  id: string;
  counts: { done: number; skipped: number; failed: number; pending: number };
  offices: { officeId: string; status: string }[];
}

/** Every row of every table, as sorted JSON text: to show that a command changed nothing. */
async function dump(db: CliDatabase): Promise<Record<string, string[]>> {
  if (db.url) {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = (await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows;
      const out: Record<string, string[]> = {};
      for (const { name } of tables) out[name] = (await client.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM "${name}" t`)).rows.map((row) => row.r).sort();
      return out;
    } finally {
      await client.end();
    }
  }
  const sqlite = new Database(db.dbPath, { readonly: true });
  try {
    const tables = sqlite.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    return Object.fromEntries(tables.map(({ name }) => [name, sqlite.prepare(`SELECT * FROM "${name}"`).all().map((r) => JSON.stringify(r)).sort()]));
  } finally {
    sqlite.close();
  }
}

/** Fails with the command's output unless it exited 0. */
function ok(result: CommandResult): CommandResult {
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The next Tuesday to Thursday, 09:00 UTC, at least `days` days from now: inside European business hours. */
function weekdayMorning(days: number): string {
  const d = new Date(Date.now() + days * DAY);
  d.setUTCHours(9, 0, 0, 0);
  while (![2, 3, 4].includes(d.getUTCDay())) d.setTime(d.getTime() + DAY);
  return d.toISOString();
}

describe(`every CLI command on ${ON_POSTGRES ? 'PostgreSQL (DATABASE_URL)' : 'an SQLite file'}`, () => {
  let db: CliDatabase;
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => db.cli(args, env);
  const stats = async () => JSON.parse(ok(await cli(['stats', '--json'])).stdout) as Stats;
  const exported = async () =>
    ok(await cli(['export']))
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; id?: string; office?: string; type?: string });
  const eventsOf = async (id: string, type: string) => (await exported()).filter((l) => l.kind === 'event' && l.office === id && l.type === type).length;

  beforeAll(async () => {
    db = await freshCliDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('import loads every line; stats and verify show it', async () => {
    const file = path.join(db.dir, 'programme.jsonl');
    fs.writeFileSync(file, PROGRAMME.map((l) => JSON.stringify(l)).join('\n'));
    expect(ok(await cli(['import', file])).stdout).toBe(`Imported 6 offices, ${EVENTS} events, 1 other lines.\n`);
    // On PostgreSQL the commands never open the SQLite file.
    expect(fs.existsSync(db.dbPath)).toBe(!ON_POSTGRES);

    const counts = await stats();
    expect(counts.total).toBe(6);
    expect(counts.byStage).toEqual({ prospect: 2, preparing: 2, deployment: 2 });
    expect(counts.byState).toMatchObject({ prospect: 2, 'deployment.awaitingKit': 2 });
    const text = ok(await cli(['stats'])).stdout;
    expect(text).toMatch(/^6 offices$/m);
    expect(text).toMatch(/^\s+deployment\s+2$/m);

    const verify = await cli(['verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toBe(`Verified 6 offices, ${EVENTS} events: 0 difference(s).\n`);
  });

  test('export writes what was imported; imported into another empty database it exports the same file', async () => {
    const out = path.join(db.dir, 'export.jsonl');
    ok(await cli(['export', '--out', out]));
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as { kind: string; id?: string; office?: string; type?: string });
    expect(parsed.filter((l) => l.kind === 'office').map((l) => l.id).sort()).toEqual(['K1', 'K2', 'N1', 'N2', 'P1', 'P2']);
    expect(parsed.filter((l) => l.kind === 'workshop').map((l) => l.id)).toEqual(['WS-PAST']);
    // The same events, office by office, in the same order.
    const events = (lines: { kind: string; office?: string; type?: string }[]) => lines.filter((l) => l.kind === 'event').map((l) => `${l.office} ${l.type}`);
    const byOffice = (list: string[]) => list.sort((a, b) => a.split(' ')[0]!.localeCompare(b.split(' ')[0]!));
    expect(byOffice(events(parsed))).toEqual(byOffice(events(PROGRAMME)));

    const other = await freshCliDatabase();
    try {
      expect(ok(await other.cli(['import', out])).stdout).toBe(`Imported 6 offices, ${EVENTS} events, 1 other lines.\n`);
      expect(ok(await other.cli(['export'])).stdout).toBe(fs.readFileSync(out, 'utf8'));
    } finally {
      await other.drop();
    }
  });

  test('users and tokens: created, listed, changed and revoked', async () => {
    expect(ok(await cli(['users', 'add', 'ops', '--role', 'admin', '--name', 'Operations', '--password', 'a-long-password-1'])).stdout).toMatch(/^Created ops \(admin\), id \d+\.$/m);
    ok(await cli(['users', 'add', 'robot', '--role', 'viewer'], { NEW_USER_PASSWORD: 'another-long-password' }));
    const list = ok(await cli(['users', 'list'])).stdout;
    expect(list).toMatch(/^\s+\d+ {2}ops +admin +active {2}Operations$/m);
    expect(list).toMatch(/^\s+\d+ {2}robot +viewer +active {2}robot$/m);

    expect(ok(await cli(['users', 'set-role', 'robot', 'coordinator'])).stdout).toBe('robot is now coordinator.\n');
    expect(ok(await cli(['users', 'list'])).stdout).toMatch(/^\s+\d+ {2}robot +coordinator +active/m);
    expect(ok(await cli(['users', 'reset-password', 'robot'])).stdout).toMatch(/^Password of robot is now: \S{20}$/m);
    expect(ok(await cli(['users', 'enable', 'robot'])).stdout).toBe('robot (coordinator) is enabled.\n');
    const unknown = await cli(['users', 'set-role', 'nobody', 'viewer']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/No user "nobody"/);

    const created = ok(await cli(['tokens', 'create', 'robot', 'nightly export'])).stdout;
    const [, id, secret] = /Token (\d+) for robot \(coordinator\): (\S+)/.exec(created)!;
    expect(ok(await cli(['tokens', 'list'])).stdout).toMatch(new RegExp(`^ *${id}  robot +nightly export +created \\S+  never used  active$`, 'm'));
    expect(ok(await cli(['tokens', 'revoke', id!])).stdout).toBe(`Token ${id} (nightly export) revoked.\n`);
    const tokens = JSON.parse(ok(await cli(['tokens', 'list', '--json'])).stdout) as Record<string, unknown>[];
    expect(tokens).toEqual([expect.objectContaining({ id: Number(id), user: 'robot', name: 'nightly export', revokedAt: expect.any(String) })]);
    expect(JSON.stringify(tokens)).not.toContain(secret!);
  });

  test('gold-disk hold, release and recall reach the offices awaiting a kit; broadcasts lists, shows and resumes them without repeating', async () => {
    const hold = JSON.parse(ok(await cli(['gold-disk', 'hold', '--reason', 'Customs', '--json'])).stdout) as Broadcast;
    expect(hold.counts).toEqual({ done: 2, skipped: 0, failed: 0, pending: 0 });
    expect(hold.offices.map((o) => o.officeId).sort()).toEqual(['K1', 'K2']);
    expect(ok(await cli(['gold-disk', 'list'])).stdout).toMatch(/^Current: none; 2 office\(s\) on hold\.$/m);

    const release = JSON.parse(ok(await cli(['gold-disk', 'release', '2.0', '--notes', 'New image', '--json'])).stdout) as Broadcast;
    expect(release.counts.done).toBe(2);
    const afterRelease = ok(await cli(['gold-disk', 'list'])).stdout;
    expect(afterRelease).toMatch(/^Current: 2\.0; 0 office\(s\) on hold\.$/m);
    expect(afterRelease).toMatch(/^\s+2\.0\s+current\s+released \d{4}-\d{2}-\d{2}\s+0 kit\(s\)$/m);
    expect((await stats()).byState).toMatchObject({ 'deployment.awaitingKit': 2 });

    const recall = JSON.parse(ok(await cli(['gold-disk', 'recall', '2.0', '--reason', 'Bad image', '--json'])).stdout) as Broadcast;
    expect(recall.counts.done).toBe(2);
    expect(ok(await cli(['gold-disk', 'list'])).stdout).toMatch(/2\.0\s+recalled .*recalled: Bad image/);
    expect((await stats()).byState).toMatchObject({ 'deployment.onHold': 2 });

    const listed = ok(await cli(['broadcasts', 'list'])).stdout.trim().split('\n');
    expect(listed).toHaveLength(3);
    for (const b of [hold, release, recall]) expect(listed).toContainEqual(expect.stringMatching(new RegExp(`^${b.id} .* finished {2}done 2, skipped 0, failed 0, pending 0`)));
    expect(JSON.parse(ok(await cli(['broadcasts', 'show', release.id, '--json'])).stdout)).toMatchObject({ id: release.id, counts: release.counts, offices: release.offices });
    const resumed = JSON.parse(ok(await cli(['broadcasts', 'resume', recall.id, '--json'])).stdout) as Broadcast;
    expect(resumed.counts).toEqual(recall.counts);
    // One hold and one recall each: the resume repeated nothing.
    expect(await eventsOf('K1', 'DEPLOYMENT_HELD')).toBe(2);
    expect(await eventsOf('K1', 'GOLD_DISK_RELEASED')).toBe(1);
  });

  test('broadcasts resume finishes a broadcast its process left part-way, each office once', async () => {
    // A process that sent the release to one office of two, then stopped (its lease not yet run out).
    const runtime = await openRuntime(testConfig(db.dbPath, db.config));
    let id: string;
    try {
      const spec = { kind: 'release', event: { type: 'GOLD_DISK_RELEASED' as const, version: '2.1' }, description: 'Release 2.1', officeIds: ['K1', 'K2'] };
      id = (await createBroadcast(runtime, spec, { actor: 'coordinator' })).id;
      expect((await runBroadcast(runtime, id, { limit: 1, lease: { owner: 'stopped-server', ms: 60_000 } })).counts).toMatchObject({ done: 1, pending: 1 });
    } finally {
      runtime.close();
    }
    expect(ok(await cli(['broadcasts', 'list'])).stdout).toMatch(new RegExp(`^${id} .* UNFINISHED {2}done 1, skipped 0, failed 0, pending 1 {2}Release 2\\.1$`, 'm'));
    expect(ok(await cli(['broadcasts', 'show', id])).stdout).toMatch(new RegExp(`^Resume with: broadcasts resume ${id}$`, 'm'));

    const resumed = JSON.parse(ok(await cli(['broadcasts', 'resume', id, '--json'])).stdout) as Broadcast;
    expect(resumed.counts).toEqual({ done: 2, skipped: 0, failed: 0, pending: 0 });
    // Each had the release of 2.0 before; now each has 2.1 too, once.
    expect([await eventsOf('K1', 'GOLD_DISK_RELEASED'), await eventsOf('K2', 'GOLD_DISK_RELEASED')]).toEqual([2, 2]);
    expect(ok(await cli(['broadcasts', 'list'])).stdout).toMatch(new RegExp(`^${id} .* finished {2}done 2`, 'm'));
  });

  test('workshops: create, list, candidates, enrol, show, attendance and cancel', async () => {
    const create = (id: string, start: string, end: string) =>
      cli(['workshops', 'create', '--id', id, '--title', `Training ${id}`, '--city', 'Nairobi', '--country', 'KE', '--start', start, '--end', end, '--capacity', '5']);
    expect(ok(await create('WS-CLI', '2026-03-02', '2026-03-04')).stdout).toBe('Workshop WS-CLI planned: Training WS-CLI, Nairobi, 2026-03-02 – 2026-03-04, 5 places.\n');
    expect(ok(await cli(['workshops', 'list'])).stdout).toMatch(/^WS-CLI +2026-03-02 – 2026-03-04 {2}planned +0\/5 {2}Training WS-CLI, Nairobi \(KE\)$/m);

    const candidates = ok(await cli(['workshops', 'candidates'])).stdout;
    expect(candidates).toMatch(/^2 focal point\(s\)\.$/m);
    const idOf = (officeId: string) => new RegExp(`^ *(\\d+) {2}${officeId} `, 'm').exec(candidates)?.[1];
    const [n1, n2] = [idOf('N1'), idOf('N2')];
    expect([n1, n2]).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);

    const enrolled = ok(await cli(['workshops', 'enrol', 'WS-CLI', `${n1},${n2}`])).stdout;
    expect(enrolled).toContain('N1: ENROLLED fp@n1.example');
    expect(enrolled).toContain('N2: ENROLLED fp@n2.example');
    const shown = JSON.parse(ok(await cli(['workshops', 'show', 'WS-CLI'])).stdout) as { enrolled: number; enrolments: unknown[] };
    expect(shown.enrolled).toBe(2);
    expect(shown.enrolments).toHaveLength(2);

    const attendance = ok(await cli(['workshops', 'attendance', 'WS-CLI', n1!])).stdout;
    expect(attendance).toMatch(/N1: TRAINING_COMPLETED fp@n1\.example/);
    expect(attendance).toMatch(/N2: NO_SHOW/);
    expect(attendance).toMatch(/^Workshop WS-CLI is now held\.$/m);
    expect(await eventsOf('N1', 'TRAINING_COMPLETED')).toBe(1);

    ok(await create('WS-OFF', '2099-05-04', '2099-05-06'));
    expect(ok(await cli(['workshops', 'cancel', 'WS-OFF'])).stdout).toBe('Workshop WS-OFF cancelled; 0 office(s) back to waiting for a workshop.\n');
    const list = JSON.parse(ok(await cli(['workshops', 'list', '--json'])).stdout) as { id: string; status: string }[];
    expect(Object.fromEntries(list.map((w) => [w.id, w.status]))).toEqual({ 'WS-PAST': 'held', 'WS-CLI': 'held', 'WS-OFF': 'cancelled' });
  });

  test('send-letters: --dry-run lists the offices and sends nothing; without it each office is invited', async () => {
    const before = await stats();
    const dry = ok(await cli(['send-letters', '--state', 'prospect', '--dry-run'])).stdout;
    expect(dry).toMatch(/^2 office\(s\) would receive the circular letter:$/m);
    expect(dry).toMatch(/^\s+P1 +FR {2}Industrial Property Office P1$/m);
    expect(await stats()).toEqual(before);

    const sent = JSON.parse(ok(await cli(['send-letters', '--state', 'prospect', '--letter-ref', 'C.2026/1', '--json'])).stdout) as Broadcast;
    expect(sent.counts).toEqual({ done: 2, skipped: 0, failed: 0, pending: 0 });
    const after = await stats();
    expect(after.byStage.prospect).toBeUndefined();
    expect(after.byState.invited).toBe(2);
  });

  test('report prints the figures of the period as JSON, Markdown and HTML', async () => {
    const period = ['--from', '2026-01-01', '--to', '2026-03-31'];
    const report = JSON.parse(ok(await cli(['report', ...period, '--format', 'json'])).stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ circularLettersInPeriod: 4, affirmativeRepliesInPeriod: 4, declinedInPeriod: 0 });
    expect(ok(await cli(['report', ...period])).stdout).toMatch(/^# WIPOnet progress report — Q1 2026$/m);
    const html = path.join(db.dir, 'report.html');
    expect(ok(await cli(['report', ...period, '--format', 'html', '--out', html])).stdout).toBe(`Report written to ${html}.\n`);
    expect(fs.readFileSync(html, 'utf8')).toMatch(/<html[\s>]/);
  });

  test('import-offices: --dry-run changes nothing; then creates and updates; the same file again changes nothing', async () => {
    const csv = path.join(db.dir, 'offices.csv');
    fs.writeFileSync(
      csv,
      'id,name,country,city,language,contact name,contact email\n' +
        'CH-NEW,Swiss Office,CH,Bern,de,Hans,hans@ch.example\n' +
        'P2,Deutsches Amt,DE,München,de,Jonas,jonas@p2.example\n',
    );
    const dry = ok(await cli(['import-offices', csv, '--dry-run'])).stdout;
    expect(dry).toMatch(/^Would create 1, update 1, 0 unchanged\.$/m);
    expect((await stats()).total).toBe(6);

    const real = ok(await cli(['import-offices', csv])).stdout;
    expect(real).toMatch(/line 2: CH-NEW created/);
    expect(real).toMatch(/line 3: P2 updated \(.*name.*\)/);
    expect((await stats()).total).toBe(7);
    expect(await eventsOf('P2', 'DETAILS_UPDATED')).toBe(1);
    expect(ok(await cli(['import-offices', csv])).stdout).toMatch(/^Created 0, updated 0, 2 unchanged\.$/m);
  });

  test('sweep --dry-run changes nothing; sweep sends the reminders it printed, once', async () => {
    const at = weekdayMorning(45);
    const before = await dump(db);
    const dry = JSON.parse(ok(await cli(['sweep', '--at', at, '--dry-run', '--json'], { PUBLIC_URL: 'https://onboarding.example' })).stdout) as {
      dryRun: boolean;
      changes: { office: string; type: string; state: string }[];
      emails: { office: string; to: string[] }[];
    };
    expect(dry.dryRun).toBe(true);
    expect(dry.changes).toContainEqual(expect.objectContaining({ office: 'P1', type: 'REMINDER_SENT', state: 'invited' }));
    expect(dry.emails).toContainEqual(expect.objectContaining({ office: 'P1', to: ['claire@p1.example'] }));
    expect(await dump(db)).toEqual(before);

    const real = ok(await cli(['sweep', '--at', at], { PUBLIC_URL: 'https://onboarding.example' })).stdout;
    expect(real).toMatch(/^Sweep at .*: [1-9]\d* timer\(s\) fired/);
    expect(real).toMatch(/P1: REMINDER_SENT in invited \(level 1\)/);
    expect(real).toMatch(/to claire@p1\.example: .*\(P1\)\s+\[sent\]/);
    const outbox = path.join(db.dir, 'outbox');
    const toClaire = fs.readdirSync(outbox).filter((f) => f.endsWith('.eml') && fs.readFileSync(path.join(outbox, f), 'utf8').includes('To: claire@p1.example'));
    // The circular letter sent by send-letters, and the reminder.
    expect(toClaire).toHaveLength(2);

    const again = JSON.parse(ok(await cli(['sweep', '--at', at, '--json'], { PUBLIC_URL: 'https://onboarding.example' })).stdout) as Record<string, unknown>;
    expect(again).toMatchObject({ dryRun: false, scheduler: { fired: 0 }, changes: [], emails: [] });
  });

  test('forecast-backtest forecasts from the history', async () => {
    const result = await cli(['forecast-backtest', '--from', '2026-02-01', '--to', '2026-06-30', '--step', '60', '--window', '60', '--json']);
    const parsed = JSON.parse(ok(result).stdout) as { points: { asOf: string }[] };
    expect(parsed.points.map((p) => p.asOf.slice(0, 10))).toEqual(['2026-02-01', '2026-04-02']);
  });

  (ON_POSTGRES ? test : test.skip)('backup refuses on PostgreSQL, naming pg_dump with an example, and writes no file', async () => {
    const target = path.join(db.dir, 'copy.db');
    for (const args of [['backup', target], ['backup', target, '--force']]) {
      const result = await cli(args);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/PostgreSQL \(DATABASE_URL\): backup copies an SQLite file only, and wrote nothing/);
      expect(result.stderr).toContain('pg_dump --format=custom --file=onboarding.dump "$DATABASE_URL"');
      expect(result.stderr).toContain('pg_restore');
      expect(fs.existsSync(target)).toBe(false);
    }
    // An existing file is not the question on PostgreSQL either.
    fs.writeFileSync(target, 'keep me');
    const existing = await cli(['backup', target]);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toContain('pg_dump');
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
  });

  // On SQLite, backup's copy is checked in tests/cli.test.ts and tests/cli-operators.test.ts.
  (ON_POSTGRES ? test.skip : test)('backup on SQLite writes a copy that verifies clean', async () => {
    const target = path.join(db.dir, 'copy.db');
    expect(ok(await cli(['backup', target])).stdout).toBe(`Backup written to ${target}.\n`);
    const check = ok(await runCli(target, ['verify']));
    expect(check.stdout).toMatch(/^Verified 7 offices, \d+ events: 0 difference\(s\)\.$/m);
  });

  test('demo loads the demo programme into an empty database only', async () => {
    const empty = await freshCliDatabase();
    try {
      const loaded = ok(await empty.cli(['demo'])).stdout;
      const offices = Number(/^Loaded (\d+) offices and \d+ events\.$/m.exec(loaded)?.[1]);
      expect(offices).toBeGreaterThan(100);
      expect((JSON.parse(ok(await empty.cli(['stats', '--json'])).stdout) as Stats).total).toBe(offices);
      expect(ok(await empty.cli(['demo'])).stdout).toBe('The database is not empty: nothing loaded.\n');
    } finally {
      await empty.drop();
    }
    expect(ok(await cli(['demo'])).stdout).toBe('The database is not empty: nothing loaded.\n');
  });
});

