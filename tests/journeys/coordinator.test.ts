import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fixedClock } from '../../engine/clock';
import { releaseGoldDisk } from '../../programme/gold-disk';
import { createWorkshop } from '../../programme/workshops';
import { seriousViolations } from '../helpers/axe';
import { launchBrowser, RESULTS_DIR, waitUntil } from '../helpers/browser';
import { startServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

/**
 * The coordinator's journey, as a person in Chromium with only the sign-in page to start from:
 * register an office, take it to "handed over" with the page's buttons (a site difficulty and its
 * resolution with a note, a workshop, a kit shipped, a programme-wide hold previewed and confirmed,
 * a Gold Disk release, the kit shipped again, the hand-over confirmed), and read it all back on the
 * office's timeline. Every page visited passes axe at 1366 and 390 px.
 */

jest.setTimeout(240_000);

const DAY = 86_400_000;
const clock = fixedClock('2026-03-02T08:00:00Z');
const SHOTS = path.join(RESULTS_DIR, 'journeys');
const WIDE = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };

let server: TestServer;
let smtp: TestSmtp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  smtp = await startSmtp();
  server = await startServer({ config: { SMTP_URL: smtp.url }, runtime: { clock } });
  await server.app.auth.service.createUser(
    { username: 'ana', displayName: 'Ana Ruiz', role: 'coordinator', password: 'ana-password-1' },
    'set-up',
  );
  await createWorkshop(server.runtime, { id: 'WS-DAKAR', title: 'Dakar workshop', city: 'Dakar', country: 'SN', start: '2026-05-11', end: '2026-05-15', capacity: 12 });
  await releaseGoldDisk(server.runtime, { version: '1.0', notes: 'First release' }, { actor: 'set-up' });
  browser = await launchBrowser();
  // No token: the person has only what signing in gives them.
  context = await browser.newContext({ viewport: WIDE, reducedMotion: 'reduce' });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  await smtp?.stop();
});

