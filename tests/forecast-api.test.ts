import path from 'node:path';
import type { Browser } from 'playwright-core';
import { loadDemoData } from '../demo/load';
import { fixedClock } from '../engine/clock';
import { seriousViolations } from './helpers/axe';
import { launchBrowser, newContext, openPage, RESULTS_DIR, screenshot } from './helpers/browser';
import { api, startServer, type TestServer } from './helpers/server';

/** GET /api/forecast and the /forecast page on the demo programme, in Chromium at both widths. */
const NOW = '2026-06-30T09:00:00.000Z';
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ runtime: { clock: fixedClock(NOW) }, config: { PROGRAMME_DEADLINE: '2027-06-30' } });
  await loadDemoData(server.runtime);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('the programme figures, deterministic, with the deadline from PROGRAMME_DEADLINE', async () => {
  const a = await api(server.url, 'GET', '/api/forecast');
  expect(a.status).toBe(200);
  expect(a.body).toMatchObject({ asOf: NOW, deadline: '2027-07-01T00:00:00.000Z', runs: 1000, withScenario: null });
  const p = a.body.baseline;
  expect(p.installedOrConnected.low).toBeLessThanOrEqual(p.installedOrConnected.expected);
  expect(p.installedOrConnected.expected).toBeLessThanOrEqual(p.installedOrConnected.high);
  expect(p.installedOrConnected.low).toBeGreaterThanOrEqual(p.installedOrConnectedBefore);
  expect(p.handedOver.expected).toBeLessThanOrEqual(p.installedOrConnected.expected);
  expect(p.curve[p.curve.length - 1].at).toBe('2027-07-01T00:00:00.000Z');
  expect(a.body.offices.length).toBeGreaterThan(0);
  const office = a.body.offices[0];
  expect(office.probability).toBeGreaterThanOrEqual(0);
  expect(office.probability).toBeLessThanOrEqual(1);
  const b = await api(server.url, 'GET', '/api/forecast?seed=1&runs=1000');
  expect(b.body).toEqual(a.body);
});

test('offices=none answers the same programme figures without the office list', async () => {
  const all = await api(server.url, 'GET', '/api/forecast?seed=3');
  const none = await api(server.url, 'GET', '/api/forecast?seed=3&offices=none');
  expect(none.status).toBe(200);
  expect(all.body.offices.length).toBeGreaterThan(0);
  expect(none.body.offices).toEqual([]);
  expect(none.body.totalOffices).toBe(0);
  expect(none.body.baseline).toEqual(all.body.baseline);
  expect(none.body.history).toEqual(all.body.history);
  const bad = await api(server.url, 'GET', '/api/forecast?offices=some');
  expect({ status: bad.status, code: bad.body?.error?.code }).toEqual({ status: 400, code: 'invalid_input' });
});

test('a scenario is answered beside the baseline, and speeding up deployment does not lower the outcome', async () => {
  const res = await api(server.url, 'GET', '/api/forecast?speedup=deployment:0.25,preparing:0.25&goldDisk=2026-07-15');
  expect(res.status).toBe(200);
  expect(res.body.scenario).toEqual({ goldDisk: '2026-07-15T00:00:00.000Z', speedup: { deployment: 0.25, preparing: 0.25 } });
  expect(res.body.withScenario.installedOrConnected.expected).toBeGreaterThanOrEqual(res.body.baseline.installedOrConnected.expected);
});

test('CSV of every open office', async () => {
  const res = await api(server.url, 'GET', '/api/forecast?format=csv');
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  expect((res.body as string).split('\r\n')[0]).toBe('office_id,name,country,track,states,contact_name,contact_email,probability_by_deadline,expected,low,high,slowest_stage,push');
});

test.each([
  '/api/forecast?deadline=2026-01-01',
  '/api/forecast?asOf=1989-01-01',
  '/api/forecast?deadline=2101-01-01',
  '/api/forecast?speedup=nowhere:0.5',
  '/api/forecast?speedup=invited:0',
  '/api/forecast?runs=999',
  '/api/forecast?goldDisk=tomorrow',
])('%s is a 400', async (url) => {
  const res = await api(server.url, 'GET', url);
  expect({ url, status: res.status, code: res.body?.error?.code }).toEqual({ url, status: 400, code: 'invalid_input' });
});

test.each([1366, 390])('/forecast at %i px: figures of the API, offices to push with their contact, axe clean', async (width) => {
  const context = await newContext(browser, { width, height: 900 });
  // The API first: the page then shows the same (kept) result instead of computing it again.
  const api1 = (await api(server.url, 'GET', '/api/forecast?goldDisk=2026-07-15')).body;
  const { page, problems } = await openPage(context, `${server.url}/forecast?goldDisk=2026-07-15`);
  const cells = await page.$$eval('table.forecast-figures tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
  const fmt = (r: { expected: number; low: number; high: number }) => `${Math.round(r.expected)} (${r.low}–${r.high})`;
  expect(cells).toEqual([fmt(api1.baseline.installedOrConnected), fmt(api1.withScenario.installedOrConnected)]);
  const rows = await page.$$eval('table.at-risk tbody tr', (trs) => trs.map((t) => [t.getAttribute('data-office'), t.querySelector('a[href^="mailto:"]')?.textContent ?? null]));
  expect(rows.length).toBeGreaterThan(0);
  const first = api1.offices.find((o: { officeId: string }) => o.officeId === rows[0]![0]);
  expect(rows[0]![1]).toBe(first.contact.email);
  expect(await page.$$eval('svg.forecast-curve path.band', (n) => n.length)).toBe(1);
  expect(await seriousViolations(page)).toEqual([]);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
  await screenshot(page, path.join(RESULTS_DIR, `forecast-${width}.png`));
  expect(problems).toEqual([]);
  await context.close();
});
