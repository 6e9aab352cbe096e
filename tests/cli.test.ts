/**
 * The operator CLI (`npm run cli -- …`): help everywhere, and verify, backup, stats and import on the
 * very database a running server is writing to (the SQLite file; in the jest project "postgres", the
 * server's PostgreSQL database, given to the commands as DATABASE_URL).
 */
import { describeMachine } from '../machines/describe';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildCli } from '../cli/main';
import { kitHappyPath, sampleEvent } from './fixtures/events';
import { api, makeTempDir, ON_POSTGRES, registerOffice, removeTempDir, ROOT, runCli, runCliOn, startServer, type TestServer } from './helpers/server';

// These tests start Node processes (server, CLI): allow for a slow, busy machine.
jest.setTimeout(180_000);

/** Only read for its commands: `--help` exits before a command opens a database. */
const PROGRAM: Command = buildCli(() => {
  throw new Error('no command runs in-process in these tests');
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The line commander starts a command's help with: "Usage: office-onboarding users add [options] <username>". */
function usageLine(words: readonly string[]): RegExp {
  return new RegExp(`^Usage: ${[PROGRAM.name(), ...words].map(escapeRegExp).join(' ')}( |$)`, 'm');
}

/** Every command the program registers, subcommands included, each as the words that name it. */
function commandPaths(command: Command, prefix: readonly string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const words = [...prefix, sub.name()];
    return [words, ...commandPaths(sub, words)];
  });
}

/** The names under "Commands:" in a help text; a wrapped description's lines are indented deeper. */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
}

const COMMANDS: string[][] = commandPaths(PROGRAM);

