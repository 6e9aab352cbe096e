import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { fixedClock } from '../../engine/clock';
import { launchBrowser, openPage, seedOffice } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

/** A person in a real browser, with no token: only what the sign-in page gives them. */
const clock = fixedClock('2026-05-04T09:00:00Z');
let server: TestServer;
let browser: Browser;
let evil: http.Server;
let evilUrl: string;

beforeAll(async () => {
  server = await startServer({ config: { SESSION_TTL_HOURS: 8 }, runtime: { clock } });
  await server.app.auth.service.createUser(
    { username: 'carla', displayName: 'Carla Coordinator', role: 'coordinator', password: 'carla-password-1' },
    'test',
  );
  await seedOffice(server.runtime, 'XSS-1', [], { name: '<img src=x onerror=alert(1)>' });
  browser = await launchBrowser();
  // Another origin whose page posts a form to our server as soon as it loads.
  evil = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><form id="f" method="post" action="${server.url}/admin/users">
<input name="username" value="mallory"><input name="displayName" value="M"><input name="role" value="admin">
<input name="password" value="mallory-password-1"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await browser?.close();
  evil?.close();
  await server?.close();
});

test('sign in, see the dashboard with hostile names as text, sign out', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, problems } = await openPage(context, `${server.url}/offices`);
  expect(page.url()).toContain('/signin?next=%2Foffices');
  await page.fill('input[name=username]', 'carla');
  await page.fill('input[name=password]', 'wrong password');
  await page.click('button[type=submit]');
  await expect(page.textContent('main')).resolves.toContain('Wrong user name or password');

  await page.fill('input[name=username]', 'carla');
  await page.fill('input[name=password]', 'carla-password-1');
  await page.click('button[type=submit]');
  await page.waitForURL(`${server.url}/offices`);
  await expect(page.textContent('main')).resolves.toContain('<img src=x onerror=alert(1)>');
  expect(await page.locator('main img[src=x]').count()).toBe(0);

  const cookie = (await context.cookies()).find((c) => c.name === 'oo_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Lax');

  await page.goto(`${server.url}/account`);
  await page.click('form[action="/signout"] button');
  await page.waitForURL(/\/signin$/);
  await page.goto(`${server.url}/offices`);
  expect(page.url()).toContain('/signin');
  expect(problems.filter((p) => p.startsWith('dialog'))).toEqual([]);
  await context.close();
});

test('a cross-site form post with a valid session is rejected', async () => {

  await server.app.auth.service.createUser(
    { username: 'ada', displayName: 'Ada Admin', role: 'admin', password: 'ada-password-12' },
    'test',
  );
  const adminContext = await browser.newContext();
  const signIn = await openPage(adminContext, `${server.url}/signin`);
  await signIn.page.fill('input[name=username]', 'ada');
  await signIn.page.fill('input[name=password]', 'ada-password-12');
  await signIn.page.click('button[type=submit]');
  await signIn.page.waitForURL(`${server.url}/`);

  const attack = await adminContext.newPage();
  const response = attack.waitForResponse((r) => r.url() === `${server.url}/admin/users`);
  await attack.goto(evilUrl);
  expect((await response).status()).toBe(403);
  expect((await server.app.auth.accounts.users()).map((u) => u.username)).not.toContain('mallory');
  await adminContext.close();
});

test('a session ends by itself after SESSION_TTL_HOURS', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context, `${server.url}/signin`);
  await page.fill('input[name=username]', 'carla');
  await page.fill('input[name=password]', 'carla-password-1');
  await page.click('button[type=submit]');
  await page.waitForURL(`${server.url}/`);
  clock.advance(7 * 3_600_000);
  await page.goto(`${server.url}/stuck`);
  expect(page.url()).toBe(`${server.url}/stuck`);
  clock.advance(3_600_000 + 1000);
  await page.goto(`${server.url}/stuck`);
  expect(page.url()).toContain('/signin?next=%2Fstuck');
  await context.close();
});
