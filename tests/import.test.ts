/**
 * JSON Lines import, through `POST /api/import` and `npm run cli -- import FILE`: a valid file loads
 * with its historical times; a file with one bad line loads nothing and names the line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openRuntime } from '../app/runtime';
import { verify } from '../engine/verify';
import { api, makeTempDir, removeTempDir, runCli, startServer, testConfig, type TestServer } from './helpers/server';

// These tests start Node processes (server, CLI): allow for a slow, busy machine.
jest.setTimeout(180_000);

const VALID_FILE = path.join(__dirname, 'fixtures', 'import-valid.jsonl');
const valid = fs.readFileSync(VALID_FILE, 'utf8');
const NDJSON = { 'content-type': 'application/x-ndjson' };

/** The valid file with line `n` (1-based) replaced. */
function withLine(n: number, text: string): string {
  const lines = valid.split('\n');
  lines[n - 1] = text;
  return lines.join('\n');
}

const badFiles: [label: string, text: string, line: number, mentions: RegExp][] = [
  ['a line that is not JSON', withLine(4, '{"kind":"event","office":"CL-SANTIAGO","type":"SEND_CIRCULAR",'), 4, /not valid JSON/],
  ['an office with a bad country code', withLine(2, valid.split('\n')[1]!.replace('"CL"', '"XX"')), 2, /country/],
  ['an office with a bad language code', withLine(1, valid.split('\n')[0]!.replace('"fr"', '"french"')), 1, /language/],
  ['an event with a bad payload field', withLine(7, '{"kind":"event","office":"SN-DAKAR","type":"SITE_DIFFICULTY","reason":7,"at":"2024-04-20T11:00:00Z"}'), 7, /SITE_DIFFICULTY/],
  ['an event without its time', withLine(3, '{"kind":"event","office":"SN-DAKAR","type":"SEND_CIRCULAR"}'), 3, /at/],
  ['an event with a time that is not ISO-8601', withLine(3, '{"kind":"event","office":"SN-DAKAR","type":"SEND_CIRCULAR","at":"1 Feb 2024"}'), 3, /at/],
  ['an unknown event type', withLine(5, '{"kind":"event","office":"SN-DAKAR","type":"SAY_YES","at":"2024-03-15T08:30:00Z"}'), 5, /SAY_YES/],
  ['an unknown kind of line', withLine(6, '{"kind":"memo","text":"hello"}'), 6, /kind/],
  ['a kind that is an Object.prototype key', withLine(6, '{"kind":"toString"}'), 6, /"kind" must be one of/],
  ['an event not allowed at that point', withLine(6, '{"kind":"event","office":"SN-DAKAR","type":"KIT_SHIPPED","at":"2024-04-02T12:00:00Z"}'), 6, /cannot take KIT_SHIPPED/],
  ['an event for an office that does not exist', withLine(10, '{"kind":"event","office":"XX-NOWHERE","type":"REOPEN","at":"2025-01-07T09:00:00Z"}'), 10, /XX-NOWHERE/],
  ['the last line failing after all the others applied', withLine(11, '{"kind":"event","office":"SN-DAKAR","type":"HANDED_OVER","at":"2024-05-02T09:00:00Z"}'), 11, /cannot take HANDED_OVER/],
];

