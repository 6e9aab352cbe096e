import { parse as parseCsv } from 'csv-parse/sync';
import { verify } from '../engine/verify';
import { loadDemoData } from '../demo/load';
import { rawRequest } from './helpers/raw-http';
import fs from 'node:fs';
import path from 'node:path';
import { api, makeTempDir, ON_POSTGRES, registerOffice, removeTempDir, runCli, startServer, TEST_ADMIN_TOKEN, type TestServer } from './helpers/server';
import { runSql, sqliteDb } from './helpers/sqlite';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('exports', () => {
  let source: TestServer;
  let copy: TestServer;
  const dir = makeTempDir();

  beforeAll(async () => {
    source = await startServer();
    copy = await startServer({ config: { BODY_LIMIT: '50mb' } });
    expect(await loadDemoData(source.runtime)).not.toBeNull();
    // A workshop in the programme's own table travels too.
    expect((await api(source.url, 'POST', '/api/workshops', { id: 'EXP-1', title: 'Export check', city: 'Nairobi', country: 'KE', start: '2030-01-10', end: '2030-01-11', capacity: 4 })).status).toBe(201);
  });
  afterAll(async () => {
    await source.close();
    await copy.close();
    removeTempDir(dir);
  });

  it('exports the demo programme in the import format, streamed; importing it into an empty database and exporting again gives the same file, and verify is clean', async () => {
    const first = await rawRequest(`${source.url}/api/export?format=jsonl`, { headers: auth });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(first.headers['transfer-encoding']).toBe('chunked');
    const lines = first.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; at?: string });
    const offices = (await source.runtime.store.listOffices({ limit: 1 })).total;
    const historyRows = Number((await runSql(source.runtime, 'SELECT count(*) AS n FROM history'))[0]!.n);
    expect(lines.filter((l) => l.kind === 'office')).toHaveLength(offices);
    expect(lines.filter((l) => l.kind === 'event')).toHaveLength(historyRows - offices);
    expect(lines[0]).toMatchObject({ kind: 'workshop', id: 'EXP-1' });
    // History order: times never go back.
    const times = lines.filter((l) => l.kind !== 'workshop').map((l) => l.at!);
    expect(times).toEqual([...times].sort());

    const imported = await api(copy.url, 'POST', '/api/import', first.body, { 'content-type': 'application/x-ndjson' });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ offices, events: historyRows - offices });
    const second = await rawRequest(`${copy.url}/api/export`, { headers: auth });
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect((await verify(copy.runtime.store)).differences).toEqual([]);

    // The CLI writes the same file (a copy of the database file, so the two never share a connection);
    // on PostgreSQL the CLI's own suites export from the database.
    if (ON_POSTGRES) return;
    const snapshot = path.join(dir, 'snapshot.db');
    await sqliteDb(copy.runtime).backup(snapshot);
    const cli = await runCli(snapshot, ['export', '--out', path.join(dir, 'cli.jsonl')]);
    expect(cli.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'cli.jsonl'), 'utf8')).toBe(first.body);
  });

  it('streams the audit trail of a period as JSON Lines and as CSV, the same rows oldest first', async () => {
    const from = new Date().toISOString();
    const id = await registerOffice(source.url, { name: 'Audit, "quoted" Office' });
    await api(source.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' }, { 'X-Request-Id': 'audit-req-1' });
    await api(source.url, 'POST', '/api/webhooks', { url: 'https://example.org/hook', events: ['office.stuck'] });
    const to = new Date(Date.now() + 1000).toISOString();

    const jsonl = await rawRequest(`${source.url}/api/audit?format=jsonl&from=${from}&to=${to}`, { headers: auth });
    expect(jsonl.status).toBe(200);
    const rows = jsonl.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { at: string; action: string; subject: string; requestId: string | null });
    const count = async (table: string) => Number((await runSql(source.runtime, `SELECT count(*) AS n FROM ${table} WHERE at >= $1 AND at < $2`, [from, to]))[0]!.n);
    const expected = (await count('history')) + (await count('audit_log'));
    expect(rows).toHaveLength(expected);
    expect(rows.map((r) => r.at)).toEqual(rows.map((r) => r.at).sort());
    expect(rows.every((r) => r.at >= from && r.at < to)).toBe(true);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'office.SEND_CIRCULAR', subject: id, requestId: 'audit-req-1' }),
        expect.objectContaining({ action: 'webhook.create' }),
      ]),
    );

    const csv = await rawRequest(`${source.url}/api/audit?format=csv&from=${from}&to=${to}`, { headers: auth });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const table = parseCsv(csv.body, { columns: true }) as Record<string, string>[];
    expect(table.map((r) => [r.at, r.action, r.subject, r.requestId])).toEqual(rows.map((r) => [r.at, r.action, r.subject, r.requestId ?? '']));
    // A whole day as the period includes what happened today.
    const today = from.slice(0, 10);
    const day = await rawRequest(`${source.url}/api/audit?format=jsonl&from=${today}&to=${today}`, { headers: auth });
    expect(day.body).toContain('audit-req-1');
  });

  it('refuses a bad format or period with a 400', async () => {
    for (const q of ['format=xml', 'format=csv&from=2026-13-01', 'format=csv&from=2026-05-02&to=2026-05-01']) {
      const res = await api(source.url, 'GET', `/api/audit?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
    expect((await api(source.url, 'GET', '/api/export?format=csv')).status).toBe(400);
    expect((await rawRequest(`${source.url}/api/export`)).status).toBe(401);
  });
});
