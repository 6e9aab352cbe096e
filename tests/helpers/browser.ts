import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Runtime } from '../../app/runtime';
import type { OfficeEvent } from '../../machines/events';
import { ROOT } from './server';

/** Debian's Chromium (`.ci/run` installs the `chromium` package when it is missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots that are not committed go (git-ignored). */
export const RESULTS_DIR = path.join(ROOT, 'test-results');

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A browser context that is allowed in: when the server requires sign-in, tests use the admin
 * bearer token (ADMIN_TOKEN, set by the test setup), which a browser sends like any header.
 */
export async function newContext(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const token = process.env.ADMIN_TOKEN;
  return browser.newContext({
    viewport,
    extraHTTPHeaders: token ? { authorization: `Bearer ${token}` } : undefined,
    reducedMotion: 'reduce',
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and dialogs (an `alert` would mean injected script ran). */
  problems: string[];
}

export async function openPage(context: BrowserContext, url: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  return { page, problems };
}

/** Resolves once the page's EventSource is open (the header says "Live"). */
export async function waitForLive(page: Page): Promise<void> {
  await page.waitForSelector('body[data-live-connected="true"]', { timeout: 20_000 });
}

/**
 * Polls `read` from the test side until `ok` holds (page.waitForFunction would evaluate code in the
 * page, which the dashboard's Content-Security-Policy rightly refuses).
 */
export async function waitUntil<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

export async function screenshot(page: Page, file: string, fullPage = true): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Registers an office and sends it `events`, straight through the engine (test set-up, not UI). */
export async function seedOffice(runtime: Runtime, id: string, events: OfficeEvent[], fields: { name?: string; country?: string; track?: 'kit' | 'internet' } = {}): Promise<void> {
  await runtime.engine.transact(async () => {
    await runtime.engine.register(
      { id, name: fields.name ?? `Office ${id}`, country: fields.country ?? 'FR', language: 'en', track: fields.track ?? 'kit', contacts: [] },
      { actor: 'test' },
    );
    for (const event of events) await runtime.engine.apply(id, event, { actor: 'test' });
  });
}

const ACCEPTED: OfficeEvent[] = [{ type: 'SEND_CIRCULAR' }, { type: 'REPLY_AFFIRMATIVE' }];
const NOMINATION: OfficeEvent = { type: 'FOCAL_POINT_NOMINATED', name: 'Ada Lovelace', email: 'ada@ipo.example' };
const READY_FOR_KIT: OfficeEvent[] = [
  ...ACCEPTED,
  { type: 'SITE_SURVEYED' },
  { type: 'SITE_READY' },
  NOMINATION,
  { type: 'ENROLLED', workshopId: 'WS-1' },
  { type: 'TRAINING_COMPLETED' },
];

/** Prefixes of the kit track's happy path, by where they leave the office. */
export const PATH = {
  invited: [{ type: 'SEND_CIRCULAR' }],
  declined: [{ type: 'SEND_CIRCULAR' }, { type: 'REPLY_DECLINED', reason: 'No budget' }],
  preparing: ACCEPTED,
  siteWork: [...ACCEPTED, { type: 'SITE_SURVEYED' }],
  nominated: [...ACCEPTED, NOMINATION],
  deployment: READY_FOR_KIT,
  installed: [...READY_FOR_KIT, { type: 'KIT_SHIPPED' }, { type: 'KIT_DELIVERED' }, { type: 'KIT_INSTALLED' }],
} satisfies Record<string, OfficeEvent[]>;
