import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { seriousViolations } from '../helpers/axe';
import { launchBrowser, newContext, openPage, RESULTS_DIR, screenshot } from '../helpers/browser';
import { api, type TestServer } from '../helpers/server';
import { startMapServer } from '../map-fixture';

/** /map in Debian's Chromium at a phone's width and a laptop's: a click on a country lists its offices. */

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startMapServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const KENYA = ['Kenya Copyright Board', 'Kenya Industrial Property Institute', 'Kenya Trademarks Registry'];

describe.each([390, 1366])('at %i px', (width) => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await newContext(browser, { width, height: 900 });
  });
  afterAll(async () => {
    await context?.close();
  });

  test('the map fits the page, has a legend, and a click on Kenya lists its offices', async () => {
    const { page, problems } = await openPage(context, `${server.url}/map`);
    expect(await page.getAttribute('nav.nav a[href="/map"]', 'aria-current')).toBe('page');
    // The page itself never scrolls sideways; on a phone only the map's own box does.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    const box = (await page.locator('svg.world-map').boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(width < 700 ? 700 : width - 100);
    expect(await page.locator('ul.legend li').allTextContents()).toEqual(expect.arrayContaining(['Invited', 'No office']));
    await screenshot(page, path.join(RESULTS_DIR, `map-${width}.png`), false);

    await page.locator('svg.world-map path[data-country="KE"]').click();
    await page.waitForURL(/\/map\?country=KE#country-offices$/);
    const items = page.locator('#country-offices li[data-office] > a');
    expect((await items.allTextContents()).sort()).toEqual(KENYA);
    expect(await page.locator('#country-offices').isVisible()).toBe(true);
    expect(await page.getAttribute('#country-offices a[href^="/offices?"]', 'href')).toBe('/offices?country=KE');
    expect(await page.getAttribute('svg.world-map path[data-country="KE"]', 'class')).toContain('selected');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  test('the colouring toggle keeps the country and fills it as the API says', async () => {
    const { page, problems } = await openPage(context, `${server.url}/map?country=KE`);
    await page.locator('nav.toggle a', { hasText: 'Share stalled' }).click();
    await page.waitForURL(/colour=stalled/);
    expect(new URL(page.url()).searchParams.get('country')).toBe('KE');
    const figures = await api<{ countries: { country: string; fill: string }[] }>(server.url, 'GET', '/api/analytics/countries?colour=stalled');
    for (const c of figures.body.countries.filter((x) => x.country !== 'SG')) {
      expect(await page.getAttribute(`svg.world-map path[data-country="${c.country}"]`, 'fill')).toBe(c.fill);
    }
    expect(await page.locator('#country-offices li[data-office]').count()).toBe(3);
    expect(problems).toEqual([]);
    await page.close();
  });
});

test('without JavaScript the click still lists the offices (the country is a plain link)', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 900 }, javaScriptEnabled: false, extraHTTPHeaders: { authorization: `Bearer ${process.env.ADMIN_TOKEN}` } });
  const page = await context.newPage();
  await page.goto(`${server.url}/map`);
  await page.locator('svg.world-map path[data-country="BR"]').click();
  await page.waitForURL(/\/map\?country=BR#country-offices$/);
  expect(await page.locator('#country-offices li[data-office]').count()).toBe(2);
  // A country too small to draw is a link beside the map.
  await page.locator('a', { hasText: 'Singapore' }).first().click();
  await page.waitForURL(/country=SG/);
  expect(await page.locator('#country-offices li[data-office]').allTextContents()).toEqual([expect.stringContaining('SG-1')]);
  await context.close();
});
