import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/env';
import { loadPolicies } from '../reminders/policies';
import { quartersBetween } from '../programme/report/period';
import { api, makeTempDir, ON_POSTGRES, registerOffice, removeTempDir, runCli, spawnServer, startServer, TEST_ADMIN_TOKEN, type ChildServer, type TestServer } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

/**
 * Every date the API and the CLI accept lies in 1990-01-01..2100-12-31: outside it the answer is a
 * 400 (or a CLI error) at once, never a loop over ten thousand years of quarters, and nothing stored
 * can sort wrongly as a string.
 */
describe('date bounds', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('the edges of the range are accepted', async () => {
    const res = await api(server.url, 'GET', '/api/reports/progress?from=1990-01-01&to=2100-12-31');
    expect(res.status).toBe(200);
    expect(res.body.period).toMatchObject({ from: '1990-01-01', to: '2100-12-31' });
  }, 60_000);

  it('quarters are counted as numbers, and a span past the range is refused', () => {
    expect(quartersBetween('9999-Q4', '10000-Q1')).toEqual(['9999-Q4', '10000-Q1']);
    expect(quartersBetween('2099-Q4', '2100-Q2')).toEqual(['2099-Q4', '2100-Q1', '2100-Q2']);
    expect(() => quartersBetween('2026-Q1', '9999-Q4')).toThrow(/quarters/);
  });

  it('a pause until 9999-12-31T23:00-12:00 is a 400 and nothing is paused', async () => {
    const id = await registerOffice(server.url, { id: 'PAUSE-FAR' });
    for (const until of ['9999-12-31T23:00-12:00', '9999-12-31T23:00:00-12:00', '2101-01-01T00:00:00Z', '2100-12-31T23:00:00-12:00', '9999-12-31']) {
      const res = await api(server.url, 'POST', `/api/offices/${id}/reminders/pause`, { until, reason: 'far away' });
      expect(res.status).toBe(400);
    }
    const reminders = await api(server.url, 'GET', `/api/offices/${id}/reminders`);
    expect(reminders.body.paused).toBeNull();
    const ok = await api(server.url, 'POST', `/api/offices/${id}/reminders/pause`, { until: '2100-12-31T12:00:00-06:00', reason: 'long leave' });
    expect(ok.status).toBe(200);
    expect(ok.body.paused.until).toBe('2100-12-31T18:00:00.000Z');
  });

  // Only SQLite can hold such a row: it stores instants as text, and PostgreSQL's timestamptz refuses the year 10000.
  (ON_POSTGRES ? it.skip : it)('a pause stored before the bound with a far year is not lifted by the next pass', async () => {
    const id = await registerOffice(server.url, { id: 'PAUSE-OLD' });
    const rt = server.runtime;
    const now = rt.engine.clock.now();
    sqliteDb(rt)
      .prepare('INSERT INTO reminder_pauses (office_id, paused_at, until, reason, actor) VALUES (?, ?, ?, ?, ?)')
      .run(id, now.toISOString(), '+010000-01-01T11:00:00.000Z', 'written by an older version', 'test');
    const resumed = await rt.engine.transact(() => rt.reminders.reminders.resumeExpired(new Date(now.getTime() + 60_000)));
    expect(resumed).toBe(0);
    expect(await rt.reminders.store.pause(id)).toBeDefined();
  });

  it('imports refuse an event or office dated outside the range, importing nothing', async () => {
    const lines = [
      JSON.stringify({ kind: 'office', id: 'IMP-FAR', name: 'Far', country: 'FR', contacts: [{ name: 'A', email: 'a@far.example' }], at: '2026-01-01T00:00:00Z' }),
      JSON.stringify({ kind: 'event', office: 'IMP-FAR', type: 'SEND_CIRCULAR', at: '9999-12-31T23:00:00-12:00' }),
    ].join('\n');
    const res = await api(server.url, 'POST', '/api/import', lines, { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/2100-12-31/);
    expect((await api(server.url, 'GET', '/api/offices/IMP-FAR')).status).toBe(404);
  });

  it('workshops outside the range are refused', async () => {
    const workshop = { title: 'Training', city: 'Geneva', country: 'CH', start: '2026-05-04', end: '9999-12-31', capacity: 5 };
    const res = await api(server.url, 'POST', '/api/workshops', workshop);
    expect(res.status).toBe(400);
    expect((await api(server.url, 'POST', '/api/workshops', { ...workshop, start: '1989-12-31', end: '1990-01-02' })).status).toBe(400);
    expect((await api(server.url, 'POST', '/api/workshops', { ...workshop, end: '2026-05-08' })).status).toBe(201);
  });
});

