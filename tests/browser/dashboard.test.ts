import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, startServer, type TestServer } from '../helpers/server';
import { launchBrowser, newContext, openPage, PATH, RESULTS_DIR, screenshot, seedOffice, waitForLive, waitUntil } from '../helpers/browser';

/**
 * The dashboard in Debian's Chromium against the real server on a real SQLite file: counts on the
 * chart, advancing an office by its buttons and forms, live updates, the stale-page 412.
 */

let server: TestServer;
let browser: Browser;
let context: BrowserContext;

const XSS_NAME = '<img src=x onerror=alert(1)>';

beforeAll(async () => {
  server = await startServer();
  const rt = server.runtime;
  // A known programme: offices in many states, so every count on the chart is checked.
  await seedOffice(rt, 'P-1', [], { name: XSS_NAME });
  await seedOffice(rt, 'P-2', []);
  await seedOffice(rt, 'P-3', [], { country: 'KE' });
  await seedOffice(rt, 'I-1', PATH.invited);
  await seedOffice(rt, 'I-2', PATH.invited, { country: 'BR' });
  await seedOffice(rt, 'D-1', PATH.declined);
  await seedOffice(rt, 'R-1', PATH.preparing);
  await seedOffice(rt, 'R-2', PATH.siteWork);
  await seedOffice(rt, 'R-3', PATH.nominated);
  await seedOffice(rt, 'R-4', PATH.preparing, { track: 'internet' });
  await seedOffice(rt, 'K-1', PATH.deployment);
  await seedOffice(rt, 'K-2', PATH.installed);
  await seedOffice(rt, 'H-1', [...PATH.installed, { type: 'HANDED_OVER' }]);
  await seedOffice(rt, 'W-1', [...PATH.invited, { type: 'WITHDRAWN', reason: 'Office closed' }]);
  browser = await launchBrowser();
  context = await newContext(browser);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

interface Stats {
  total: number;
  byStage: Record<string, number>;
  byState: Record<string, number>;
}

/** The number each state of the overview chart shows, read from the SVG text. */
async function chartCounts(page: Page): Promise<Record<string, number>> {
  return page.$$eval('svg.statechart [data-path]', (nodes) => {
    const out: Record<string, number> = {};
    for (const node of nodes) {
      const path = node.getAttribute('data-path')!;
      const leafCount = node.querySelector('text.count')?.textContent;
      const title = node.querySelector('text.title')?.textContent;
      const text = leafCount ?? title ?? '';
      const match = /([\d,]+) offices?/.exec(text);
      if (match) out[path] = Number(match[1]!.replace(/,/g, ''));
    }
    return out;
  });
}

async function headline(page: Page, key: string): Promise<number> {
  const text = await page.textContent(`[data-figure="${key}"] .value`);
  return Number(text!.replace(/,/g, ''));
}

/** Transitions on the office's timeline (emails, reminders and notes are entries of their own). */
async function timelineCount(page: Page): Promise<number> {
  return page.locator('#timeline li[data-kind="transition"]').count();
}

/** Clicks the event's button (after filling `fields`) and waits for the timeline to grow by one. */
async function sendEvent(page: Page, type: string, fields: Record<string, string> = {}): Promise<void> {
  const before = await timelineCount(page);
  for (const [name, value] of Object.entries(fields)) await page.fill(`form[data-event="${type}"] [name="${name}"]`, value);
  await page.click(`form[data-event="${type}"] button[type="submit"]`);
  await waitUntil(() => timelineCount(page), (n) => n === before + 1, 30_000, `${type} on the timeline`);
}

test('the overview shows, on the chart, the count of every state that /api/stats reports; names are text, not markup', async () => {
  const { page, problems } = await openPage(context, server.url + '/');
  const stats = (await api<Stats>(server.url, 'GET', '/api/stats')).body;
  const counts = await chartCounts(page);

  const leaves = await page.$$eval('svg.statechart g.leaf', (nodes) => nodes.map((n) => n.getAttribute('data-path')!));
  expect(leaves.length).toBeGreaterThan(15);
  for (const leaf of leaves) expect({ leaf, count: counts[leaf] }).toEqual({ leaf, count: stats.byState[leaf] ?? 0 });
  for (const stage of ['preparing', 'deployment']) expect(counts[stage]).toBe(stats.byStage[stage]);
  expect(counts.prospect).toBe(3);
  expect(counts['preparing.site.surveying']).toBe(2);
  expect(counts['preparing.site.ready']).toBe(1); // the internet-track office starts there
  expect(await headline(page, 'invited')).toBe(2);
  expect(await headline(page, 'preparing')).toBe(4);
  expect(await headline(page, 'installed')).toBe(2);
  expect(await headline(page, 'handedOver')).toBe(1);

  // Clicking a state lists its offices; a hostile name is shown as text and runs nothing.
  await page.click('svg.statechart a[href="/offices?state=prospect"]');
  await page.waitForURL(/\/offices\?state=prospect$/);
  expect(await page.locator('tbody tr').count()).toBe(3);
  expect(await page.locator('tbody').textContent()).toContain(XSS_NAME);
  expect(await page.locator('tbody img').count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test('pages carry a strict Content-Security-Policy and the script runs under it', async () => {
  const res = await fetch(server.url + '/');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  const html = await res.text();
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
  expect(html).not.toMatch(/\son[a-z]+=/);
  expect(html).not.toMatch(/\sstyle=/);
  const { page, problems } = await openPage(context, server.url + '/offices/P-1');
  await waitForLive(page);
  expect(await page.textContent('#office-name')).toBe(XSS_NAME);
  expect(problems).toEqual([]);
  await page.close();
});

test('the offices list filters by stage, state, country and text, and pages', async () => {
  const { page } = await openPage(context, server.url + '/offices?stage=preparing');
  expect(await page.locator('tbody tr').count()).toBe(4);
  await page.goto(server.url + '/offices?country=BR');
  expect(await page.locator('tbody tr').count()).toBe(1);
  await page.goto(server.url + '/offices');
  await page.fill('#f-q', 'K-');
  await page.press('#f-q', 'Enter');
  await page.waitForURL(/q=K-/);
  expect(await page.locator('tbody tr').count()).toBe(2);
  // Thousands of offices come a page of 50 at a time.
  await server.runtime.engine.transact(async () => {
    for (let i = 0; i < 55; i++) await seedOffice(server.runtime, `PG-${String(i).padStart(2, '0')}`, []);
  });
  await page.goto(server.url + '/offices?q=PG-');
  expect(await page.locator('tbody tr').count()).toBe(50);
  expect(await page.textContent('.pager')).toContain('1–50 of 55 offices');
  await page.click('.pager a[rel="next"]');
  await page.waitForURL(/page=2/);
  expect(await page.locator('tbody tr').count()).toBe(5);
  expect(await page.locator('tbody').textContent()).toContain('PG-54');
  await page.close();
});

test('a coordinator registers an office and takes it from prospect to installed with its buttons and forms', async () => {
  const before = (await api<Stats>(server.url, 'GET', '/api/stats')).body;
  const overview = await openPage(context, server.url + '/');
  const installedBefore = await headline(overview.page, 'installed');
  await waitForLive(overview.page);

  const { page, problems } = await openPage(context, server.url + '/register');
  await page.fill('#r-name', 'Industrial Property Office of Testland');
  await page.fill('#r-id', 'UI-1');
  await page.selectOption('#r-country', 'KE');
  await page.fill('#c0-name', 'Wanjiru Kamau');
  await page.fill('#c0-email', 'w.kamau@kipi.example');
  await page.click('#register-form button[type="submit"]');
  await page.waitForURL(/\/offices\/UI-1$/);
  expect(await page.textContent('#office-name')).toBe('Industrial Property Office of Testland');
  expect(await page.textContent('.contacts')).toContain('w.kamau@kipi.example');
  expect(await timelineCount(page)).toBe(1);

  await sendEvent(page, 'SEND_CIRCULAR', { letterRef: 'C.9001' });
  await sendEvent(page, 'REPLY_AFFIRMATIVE');
  await sendEvent(page, 'SITE_SURVEYED');
  await sendEvent(page, 'SITE_READY');
  await sendEvent(page, 'FOCAL_POINT_NOMINATED', { name: 'Ada Lovelace', email: 'ada@kipi.example' });
  await sendEvent(page, 'ENROLLED', { workshopId: 'WS-NAIROBI' });
  await sendEvent(page, 'TRAINING_COMPLETED');
  await sendEvent(page, 'KIT_SHIPPED', { goldDiskVersion: '2.0' });
  await sendEvent(page, 'KIT_DELIVERED');
  await sendEvent(page, 'KIT_INSTALLED');

  expect(await timelineCount(page)).toBe(11);
  expect(await page.textContent('#office-status')).toContain('Installed');
  expect(await page.textContent('#messages')).toContain('Saved: kit installed');
  expect(await page.locator('[data-live-region="office-timeline"] li[data-kind="transition"]').first().textContent()).toContain('Kit installed');
  // Buttons say what they do, in the machine's own wording; no state path is shown anywhere.
  expect(await page.textContent('form[data-event="HANDED_OVER"] button[type="submit"]')).toBe('Mark as handed over');
  expect(await page.textContent('main')).not.toMatch(/\b(deployment|preparing)\.[a-z]/);
  expect(await page.textContent('[data-live-region="office-details"]')).toContain('WS-NAIROBI');
  // The path taken is drawn: the arrows it went along are highlighted.
  expect(await page.locator('svg.statechart .edge.traversed').count()).toBeGreaterThanOrEqual(10);
  expect(await page.getAttribute('svg.statechart [data-path="installed"]', 'class')).toContain('current');
  const office = (await api<{ states: string[]; version: number }>(server.url, 'GET', '/api/offices/UI-1')).body;
  expect(office).toMatchObject({ states: ['installed'], version: 10 });
  await screenshot(page, path.join(RESULTS_DIR, 'office-installed.png'));

  // The overview, open all along, followed without a reload.
  await waitUntil(() => headline(overview.page, 'installed'), (n) => n === installedBefore + 1, 30_000, 'the overview to count the installation');
  const after = (await api<Stats>(server.url, 'GET', '/api/stats')).body;
  expect(after.byState.installed).toBe((before.byState.installed ?? 0) + 1);
  expect((await chartCounts(overview.page)).installed).toBe(after.byState.installed);
  expect(problems).toEqual([]);
  expect(overview.problems).toEqual([]);
  await page.close();
  await overview.page.close();
});

test('a second page on the same office updates live, without a reload, when the first advances it', async () => {
  await seedOffice(server.runtime, 'LIVE-1', []);
  const first = await openPage(context, server.url + '/offices/LIVE-1');
  const second = await openPage(context, server.url + '/offices/LIVE-1');
  await waitForLive(second.page);
  await second.page.evaluate(`window.marker = 'not reloaded'`);

  await sendEvent(first.page, 'SEND_CIRCULAR');
  await waitUntil(() => timelineCount(second.page), (n) => n === 2, 30_000, 'the second page to update');
  expect(await second.page.textContent('#office-status')).toContain('Invited');
  expect(await second.page.locator('form[data-event="REPLY_AFFIRMATIVE"]').count()).toBe(1);
  expect(await second.page.evaluate('window.marker')).toBe('not reloaded');
  expect(second.problems).toEqual([]);
  await first.page.close();
  await second.page.close();
});

test('a stale page that submits gets the 412 message, and nothing changes', async () => {
  await seedOffice(server.runtime, 'STALE-1', PATH.invited);
  const fresh = await openPage(context, server.url + '/offices/STALE-1');
  const stale = await openPage(context, server.url + '/offices/STALE-1');
  await waitForLive(stale.page);
  // The stale page's coordinator is half-way through declining…
  await stale.page.fill('form[data-event="REPLY_DECLINED"] [name="reason"]', 'No budget this year');
  // …when someone else records the affirmative reply.
  await sendEvent(fresh.page, 'REPLY_AFFIRMATIVE');
  await stale.page.waitForSelector('.stale-note', { timeout: 30_000 });
  const history = (await api<{ events: unknown[] }>(server.url, 'GET', '/api/offices/STALE-1/history')).body.events.length;

  await stale.page.click('form[data-event="REPLY_DECLINED"] button[type="submit"]');
  await stale.page.waitForSelector('#messages .message[data-kind="warning"]');
  expect(await stale.page.textContent('#messages')).toContain('This office changed since you opened it');
  const office = (await api<{ stage: string }>(server.url, 'GET', '/api/offices/STALE-1')).body;
  expect(office.stage).toBe('preparing');
  expect((await api<{ events: unknown[] }>(server.url, 'GET', '/api/offices/STALE-1/history')).body.events.length).toBe(history);
  // Not an error page: the office page is still there, with a way to reload.
  expect(await stale.page.textContent('#office-name')).toBe('Office STALE-1');
  await screenshot(stale.page, path.join(RESULTS_DIR, 'office-stale-412.png'), false);
  await fresh.page.close();
  await stale.page.close();
});

test('an event the office cannot take any more is a clear 409 message', async () => {
  await seedOffice(server.runtime, 'GONE-1', PATH.invited);
  const page = await context.newPage();
  // This page misses the live update (its stream is cut), so it still offers the old buttons.
  await page.route('**/api/events/stream', (r) => r.abort());
  await page.goto(server.url + '/offices/GONE-1');
  // Someone withdraws the office through the API while this page still offers its buttons,
  // and this page's version is forced to the current one so the engine answers 409, not 412.
  await api(server.url, 'POST', '/api/offices/GONE-1/events', { type: 'WITHDRAWN', reason: 'Left' });
  await page.$$eval('form[data-event]', (forms) => forms.forEach((f) => f.setAttribute('data-version', '2')));
  await page.click('form[data-event="REPLY_AFFIRMATIVE"] button[type="submit"]');
  await page.waitForSelector('#messages .message[data-kind="error"]');
  expect(await page.textContent('#messages')).toContain('Not possible now');
  await page.close();
});

test('the chart is keyboard usable: Tab reaches a state and Enter opens its offices', async () => {
  const { page } = await openPage(context, server.url + '/');
  await page.focus('svg.statechart a[href="/offices?state=invited"]');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(`document.activeElement?.getAttribute('href')`)).toMatch(/^\/offices\?state=/);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(/state=invited/);
  const stats = (await api<Stats>(server.url, 'GET', '/api/stats')).body;
  expect(await page.locator('tbody tr').count()).toBe(stats.byState.invited);
  await page.close();
});

test('signed in with a session (no token), a coordinator advances an office; a viewer is told no', async () => {
  const auth = server.app.auth.service;
  await auth.createUser({ username: 'cora', displayName: 'Cora Coordinator', role: 'coordinator', password: 'cora-password-1' }, 'test');
  await auth.createUser({ username: 'vic', displayName: 'Vic Viewer', role: 'viewer', password: 'vic-password-1' }, 'test');
  await seedOffice(server.runtime, 'SESSION-1', []);
  const signIn = async (username: string, password: string) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems } = await openPage(ctx, `${server.url}/offices/SESSION-1`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/offices/SESSION-1`);
    return { ctx, page, problems };
  };

  const viewer = await signIn('vic', 'vic-password-1');
  await viewer.page.click('form[data-event="SEND_CIRCULAR"] button[type="submit"]');
  await viewer.page.waitForSelector('#messages .message[data-kind="error"]');
  expect(await viewer.page.textContent('#messages')).toContain('Not allowed');
  await viewer.ctx.close();

  const coordinator = await signIn('cora', 'cora-password-1');
  await sendEvent(coordinator.page, 'SEND_CIRCULAR');
  const history = (await api<{ events: { type: string; actor: string }[] }>(server.url, 'GET', '/api/offices/SESSION-1/history')).body.events;
  expect(history.map((e) => e.type)).toEqual(['REGISTERED', 'SEND_CIRCULAR']);
  expect(history[1]!.actor).toContain('cora');
  expect(coordinator.problems).toEqual([]);
  await coordinator.ctx.close();
});

test('withdrawing asks first: cancelling saves nothing, confirming withdraws', async () => {
  await seedOffice(server.runtime, 'CONF-1', PATH.invited);
  const { page, problems } = await openPage(context, server.url + '/offices/CONF-1');
  const form = page.locator('form[data-event="WITHDRAWN"]');
  expect(await form.getAttribute('data-confirm')).toContain('cannot be undone');
  await form.locator('[name="reason"]').fill('Office merged with another');
  await form.locator('button[type="submit"]').click();
  await form.locator('.confirm-step').waitFor();
  await form.locator('.confirm-step button', { hasText: 'Cancel' }).click();
  expect(await form.locator('.confirm-step').count()).toBe(0);
  expect((await server.runtime.store.getOffice('CONF-1'))!.stage).toBe('invited');
  await sendEventConfirmed(page, 'WITHDRAWN');
  expect((await server.runtime.store.getOffice('CONF-1'))!.stage).toBe('withdrawn');
  expect(await page.textContent('#messages')).toContain('Saved: office withdrawn');
  expect(problems).toEqual([]);
  await page.close();
});

/** Clicks the event's button, then the confirmation's "Yes", and waits for the timeline. */
async function sendEventConfirmed(page: Page, type: string): Promise<void> {
  const before = await timelineCount(page);
  await page.click(`form[data-event="${type}"] button[type="submit"]`);
  await page.click(`form[data-event="${type}"] [data-confirm-yes]`);
  await waitUntil(() => timelineCount(page), (n) => n === before + 1, 5000, `${type} on the timeline`);
}
