import type { Browser } from 'playwright-core';
import path from 'node:path';
import { launchBrowser, newContext, openPage, RESULTS_DIR, screenshot } from '../helpers/browser';
import { seriousViolations } from '../helpers/axe';
import { api, registerOffice, startServer, type TestServer } from '../helpers/server';
import { startReceiver } from '../helpers/webhook-receiver';

describe('Programme → Webhooks page', () => {
  let server: TestServer;
  let browser: Browser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let secret = '';

  beforeAll(async () => {
    server = await startServer({ config: { WEBHOOK_ALLOW_PRIVATE: true } });
    receiver = await startReceiver(() => secret);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await receiver.close();
    await server.close();
  });

  it('creates a webhook, shows its secret once, lists its deliveries and redelivers one; no serious axe violation', async () => {
    const context = await newContext(browser, { width: 1366, height: 900 });
    const { page, problems } = await openPage(context, `${server.url}/programme/webhooks`);
    expect(await page.locator('h1').textContent()).toBe('Webhooks');
    await page.fill('#wh-url', receiver.url);
    await page.fill('#wh-desc', 'Ticketing');
    await page.check('#wh-e-office\\.stuck');
    await page.click('button:text("Create webhook")');
    const shown = await page.locator('main [role=status] code').textContent();
    expect(shown).toMatch(/^whsec_/);
    secret = shown!;
    const [sub] = (await api(server.url, 'GET', '/api/webhooks')).body.webhooks;
    expect(sub).toMatchObject({ url: receiver.url, description: 'Ticketing', events: ['office.transition', 'office.stuck'] });

    const id = await registerOffice(server.url);
    await server.runtime.webhooks.dispatcher.runPass();
    expect(receiver.received.map((r) => r.signatureValid)).toEqual([true]);
    expect(JSON.parse(receiver.received[0]!.body).data.office.id).toBe(id);

    await page.goto(`${server.url}/programme/webhooks`);
    // Shown once only: the list page never carries it.
    expect(await page.content()).not.toContain(secret.slice(6));
    const row = page.locator('tbody tr').first();
    expect(await row.locator('td').nth(1).textContent()).toBe('delivered');
    expect(await row.locator('td').nth(3).textContent()).toBe('204');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, path.join(RESULTS_DIR, 'webhooks-1366.png'));

    await row.locator('button:text("Redeliver")').click();
    expect(await page.locator('main [role=status]').first().textContent()).toContain('Delivery queued again');
    await server.runtime.webhooks.dispatcher.runPass();
    expect(receiver.received.map((r) => r.id)).toEqual([receiver.received[0]!.id, receiver.received[0]!.id]);

    await page.click('button:text("Disable")');
    expect((await api(server.url, 'GET', `/api/webhooks/${sub.id}`)).body.enabled).toBe(false);
    expect(await page.locator('section.card').first().textContent()).toContain('Disabled');

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, path.join(RESULTS_DIR, 'webhooks-390.png'));

    expect(problems).toEqual([]);

    // A bad URL is explained on a page (a 400 the console reports), and nothing is created.
    await page.fill('#wh-url', 'http://example.org/x');
    await page.evaluate(() => ((globalThis as unknown as { document: { querySelector(s: string): { value: string } } }).document.querySelector('#wh-url').value = 'ftp://example.org/x'));
    const response = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button:text("Create webhook")')]);
    expect(response[0].status()).toBe(400);
    expect(await page.locator('main [role=alert]').textContent()).toContain('http:// or https://');
    expect((await api(server.url, 'GET', '/api/webhooks')).body.webhooks).toHaveLength(1);
    await context.close();
  });
});