// Help opens no database: once, on SQLite.
(ON_POSTGRES ? describe.skip : describe)('--help', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
  });
  afterAll(() => removeTempDir(dir));

  test('the program lists every command it registers, and only those', async () => {
    const result = await runCli(path.join(dir, 'help.db'), ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(usageLine([]));
    // commander adds `help [command]` by itself.
    const registered = [...PROGRAM.commands.map((c) => c.name()), 'help'];
    expect(listedCommands(result.stdout).sort()).toEqual(registered.sort());
  });

  test.each(COMMANDS.map((words) => [words.join(' '), words] as const))('%s --help prints its usage', async (_name, words) => {
    const result = await runCli(path.join(dir, 'help.db'), [...words, '--help']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(usageLine(words));
  });

  test("the README's command tables have a row for every command, naming each of its subcommands", () => {
    const rows = fs
      .readFileSync(path.join(ROOT, 'README.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    for (const command of PROGRAM.commands) {
      const name = command.name();
      const row = rows.find((line) => new RegExp(`^\\| \`${escapeRegExp(name)}[ \`]`).test(line)) ?? `(no row for ${name})`;
      expect(row).toMatch(new RegExp(`^\\| \`${escapeRegExp(name)}[ \`]`));
      for (const sub of command.commands) expect(row).toMatch(new RegExp(`\\b${escapeRegExp(sub.name())}\\b`));
    }
  });

  test('an unknown command fails and points to the help', async () => {
    const result = await runCli(path.join(dir, 'help.db'), ['frobnicate']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command/i);
  });

  test('`npm run cli -- --help` is wired to the same program', async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('npm', ['run', '--silent', 'cli', '--', '--help'], { cwd: ROOT, env: { ...process.env, DATABASE_PATH: path.join(dir, 'npm.db') } }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    expect(stdout).toMatch(/Usage: office-onboarding/);
  });
});

describe(`while a server runs on the same ${ON_POSTGRES ? 'PostgreSQL database' : 'file'}`, () => {
  let server: TestServer;
  let dir: string;
  let writes: Promise<number[]> | undefined;
  let writing = false;

  beforeAll(async () => {
    dir = makeTempDir();
    // On PostgreSQL the server gets a fresh database of its own (startServer), and the file only names the outbox's directory.
    server = ON_POSTGRES ? await startServer() : await startServer({ dbPath: path.join(dir, 'live.db') });
    for (let i = 0; i < 5; i++) {
      const id = await registerOffice(server.url, { id: `LIVE-${i}` });
      for (const type of kitHappyPath.slice(0, i * 2)) await api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent(type));
    }
  });
  afterAll(async () => {
    await server?.close();
    removeTempDir(dir);
  });

  /** Keeps the server writing while a CLI command runs; every write must succeed. */
  function startWriting(): void {
    writing = true;
    writes = (async () => {
      const statuses: number[] = [];
      for (let n = 0; writing; n++) {
        const id = `BUSY-${Date.now()}-${n}`;
        const reg = await api(server.url, 'POST', '/api/offices', { id, name: 'Busy', country: 'AT' });
        statuses.push(reg.status);
        for (const type of kitHappyPath.slice(0, 4)) {
          statuses.push((await api(server.url, 'POST', `/api/offices/${id}/events`, sampleEvent(type))).status);
        }
      }
      return statuses;
    })();
  }
  async function stopWriting(): Promise<number[]> {
    writing = false;
    const statuses = (await writes) ?? [];
    expect(statuses.filter((s) => s >= 300)).toEqual([]);
    return statuses;
  }

  test('verify replays every office and finds no difference', async () => {
    startWriting();
    const result = await runCliOn(server, ['verify']);
    await stopWriting();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Verified \d+ offices, \d+ events: 0 difference\(s\)\.$/m);
    // The server's offices, on whichever backend it runs.
    expect(Number(/Verified (\d+) offices/.exec(result.stdout)?.[1])).toBeGreaterThanOrEqual(5);
  });

  // The copy is an SQLite file; on PostgreSQL backup refuses (the next test).
  (ON_POSTGRES ? test.skip : test)('backup FILE writes a copy that opens and verifies clean', async () => {
    const backup = path.join(dir, 'backups', 'copy.db');
    fs.mkdirSync(path.dirname(backup), { recursive: true });
    startWriting();
    const result = await runCli(server.dbPath, ['backup', backup]);
    await stopWriting();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fs.existsSync(backup)).toBe(true);

    const check = await runCli(backup, ['verify']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/: 0 difference\(s\)\./);
    const copied = Number(/Verified (\d+) offices/.exec(check.stdout)?.[1]);
    expect(copied).toBeGreaterThanOrEqual(5);
    const stats = JSON.parse((await runCli(backup, ['stats', '--json'])).stdout) as { total: number };
    expect(stats.total).toBe(copied);
  });

  (ON_POSTGRES ? test : test.skip)('backup on PostgreSQL writes nothing and says how to use pg_dump, exiting 1', async () => {
    const backup = path.join(dir, 'copy.db');
    startWriting();
    const result = await runCliOn(server, ['backup', backup]);
    await stopWriting();
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^The database is PostgreSQL \(DATABASE_URL\): backup copies an SQLite file only, and wrote nothing\. On PostgreSQL, back up with pg_dump: `pg_dump --format=custom --file=onboarding\.dump "\$DATABASE_URL"`/);
    expect(fs.existsSync(backup)).toBe(false);
  });

  test('stats prints the same counts as GET /api/stats, as text and as JSON', async () => {
    const json = await runCliOn(server, ['stats', '--json']);
    expect(json.code).toBe(0);
    const live = await api(server.url, 'GET', '/api/stats');
    expect(JSON.parse(json.stdout)).toEqual(live.body);

    const text = await runCliOn(server, ['stats']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${live.body.total} offices`);
    for (const [stage, n] of Object.entries(live.body.byStage as Record<string, number>)) {
      expect(text.stdout).toMatch(new RegExp(`^\\s+${stage}\\s+${n}$`, 'm'));
    }
    // Stages in the lifecycle's order (the machine's), not alphabetical; the headline figures first.
    const lifecycle = describeMachine().root.states.map((s) => s.key);
    const stageLines = text.stdout.split('By stage:')[1]!.split('By state:')[0]!;
    const printed = [...stageLines.matchAll(/^\s+(\w+)\s+\d+$/gm)].map((m) => m[1]!);
    expect(printed).toEqual(lifecycle.filter((k) => k in live.body.byStage));
    expect(printed.length).toBeGreaterThan(1);
    expect(text.stdout).toContain(`Kits installed to date`);
    expect(Object.keys(live.body.byStage)).toEqual(printed);
  });

  test('import adds offices the running server serves at once', async () => {
    const file = path.join(dir, 'more.jsonl');
    fs.writeFileSync(
      file,
      [
        { kind: 'office', id: 'CLI-IMPORTED', name: 'Imported while running', country: 'NZ', at: '2025-06-01T00:00:00Z' },
        { kind: 'event', office: 'CLI-IMPORTED', type: 'SEND_CIRCULAR', at: '2025-06-02T00:00:00Z' },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    startWriting();
    const result = await runCliOn(server, ['import', file]);
    await stopWriting();
    expect(result.code).toBe(0);
    const office = await api(server.url, 'GET', '/api/offices/CLI-IMPORTED');
    expect(office.body).toMatchObject({ states: ['invited'], version: 1 });
  });
});