// In a child process: before the bound, the request looped forever inside the server (quarters
// compared as strings), which the fetch's bound and the jest timeout turn into a failure.
describe('date bounds of the report, in a server process', () => {
  let dir: string;
  let child: ChildServer;
  beforeAll(async () => {
    dir = makeTempDir();
    child = await spawnServer(path.join(dir, 'report.db'));
  }, 120_000);
  afterAll(async () => {
    await child?.kill('SIGKILL');
    removeTempDir(dir);
  });

  it('a report up to 9999-12-31 is a 400, answered at once', async () => {
    const get = (url: string) => fetch(child.url + url, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, signal: AbortSignal.timeout(20_000) });
    for (const query of ['from=2026-01-01&to=9999-12-31', 'from=1900-01-01&to=2026-01-01', 'to=2101-01-01', 'from=0001-01-01']) {
      const res = await get(`/api/reports/progress?${query}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
    }
    const page = await get('/programme/report?from=2026-01-01&to=9999-12-31');
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('2100-12-31');
  }, 60_000);
});

describe('date bounds in the CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('sweep --at and report --to outside the range are clear errors', async () => {
    const db = path.join(dir, 'cli.db');
    const sweep = await runCli(db, ['sweep', '--at', '9999-12-31T23:00:00-12:00']);
    expect(sweep.code).not.toBe(0);
    expect(sweep.stderr).toMatch(/between 1990-01-01 and 2100-12-31/);
    const report = await runCli(db, ['report', '--from', '2026-01-01', '--to', '9999-12-31']);
    expect(report.code).not.toBe(0);
    expect(report.stderr).toMatch(/between 1990-01-01 and 2100-12-31/);
  }, 120_000);
});

describe('bounds of the loops and timers that configuration drives', () => {
  it('an interval or timeout past what a Node timer holds is refused at start, not run every millisecond', () => {
    for (const name of ['SCHEDULER_INTERVAL_MS', 'DISPATCH_INTERVAL_MS', 'SMTP_TIMEOUT_MS', 'DB_BUSY_TIMEOUT_MS', 'MAIL_RETRY_BASE_MS']) {
      expect(() => loadConfig({ [name]: '99999999999' })).toThrow(name);
    }
    expect(loadConfig({ SCHEDULER_INTERVAL_MS: '60000' }).SCHEDULER_INTERVAL_MS).toBe(60000);
  });

  it('a reminder policy longer than ten years is refused, so deadlines stay inside the date range', () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'policies.json');
      fs.writeFileSync(file, JSON.stringify({ states: { 'invited': { sla: 'P9000Y' } } }));
      expect(() => loadPolicies(file)).toThrow(/ten years/);
      fs.writeFileSync(file, JSON.stringify({ states: { 'invited': { every: 'P20Y' } } }));
      expect(() => loadPolicies(file)).toThrow(/ten years/);
      fs.writeFileSync(file, JSON.stringify({ states: { 'invited': { sla: 'P60D' } } }));
      expect(loadPolicies(file).get('invited')?.sla).toBe('P60D');
    } finally {
      removeTempDir(dir);
    }
  });
});
