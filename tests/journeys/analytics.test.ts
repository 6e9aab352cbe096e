import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { loadDemoData } from '../../demo/load';
import { fixedClock } from '../../engine/clock';
import { seriousViolations } from '../helpers/axe';
import { launchBrowser, newContext, openPage, RESULTS_DIR, screenshot } from '../helpers/browser';
import { api, startServer, type TestServer } from '../helpers/server';

/**
 * The analytics pages in Chromium at a laptop's and a phone's width, on the demo programme: the
 * figures shown are the API's, nothing serious for axe, and nothing wider than the screen.
 */
const NOW = '2026-06-30T09:00:00.000Z';
const WIDTHS = [1366, 390];

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ runtime: { clock: fixedClock(NOW) } });
  await loadDemoData(server.runtime);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each(WIDTHS)('at %i px', (width) => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await newContext(browser, { width, height: 900 });
  });
  afterAll(() => context?.close());

  test('/analytics shows the API figures, passes axe and fits the screen', async () => {
    const period = 'from=2025-07-01&to=2026-06-30';
    const { page, problems } = await openPage(context, `${server.url}/analytics?${period}`);
    const funnel = (await api(server.url, 'GET', `/api/analytics/funnel?${period}`)).body;
    const durations = (await api(server.url, 'GET', `/api/analytics/durations?${period}`)).body;
    const invited = await page.textContent('table.funnel tr[data-step="invited"] td.num');
    expect(invited).toBe(funnel.steps[0].offices.toLocaleString('en-US'));
    // The chart's default colouring is the median time in state, written on each state.
    const surveying = durations.states.find((s: { state: string }) => s.state === 'preparing.site.surveying');
    expect(surveying.sample).toBeGreaterThan(0);
    expect(await page.textContent('svg.statechart [data-path="preparing.site.surveying"] text.count')).toBe(`median ${surveying.calendarDays.median.toLocaleString('en-US')} d`);
    expect(await page.$$eval('svg.flow path.area', (n) => n.length)).toBeGreaterThan(2);
    expect(await page.$$eval('.slow-state li a', (n) => n.length)).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > ${width} + 1 && !e.closest('.chart-wrap, .table-wrap')).map((e) => e.tagName + '.' + e.className).slice(0, 5)`);
    expect(wide).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    await screenshot(page, path.join(RESULTS_DIR, `analytics-${width}.png`));

    // The toggle colours the same chart by offices now, then by the share overdue.
    await page.click('nav.toggle a:has-text("Offices now")');
    await page.waitForSelector('nav.toggle a[aria-current]:has-text("Offices now")');
    expect(await page.textContent('svg.statechart [data-path="invited"] text.count')).toMatch(/^\d[\d,]* offices?$/);
    await page.click('nav.toggle a:has-text("Share overdue")');
    await page.waitForSelector('nav.toggle a[aria-current]:has-text("Share overdue")');
    expect(await page.textContent('svg.statechart [data-path="invited"] text.count')).toMatch(/^\d+% overdue$/);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