describe('POST /api/import', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const countOffices = async () => (await api(server.url, 'GET', '/api/stats')).body.total as number;

  test('a valid file loads, in file order, each event at its historical time', async () => {
    const res = await api(server.url, 'POST', '/api/import', valid, NDJSON);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ offices: 2, events: 8, other: 0 });

    const dakar = await api(server.url, 'GET', '/api/offices/SN-DAKAR');
    expect(dakar.body).toMatchObject({
      language: 'fr',
      createdAt: '2024-01-10T09:00:00.000Z',
      states: ['preparing.site.blocked', 'preparing.training.nominated'],
      version: 5,
    });
    expect(dakar.body.enteredAt['preparing.site.blocked']).toBe('2024-04-20T11:00:00.000Z');
    const santiago = await api(server.url, 'GET', '/api/offices/CL-SANTIAGO');
    expect(santiago.body).toMatchObject({ track: 'internet', states: ['invited'], version: 3 });

    const history = await api(server.url, 'GET', '/api/offices/SN-DAKAR/history');
    expect(history.body.events.map((e: { type: string; at: string }) => [e.type, e.at])).toEqual([
      ['REGISTERED', '2024-01-10T09:00:00.000Z'],
      ['SEND_CIRCULAR', '2024-02-01T10:00:00.000Z'],
      ['REPLY_AFFIRMATIVE', '2024-03-15T08:30:00.000Z'],
      ['SITE_SURVEYED', '2024-04-02T12:00:00.000Z'],
      ['SITE_DIFFICULTY', '2024-04-20T11:00:00.000Z'],
      ['FOCAL_POINT_NOMINATED', '2024-05-02T09:00:00.000Z'],
    ]);
    expect(history.body.events[1].payload).toEqual({ letterRef: 'C.8123' });
    expect((await verify(server.runtime.store)).differences).toEqual([]);
  });

  test.each(badFiles)('%s: nothing loads and the error names the line', async (_label, text, line, mentions) => {
    const res = await api(server.url, 'POST', '/api/import', text, NDJSON);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('import_invalid');
    expect(res.body.error.message).toContain(`line ${line}:`);
    expect(res.body.error.details.errors).toEqual([{ line, message: expect.stringMatching(mentions) }]);
    expect(await countOffices()).toBe(0);
  });

  test('every bad line is reported, not only the first', async () => {
    const text = withLine(9, '{"kind":"office","name":"","country":"FR"}').replace('"type":"REOPEN"', '"type":"REOPENED"');
    const res = await api(server.url, 'POST', '/api/import', text, NDJSON);
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors.map((e: { line: number }) => e.line)).toEqual([9, 10]);
    expect(await countOffices()).toBe(0);
  });

  test('loading the same file twice fails on its first line and adds nothing', async () => {
    expect((await api(server.url, 'POST', '/api/import', valid, NDJSON)).status).toBe(200);
    const again = await api(server.url, 'POST', '/api/import', valid, NDJSON);
    expect(again.status).toBe(400);
    expect(again.body.error.details.errors).toEqual([{ line: 1, message: expect.stringContaining('already exists') }]);
    expect(await countOffices()).toBe(2);
    expect((await api(server.url, 'GET', '/api/offices/SN-DAKAR')).body.version).toBe(5);
  });
});

describe('npm run cli -- import FILE', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => {
    removeTempDir(dir);
  });

  const officeCount = async (dbPath: string) => {
    const runtime = await openRuntime(testConfig(dbPath));
    try {
      return (await runtime.store.listOffices({ limit: 1 })).total;
    } finally {
      runtime.close();
    }
  };

  test('a valid file loads', async () => {
    const dbPath = path.join(dir, 'cli.db');
    const result = await runCli(dbPath, ['import', VALID_FILE, '--actor', 'migration-2024']);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('Imported 2 offices, 8 events') });
    const runtime = await openRuntime(testConfig(dbPath));
    try {
      expect((await runtime.store.getOffice('SN-DAKAR'))?.states).toEqual(['preparing.site.blocked', 'preparing.training.nominated']);
      expect((await runtime.store.history('CL-SANTIAGO')).map((e) => e.actor)).toEqual(Array(4).fill('migration-2024'));
      expect((await verify(runtime.store)).differences).toEqual([]);
    } finally {
      runtime.close();
    }
  });

  test.each([badFiles[0]!, badFiles[1]!, badFiles[8]!])('%s: exits non-zero, names the line, loads nothing', async (_label, text, line) => {
    const dbPath = path.join(dir, 'cli.db');
    const file = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(file, text);
    const result = await runCli(dbPath, ['import', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`line ${line}:`);
    expect(result.stdout).not.toContain('Imported');
    expect(await officeCount(dbPath)).toBe(0);
  });

  test('a missing file is a clear error, not a stack trace', async () => {
    const result = await runCli(path.join(dir, 'cli.db'), ['import', path.join(dir, 'nope.jsonl')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/nope\.jsonl/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