/** axe at both widths, and a screenshot at each; the page is left at 1366 px. */
async function check(name: string): Promise<void> {
  for (const [label, size] of [['1366', WIDE], ['390', PHONE]] as const) {
    await page.setViewportSize(size);
    // The page's script re-checks which boxes scroll once a resize settles.
    await page.waitForFunction(`new Promise((resolve) => setTimeout(() => requestAnimationFrame(() => resolve(true)), 200))`);
    expect({ page: name, width: label, violations: await seriousViolations(page) }).toEqual({ page: name, width: label, violations: [] });
    // Nothing wider than the screen: wide tables scroll inside their own box.
    expect({ page: name, width: label, scrollWidth: await page.evaluate('document.documentElement.scrollWidth') }).toEqual({ page: name, width: label, scrollWidth: size.width });
    await page.screenshot({ path: path.join(SHOTS, `coordinator-${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDE);
}

const transitions = () => page.locator('#timeline li[data-kind="transition"]').count();

/** Fills the event's form, clicks its button, and waits for the transition on the timeline. */
async function press(type: string, button: string, fields: Record<string, string> = {}): Promise<void> {
  const before = await transitions();
  const form = page.locator(`form[data-event="${type}"]`);
  for (const [name, value] of Object.entries(fields)) await form.locator(`[name="${name}"]`).fill(value);
  const submit = form.locator('button[type="submit"]');
  expect(await submit.textContent()).toBe(button);
  await submit.click();
  await waitUntil(transitions, (n) => n === before + 1, 15_000, `${type} on the timeline`);
}

const historyOf = async (id: string) => await server.runtime.store.history(id);

/** The sign-in page, filled and sent; it returns to the page that asked for it. */
async function signIn(): Promise<void> {
  await page.waitForURL(/\/signin/);
  await page.fill('input[name=username]', 'ana');
  await page.fill('input[name=password]', 'ana-password-1');
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.pathname !== '/signin');
}

test('a coordinator takes an office from the register page to handed over, and its page keeps every fact', async () => {
  // Sign in through the sign-in page.
  await page.goto(`${server.url}/register`);
  await page.waitForURL(/\/signin/);
  await check('signin');
  await signIn();
  expect(page.url()).toBe(`${server.url}/register`);
  await check('register');

  // Register an office, with no id: it gets a short, readable one.
  await page.fill('#r-name', 'Office Sénégalais de la Propriété Industrielle');
  await page.selectOption('#r-country', 'SN');
  await page.fill('#r-language', 'fr');
  await page.fill('#c0-name', 'Awa Diop');
  await page.fill('#c0-email', 'awa.diop@osepi.example');
  await page.click('#register-form button[type="submit"]');
  await page.waitForURL(/\/offices\/SN-/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  expect(id).toBe('SN-OSPI');
  await check('office-new');

  // The lifecycle: at 1366 px the drawing's smallest text is at least 11 px; on a phone, a list.
  // (Evaluated in the page, where the DOM is; the tests compile without its types.)
  const smallest = Number(
    await page.evaluate(`(() => {
      const svg = document.querySelector('svg#office-chart');
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      return Math.min(...Array.from(svg.querySelectorAll('text')).map((t) => parseFloat(getComputedStyle(t).fontSize) * scale));
    })()`),
  );
  // To a hundredth of a pixel: the layout box is a fraction of a pixel off its viewBox.
  expect(Math.round(smallest * 100) / 100).toBeGreaterThanOrEqual(11);
  await page.setViewportSize(PHONE);
  expect(await page.locator('.chart-wrap').isVisible()).toBe(false);
  const list = page.locator('[data-live-region="office-chart"] .lifecycle-list');
  expect(await list.isVisible()).toBe(true);
  expect(await list.locator('[aria-current="step"]').textContent()).toContain('Prospect');
  // No blank band: the card is as tall as the list and its heading, not the drawing.
  const band = await page.$eval('[data-live-region="office-chart"]', (card) => {
    const l = card.querySelector('.lifecycle-list')!.getBoundingClientRect();
    return card.getBoundingClientRect().height - l.height;
  });
  expect(band).toBeLessThan(120);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(WIDE);

  await press('SEND_CIRCULAR', 'Send the circular letter', { letterRef: 'C.2026/14' });
  expect(await page.textContent('#messages')).toContain('Saved: circular letter sent');

  // A month without an answer: the reminder goes out by SMTP (in Dakar's business hours: a
  // Monday morning) and shows on the timeline.
  clock.advance(35 * DAY + 2 * 3_600_000);
  await server.runtime.reminders.sweep(clock.now());
  await smtp.waitFor(1);
  expect(smtp.received.some((m) => m.to.includes('awa.diop@osepi.example'))).toBe(true);
  // A month later the session has ended: Ana signs in again and is back on the office's page.
  await page.reload();
  await signIn();
  expect(new URL(page.url()).pathname).toBe(`/offices/${id}`);

  await press('REPLY_AFFIRMATIVE', 'Record a yes');
  await press('SITE_SURVEYED', 'Mark the site survey done');
  await press('SITE_DIFFICULTY', 'Report a site difficulty', { reason: 'No reliable power in the server room' });
  expect(await page.textContent('#office-status')).toContain('Site difficulty');
  await press('DIFFICULTY_RESOLVED', 'Resolve the difficulty', { note: 'generator installed' });
  expect(await page.textContent('#messages')).toContain('Saved: site difficulty resolved');
  await press('SITE_READY', 'Mark the site as ready');
  await press('FOCAL_POINT_NOMINATED', 'Nominate a focal point', { name: 'Moussa Ndiaye', email: 'm.ndiaye@osepi.example' });
  await press('ENROLLED', 'Enrol in a workshop', { workshopId: 'WS-DAKAR' });
  await press('TRAINING_COMPLETED', 'Record training completed');

  // A Gold Disk version that was never released is refused, and nothing changes.
  const versionBefore = (await server.runtime.store.getOffice(id))!.version;
  await page.fill('form[data-event="KIT_SHIPPED"] [name="goldDiskVersion"]', '9.9');
  await page.click('form[data-event="KIT_SHIPPED"] button[type="submit"]');
  await page.waitForSelector('#messages .message[data-kind="error"]');
  expect(await page.textContent('#messages')).toContain('never released');
  expect((await server.runtime.store.getOffice(id))!.version).toBe(versionBefore);
  // Chromium logs the refused request (400) on the console: that one, and only that, was expected.
  expect(problems.splice(0)).toEqual([expect.stringContaining('400')]);
  await press('KIT_SHIPPED', 'Ship the kit', { goldDiskVersion: '1.0' });
  expect((await server.runtime.store.getOffice(id))!.states).toEqual(['deployment.inTransit']);

  // A hold from the programme page: first its preview, then its confirmation.
  await page.goto(`${server.url}/programme/gold-disk`);
  await check('gold-disk');
  await page.fill('#g-reason', 'Faulty disk image in 1.0');
  await page.click('form[action="/programme/gold-disk/hold"] button[type="submit"]');
  await page.waitForSelector('#hold-preview');
  expect(await page.textContent('#preview-heading')).toBe('1 office will be held');
  expect(await page.locator(`#hold-preview tr[data-office="${id}"]`).count()).toBe(1);
  expect((await server.runtime.store.getOffice(id))!.states).toEqual(['deployment.inTransit']);
  await check('hold-preview');
  await page.click('#confirm-hold');
  await page.waitForURL(/\/programme\/broadcasts\//);
  await check('hold-result');
  // The broadcast runs in the background of the page it redirects to: the office gets there soon after.
  await waitUntil(async () => (await server.runtime.store.getOffice(id))!.states, (s) => s.join() === 'deployment.onHold', 15_000, 'the hold reaching the office');

  // A new Gold Disk: deployment resumes.
  await page.goto(`${server.url}/programme/gold-disk`);
  await page.fill('#g-version', '1.1');
  await page.fill('#g-notes', 'Image fixed');
  await page.click('form[action="/programme/gold-disk/release"] button[type="submit"]');
  await page.waitForURL(/\/programme\/broadcasts\//);
  // The broadcast runs in the background of the page it redirects to: the office gets there soon after.
  await waitUntil(async () => (await server.runtime.store.getOffice(id))!.states, (s) => s.join() === 'deployment.awaitingKit', 15_000, 'the release reaching the office');

  await page.goto(`${server.url}/offices/${encodeURIComponent(id)}`);
  await press('KIT_SHIPPED', 'Ship the kit', { goldDiskVersion: '1.1' });
  await press('KIT_DELIVERED', 'Mark the kit as delivered');
  await press('KIT_INSTALLED', 'Mark the kit as installed');

  // Handing over asks first; nothing is saved until it is confirmed.
  const handOver = page.locator('form[data-event="HANDED_OVER"]');
  expect(await handOver.locator('button[type="submit"]').textContent()).toBe('Mark as handed over');
  const before = (await historyOf(id)).length;
  await handOver.locator('button[type="submit"]').click();
  await handOver.locator('.confirm-step').waitFor();
  expect(await handOver.locator('.confirm-step').textContent()).toContain('cannot be undone');
  expect((await historyOf(id)).length).toBe(before);
  const done = await transitions();
  await handOver.locator('[data-confirm-yes]').click();
  await waitUntil(transitions, (n) => n === done + 1, 15_000, 'the hand-over on the timeline');
  expect((await server.runtime.store.getOffice(id))!.states).toEqual(['handedOver']);
  expect(await page.textContent('#messages')).toContain('Saved: handed over to IT operations');

  // A note of the coordinator's own.
  await page.fill('#note-text', 'Keys handed to the IT team in person');
  await page.click('#note-form button[type="submit"]');
  await page.locator('#timeline li[data-kind="note"]').waitFor();

  // The timeline, newest first: every step, every email with its delivery, the reminder, the notes.
  const timeline = page.locator('#timeline');
  const text = (await timeline.textContent()) ?? '';
  for (const words of [
    'Registered',
    'Circular letter sent',
    'Reminder 1 sent',
    'Reply recorded: the office takes part',
    'Site survey done',
    'Site difficulty reported',
    'No reliable power in the server room',
    'Site difficulty resolved',
    'Site ready',
    'Focal point nominated',
    'Enrolled in a workshop',
    'Training completed',
    'Kit shipped',
    'Deployment held',
    'Gold Disk released',
    'Kit delivered',
    'Kit installed',
    'Handed over to IT operations',
    'Keys handed to the IT team in person',
  ]) {
    expect({ words, found: text.includes(words) }).toEqual({ words, found: true });
  }
  expect(await timeline.locator('li[data-kind="transition"]').count()).toBe((await historyOf(id)).length);
  const resolved = timeline.locator('li[data-kind="transition"]', { hasText: 'Site difficulty resolved' });
  expect(await resolved.locator('blockquote.note').textContent()).toBe('generator installed');
  expect(await resolved.textContent()).toContain('Ana Ruiz');
  expect(await timeline.locator('li').first().getAttribute('data-kind')).toBe('note');
  const emails = await server.runtime.reminders.outbox.ofOffice(id);
  expect(emails.length).toBeGreaterThanOrEqual(1);
  expect(await timeline.locator('li[data-kind="email"]').count()).toBe(emails.length);
  expect(await timeline.locator('li[data-kind="email"] .badge.email-sent').count()).toBeGreaterThanOrEqual(1);
  // Both shipments and the hold stay on the office's record, with their Gold Disk versions.
  const kit = page.locator('#kit-record');
  expect(await kit.locator('tr[data-kit="KIT_SHIPPED"]').allTextContents()).toEqual([
    expect.stringContaining('Gold Disk 1.0'),
    expect.stringContaining('Gold Disk 1.1'),
  ]);
  expect(await kit.locator('tr[data-kit="DEPLOYMENT_HELD"]').textContent()).toContain('Faulty disk image in 1.0');
  expect(await kit.locator('tr[data-kit="GOLD_DISK_RELEASED"]').textContent()).toContain('1.1');
  // Words of the domain only: no state path on the page.
  expect(await page.textContent('main')).not.toMatch(/\b(preparing|deployment)\.[a-z]/);
  await check('office-handed-over');

  // The overview on a phone: the lifecycle as a list, not a shrunken drawing.
  await page.goto(`${server.url}/`);
  await page.setViewportSize(PHONE);
  expect(await page.locator('.chart-wrap').isVisible()).toBe(false);
  expect(await page.locator('.lifecycle-list').isVisible()).toBe(true);
  expect(await page.locator('.lifecycle-list li[data-path="handedOver"]').textContent()).toContain('1 office');
  await page.setViewportSize(WIDE);
  await check('overview');

  // The audit trail reads as sentences (Ana is no admin: an administrator reads it).
  const audit = await (await fetch(`${server.url}/audit`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).text();
  expect(audit).toContain('Ana Ruiz: site difficulty resolved for <a href="/offices/SN-OSPI">Office Sénégalais de la Propriété Industrielle</a> on 6 April 2026 — Site difficulty → Site work');
  expect(audit).toContain('Ana Ruiz signed in on 2 March 2026');
  expect(problems).toEqual([]);
});
