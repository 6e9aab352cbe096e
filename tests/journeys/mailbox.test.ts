import type { Browser } from 'playwright-core';
import { launchBrowser, newContext, openPage } from '../helpers/browser';
import { seriousViolations } from '../helpers/axe';
import { api, registerOffice, startServer, type TestServer } from '../helpers/server';

/**
 * The mailbox's pages in Chromium: the unmatched replies with their assign form, and the office
 * page with a reply on its timeline and a bouncing address flagged. Messages go through the inbox
 * as the reader hands them over (tests/mailbox.test.ts reads them from a real IMAP server).
 */
jest.setTimeout(120_000);

describe('Programme → Unmatched replies, and mail on the office page', () => {
  let server: TestServer;
  let browser: Browser;
  let uid = 0;
  const receive = (source: string) => server.runtime.mailbox.inbox.receive(Buffer.from(source), { mailbox: 'INBOX', uidValidity: 1, uid: ++uid });

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
  });

  it('assigns an unmatched reply with the form; the office page shows it and the bouncing flag; no serious axe violation', async () => {
    const id = await registerOffice(server.url, { id: 'MAIL-UI', name: 'Office of <b>Mail</b>', contacts: [{ name: 'Gone', email: 'gone@mail-ui.example' }] });
    expect(await receive('From: Someone <someone@elsewhere.example>\r\nSubject: Our answer <script>alert(1)</script>\r\n\r\nWe accept & thank you.\r\n')).toBe('unmatched');
    const dsn = [
      'From: MAILER-DAEMON@mail-ui.example',
      'Subject: Undeliverable',
      'Content-Type: multipart/report; report-type=delivery-status; boundary=x',
      '',
      '--x',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mail-ui.example',
      '',
      'Final-Recipient: rfc822; gone@mail-ui.example',
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--x--',
      '',
    ].join('\r\n');
    expect(await receive(dsn)).toBe('bounce');

    const context = await newContext(browser, { width: 1366, height: 900 });
    const { page, problems } = await openPage(context, `${server.url}/programme/replies`);
    expect(await page.locator('h1').textContent()).toBe('Unmatched replies');
    expect(await page.locator('#unmatched tbody tr').count()).toBe(1);
    expect(await page.locator('#unmatched').textContent()).toContain('Our answer <script>alert(1)</script>');
    expect(await seriousViolations(page)).toEqual([]);
    await page.fill('#unmatched input[name=officeId]', id);
    await page.click('#unmatched button[type=submit]');
    await page.waitForURL(/\/programme\/replies\?done=MAIL-UI$/);
    expect(await page.locator('main [role=status]').textContent()).toContain('Assigned to MAIL-UI');
    expect(await page.locator('#unmatched-none').count()).toBe(1);

    await page.goto(`${server.url}/offices/${id}`);
    expect(await page.locator('#bouncing').textContent()).toContain('gone@mail-ui.example');
    const timeline = page.locator('#timeline');
    expect(await timeline.locator('li[data-kind=mail]').textContent()).toContain('We accept & thank you.');
    expect(await timeline.locator('li[data-kind=bounce]').textContent()).toContain('gone@mail-ui.example');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect((await api(server.url, 'GET', `/api/offices/${id}`)).body.mail).toMatchObject({ bouncing: ['gone@mail-ui.example'] });
    await context.close();
  });
});
