import path from 'node:path';
import type { Browser } from 'playwright-core';
import { loadDemoData } from '../../demo/load';
import { fixedClock } from '../../engine/clock';
import { startServer, type TestServer } from '../helpers/server';
import { launchBrowser, newContext, openPage, RESULTS_DIR, screenshot, waitForLive } from '../helpers/browser';

/**
 * The demo programme on a fixed date, six weeks on, so the pictures are the same on every run; they
 * go to test-results/. (docs/dashboard.png, the overview shown in the README, is written by the
 * manager's journey, tests/journeys/manager.test.ts.)
 */

const START = '2026-06-30T09:00:00.000Z';
const DAY = 86_400_000;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  const clock = fixedClock(START);
  server = await startServer({ runtime: { clock } });
  await loadDemoData(server.runtime);
  // Six weeks of the reminder scheduler, a pass a week: the long-silent offices get their
  // reminders, and those that stay silent are escalated (stuck).
  for (let week = 0; week < 6; week++) {
    await server.runtime.reminders.sweep(clock.now());
    clock.advance(7 * DAY);
  }
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('overview at 1280 px and at tablet width', async () => {
  const context = await newContext(browser, { width: 1280, height: 900 });
  const { page, problems } = await openPage(context, server.url + '/');
  await waitForLive(page);
  expect(Number(await page.textContent('[data-figure="stuck"] .value'))).toBeGreaterThan(0);
  expect(await page.locator('svg.statechart .leaf.has-stuck').count()).toBeGreaterThan(0);
  await screenshot(page, path.join(RESULTS_DIR, 'overview-1280.png'));
  await context.close();

  const tablet = await newContext(browser, { width: 820, height: 1180 });
  const t = await openPage(tablet, server.url + '/');
  // Nothing is wider than the screen: the page does not scroll sideways.
  expect(await t.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
  await screenshot(t.page, path.join(RESULTS_DIR, 'overview-tablet.png'));
  expect([...problems, ...t.problems]).toEqual([]);
  await tablet.close();
});

test('stuck list: each office once, stuck ones first, most overdue first within each, filtered by owner and stage', async () => {
  const context = await newContext(browser);
  const { page, problems } = await openPage(context, server.url + '/stuck');
  const rows = await page.$$eval('tbody tr', (trs) =>
    trs.map((tr) => ({
      office: tr.getAttribute('data-office'),
      stuck: tr.querySelector('td:nth-child(4) .badge.stuck') !== null,
      overdue: Number(tr.querySelector('td:nth-child(7)')!.textContent!.replace(/,/g, '')),
    })),
  );
  expect(rows.length).toBeGreaterThan(0);
  expect(new Set(rows.map((r) => r.office)).size).toBe(rows.length);
  const found = rows.findIndex((r) => !r.stuck);
  const firstStalled = found === -1 ? rows.length : found;
  expect(rows.slice(firstStalled).every((r) => !r.stuck)).toBe(true);
  for (const group of [rows.slice(0, firstStalled), rows.slice(firstStalled)]) {
    const overdue = group.map((r) => r.overdue);
    expect(overdue).toEqual([...overdue].sort((a, b) => b - a));
  }
  await screenshot(page, path.join(RESULTS_DIR, 'stuck.png'), false);

  await page.selectOption('#f-owner', 'wipo');
  await page.selectOption('#f-stage', 'preparing');
  await page.click('form.filters button[type="submit"]');
  await page.waitForURL(/owner=wipo/);
  const owners = await page.$$eval('tbody tr td:nth-child(5)', (cells) => cells.map((c) => c.textContent!.trim()));
  const states = await page.$$eval('tbody tr td:nth-child(3)', (cells) => cells.map((c) => c.textContent!.trim()));
  expect(owners.every((o) => o === 'WIPO')).toBe(true);
  expect(states.every((s) => s.startsWith('Preparing'))).toBe(true);
  expect(problems).toEqual([]);
  await context.close();
});

test('office page with its path, events, reminders and emails', async () => {
  const context = await newContext(browser);
  const id = (await server.runtime.store.listOffices({ stage: 'deployment', limit: 1 })).offices[0]!.id;
  const { page, problems } = await openPage(context, `${server.url}/offices/${id}`);
  await waitForLive(page);
  expect(await page.locator('form[data-event]').count()).toBeGreaterThan(0);
  expect(await page.locator('svg.statechart .edge.traversed').count()).toBeGreaterThan(3);
  await screenshot(page, path.join(RESULTS_DIR, 'office.png'));
  expect(problems).toEqual([]);
  await context.close();
});
