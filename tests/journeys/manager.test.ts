import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadDemoData } from '../../demo/load';
import { fixedClock } from '../../engine/clock';
import { FIGURE_NAMES, type FigureName } from '../../engine/figures';
import { seriousViolations } from '../helpers/axe';
import { launchBrowser, newContext, openPage, RESULTS_DIR, screenshot, waitForLive } from '../helpers/browser';
import { api, ROOT, startServer, type TestServer } from '../helpers/server';

/**
 * The manager's journey: on the demo programme, each headline figure of the overview is the length
 * of the list its card links to (followed in Chromium, page by page), the figure of GET /api/stats,
 * and the figure of the progress report for the same date. The demo is loaded at midnight, so "now"
 * is exactly the end of the report's last day.
 */
const NOW = '2026-07-01T00:00:00.000Z';
const REPORT_DAY = '2026-06-30';
const SHOTS = path.join(RESULTS_DIR, 'journeys');

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ runtime: { clock: fixedClock(NOW) } });
  await loadDemoData(server.runtime);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Rows of a paged list, following its "Next" links; also the total its pager states. */
async function countRows(page: Page): Promise<{ rows: number; stated: number | null; pages: number }> {
  let rows = 0;
  let pages = 0;
  const stated = await page.locator('.pager [data-total]').first().getAttribute('data-total', { timeout: 2000 }).catch(() => null);
  for (;;) {
    pages++;
    rows += await page.locator('table tbody tr').count();
    const next = page.locator('.pager a[rel="next"]');
    if ((await next.count()) === 0) break;
    await Promise.all([page.waitForURL((url) => url.searchParams.get('page') === String(pages + 1)), next.first().click()]);
  }
  return { rows, stated: stated === null ? null : Number(stated), pages };
}

const valueOf = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));

test('every headline figure equals its list, the API and the report for the same day', async () => {
  const stats = (await api(server.url, 'GET', '/api/stats')).body;
  const report = (await api(server.url, 'GET', `/api/reports/progress?to=${REPORT_DAY}`)).body;
  expect(report.period).toMatchObject({ to: REPORT_DAY, end: NOW });

  const context = await newContext(browser, { width: 1366, height: 900 });
  const { page, problems } = await openPage(context, server.url + '/');
  await waitForLive(page);
  const cards = await page.$$eval('[data-figure]', (links) =>
    links.map((a) => ({ key: a.getAttribute('data-figure'), href: a.getAttribute('href'), value: a.querySelector('.value')?.textContent ?? null })),
  );
  expect(cards.map((c) => c.key)).toEqual([...FIGURE_NAMES]);

  const seen: Record<string, number> = {};
  for (const card of cards) {
    const key = card.key as FigureName;
    const value = valueOf(card.value);
    seen[key] = value;
    // Follow the card itself, as a manager would.
    await Promise.all([page.waitForURL((url) => url.pathname + url.search === card.href), page.click(`[data-figure="${key}"]`)]);
    const list = await countRows(page);
    expect({ key, rows: list.rows }).toEqual({ key, rows: value });
    if (value > 0) expect({ key, stated: list.stated }).toEqual({ key, stated: value });
    expect({ key, api: stats.figures[key] }).toEqual({ key, api: value });
    expect({ key, report: report.figures[key] }).toEqual({ key, report: value });
    await page.goto(server.url + '/');
  }
  // The demo is a programme in progress: something in every figure, about a fifth stalled.
  for (const key of FIGURE_NAMES) expect({ key, n: seen[key] }).not.toEqual({ key, n: 0 });
  expect(seen.stalled! / stats.total).toBeGreaterThan(0.1);
  expect(seen.stalled! / stats.total).toBeLessThan(0.35);
  // The report's own numbers agree with each other: its bars add up to its total of kits.
  expect(report.installedTotal).toBe(seen.installed);
  expect(report.connectedTotal).toBe(seen.connected);
  expect(report.keyIssues.stalledOffices).toBe(seen.stalled);
  expect(report.installationsByQuarter.reduce((n: number, q: { installed: number }) => n + q.installed, 0)).toBe(report.installedTotal);
  // The installations chart on the overview adds up to the card too.
  expect(await page.textContent('svg.bars text:last-of-type')).toBe('total');
  expect(await page.getAttribute('svg.bars desc', 'id')).toBe('installed-desc');
  expect(await page.textContent('svg.bars desc')).toMatch(new RegExp(`^${seen.installed} installed in total`));
  expect(problems).toEqual([]);
  await context.close();
});

test('/stuck: each office once, the stuck ones first; the Internet track is reported as connected, not as kits', async () => {
  const context = await newContext(browser, { width: 1366, height: 900 });
  const { page, problems } = await openPage(context, server.url + '/stuck');
  const rows = await page.$$eval('tbody tr', (trs) => trs.map((tr) => ({ office: tr.getAttribute('data-office'), stuck: tr.querySelector('.badge.stuck') !== null })));
  expect(new Set(rows.map((r) => r.office)).size).toBe(rows.length);
  const firstStalled = rows.findIndex((r) => !r.stuck);
  expect(firstStalled).toBeGreaterThan(0);
  expect(rows.slice(firstStalled).some((r) => r.stuck)).toBe(false);
  expect(problems).toEqual([]);
  await context.close();

  const md = (await api(server.url, 'GET', `/api/reports/progress?to=${REPORT_DAY}&format=md`)).body as string;
  expect(md).toMatch(/connected to the (WIPOnet )?services over the Internet/);
  const internet = (await api(server.url, 'GET', '/api/offices?figure=connected&limit=1000')).body.offices as { track: string }[];
  expect(internet.every((o) => o.track === 'internet')).toBe(true);
  const kits = (await api(server.url, 'GET', '/api/offices?figure=installed&limit=1000')).body.offices as { track: string }[];
  expect(kits.every((o) => o.track === 'kit')).toBe(true);
});

test.each([1366, 390])('overview, /stuck and /offices have no serious accessibility violation at %i px', async (width) => {
  const context = await newContext(browser, { width, height: width > 500 ? 900 : 844 });
  for (const [name, url] of [
    ['overview', '/'],
    ['stuck', '/stuck'],
    ['offices', '/offices?figure=installed'],
  ] as const) {
    const { page, problems } = await openPage(context, server.url + url);
    if (name === 'overview') await waitForLive(page);
    expect({ page: name, width, violations: await seriousViolations(page) }).toEqual({ page: name, width, violations: [] });
    await screenshot(page, path.join(SHOTS, `manager-${name}-${width}.png`));
    // The README's picture of the dashboard: the demo programme on its fixed day, at 1366 px.
    if (name === 'overview' && width === 1366) await screenshot(page, path.join(ROOT, 'docs', 'dashboard.png'));
    expect(problems).toEqual([]);
    await page.close();
  }
  await context.close();
});
