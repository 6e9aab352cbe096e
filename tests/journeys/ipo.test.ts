import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seriousViolations } from '../helpers/axe';
import { launchBrowser, newContext, RESULTS_DIR, screenshot } from '../helpers/browser';
import { api, startServer, type TestServer } from '../helpers/server';
import { linksIn, startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp';

/**
 * The IPO's journey: a coordinator sends the circular letter from the bulk-letter page; the letter
 * arrives by real SMTP in the office's language; the office answers with one click in Chromium.
 * Real server, real SQLite file, real SMTP on loopback, real browser; the dispatcher really sends.
 */
const WIDTHS = [1366, 390] as const;
const shots = path.join(RESULTS_DIR, 'journeys');

let smtp: TestSmtp;
let server: TestServer;
let browser: Browser;
/** The coordinator, allowed in with the admin token. */
let coordinator: BrowserContext;
/** The office's staff: no account, no token, only the links in the email. */
let ipo: BrowserContext;

const INPI = {
  id: 'FR-INPI',
  name: 'Institut national de la propriété industrielle',
  country: 'FR',
  language: 'fr',
  contacts: [{ name: 'Claire Martin', email: 'claire.martin@inpi.example' }],
};
const OAPI = {
  id: 'CM-OAPI',
  name: 'Organisation africaine de la propriété intellectuelle',
  country: 'CM',
  language: 'fr',
  contacts: [{ name: 'Paul Mbida', email: 'paul.mbida@oapi.example' }],
};

/** The links of a message, pointed at the test server (the letter uses the configured public URL). */
const linksOf = (mail: ReceivedMail) => linksIn(mail.text).map((l) => l.replace(/^https?:\/\/[^/]+/, server.url));

const mailTo = async (address: string, count: number): Promise<ReceivedMail[]> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mails = smtp.received.filter((m) => m.to.includes(address));
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`expected ${count} message(s) to ${address}, got ${mails.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** No serious or critical axe violation, and a screenshot, at both widths. */
async function checkPage(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    expect({ page: name, width, violations: await seriousViolations(page) }).toEqual({ page: name, width, violations: [] });
    // On a phone nothing is wider than the screen.
    const scrollWidth = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    expect({ page: name, width, scrollWidth: scrollWidth <= width }).toEqual({ page: name, width, scrollWidth: true });
    await screenshot(page, path.join(shots, `ipo-${name}-${width}.png`));
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

/** Sends the circular letter to one office from the bulk-letter page: select, preview, confirm. */
async function sendLetterFromPage(officeId: string, letterRef: string, check: boolean): Promise<void> {
  const page = await coordinator.newPage();
  await page.goto(`${server.url}/programme/letters`);
  await page.fill('#f-ids', officeId);
  await page.fill('#l-ref', letterRef);
  await page.click('form[aria-label="Select offices"] button[type=submit]');
  await page.waitForSelector('#count-heading');
  expect(await page.textContent('#count-heading')).toContain('1 office(s) will receive the letter');
  // The preview is the letter itself, in the office's language, with its reference.
  const letter = (await page.textContent('.letter-text'))!;
  expect(letter).toContain(`Lettre circulaire ${letterRef}`);
  expect(letter).toContain('Madame, Monsieur,');
  expect(letter).toContain('Désigner un correspondant pour la formation');
  expect(await page.textContent('.letter-sample h3')).toContain('In French');
  if (check) await checkPage(page, 'bulk-letter-preview');
  await page.click('text=Send to 1 office(s)…');
  await page.waitForSelector('#confirm-heading');
  expect(await page.textContent('#confirm-heading')).toContain(`Send the circular letter ${letterRef} to 1 office(s)?`);
  expect(await page.textContent('.confirm-list')).toContain((officeId === INPI.id ? INPI : OAPI).name);
  if (check) await checkPage(page, 'bulk-letter-confirm');
  // Nothing is sent before the confirmation.
  expect((await api(server.url, 'GET', `/api/offices/${officeId}`)).body.states).toEqual(['prospect']);
  await page.click('text=Yes, send 1 letter(s)');
  await page.waitForURL(/\/programme\/broadcasts\//);
  expect(await page.textContent('main')).toContain('done');
  await page.close();
}

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startServer({ config: { SMTP_URL: smtp.url, DISPATCH_INTERVAL_MS: 500, SCHEDULER_INTERVAL_MS: 60_000, COORDINATOR_EMAIL: 'wiponet@wipo.example' } });
  server.runtime.reminders.start();
  browser = await launchBrowser();
  coordinator = await newContext(browser, { width: 1366, height: 900 });
  ipo = await browser.newContext({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce' });
  for (const office of [INPI, OAPI]) expect((await api(server.url, 'POST', '/api/offices', office)).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.runtime.reminders.stop();
  await server?.close();
  await smtp?.stop();
});

test('the letter arrives in French with two links; "yes" in Chromium makes the office preparing; the used link says so', async () => {
  await sendLetterFromPage(INPI.id, 'C.N. 2026/14', true);
  const [letter] = await mailTo(INPI.contacts[0]!.email, 1);
  expect(letter!.subject).toBe("WIPOnet : Institut national de la propriété industrielle – invitation à rejoindre le réseau mondial d'information (C.N. 2026/14)");
  expect(letter!.text).toContain('Institut national de la propriété industrielle');
  expect(letter!.text).not.toContain("l'office Institut");
  expect(letter!.text).toContain('Préparer le site');
  expect(letter!.text).toContain('Recevoir et installer le kit');
  const [yes, no] = linksOf(letter!);
  expect([yes, no].every(Boolean)).toBe(true);
  expect(linksOf(letter!)).toHaveLength(2);
  expect(letter!.html).toContain('Oui, nous souhaitons participer');
  // The office's emails list it, sent.
  const emails = await api(server.url, 'GET', `/api/offices/${INPI.id}/emails`);
  expect(emails.body.emails).toEqual([expect.objectContaining({ kind: 'circular', language: 'fr', status: 'sent', subject: letter!.subject })]);
  const officePage = await coordinator.newPage();
  await officePage.goto(`${server.url}/offices/${INPI.id}`);
  expect(await officePage.textContent('#emails')).toContain(letter!.subject);
  await officePage.close();

  const page = await ipo.newPage();
  const opened = await page.goto(yes!);
  expect(opened!.status()).toBe(200);
  expect(await page.getAttribute('html', 'lang')).toBe('fr');
  expect(await page.textContent('h1')).toBe('Confirmer que votre Office souhaite participer à WIPOnet');
  expect(await page.textContent('body')).toContain('Projet WIPOnet');
  expect(await page.getAttribute('footer a', 'href')).toBe('mailto:wiponet@wipo.example');
  await checkPage(page, 'reply-yes');
  await page.click('button[type=submit]');
  await page.waitForSelector('main.done');
  expect(await page.textContent('h1')).toBe('Merci. Votre réponse a été enregistrée.');
  expect(await page.textContent('main')).toContain('Votre Office est maintenant à l’étape : Préparation.');
  await checkPage(page, 'reply-yes-done');
  const office = await api(server.url, 'GET', `/api/offices/${INPI.id}`);
  expect(office.body.stage).toBe('preparing');
  const history = await api(server.url, 'GET', `/api/offices/${INPI.id}/history`);
  expect(history.body.events.at(-1)).toMatchObject({ type: 'REPLY_AFFIRMATIVE', actor: `office:${INPI.id} (link)` });

  // The same link again: a French page says it was used, and nothing changes.
  const again = await page.goto(yes!);
  expect(again!.status()).toBe(410);
  expect(await page.textContent('h1')).toBe('Ce lien a déjà été utilisé');
  await checkPage(page, 'reply-used');
  // The "no" of the same letter no longer applies.
  const late = await page.goto(no!);
  expect(late!.status()).toBe(409);
  expect(await page.textContent('h1')).toBe('Cette réponse ne peut plus être donnée');
  expect((await api(server.url, 'GET', `/api/offices/${INPI.id}`)).body.version).toBe(office.body.version);
  await page.close();
});

test('"no" with a reason declines; after a new invitation, the earlier letter\'s link says so', async () => {
  await sendLetterFromPage(OAPI.id, 'C.N. 2026/15', false);
  const [letter] = await mailTo(OAPI.contacts[0]!.email, 1);
  const [yes, no] = linksOf(letter!);
  const page = await ipo.newPage();
  await page.goto(no!);
  expect(await page.textContent('h1')).toBe("Décliner l'invitation à participer à WIPOnet");
  expect(await page.textContent('label[for=reason]')).toBe('Raison (facultatif)');
  await checkPage(page, 'reply-no');
  await page.fill('#reason', 'Pas de budget pour cet exercice.');
  await page.click('button[type=submit]');
  await page.waitForSelector('main.done');
  expect(await page.textContent('main')).toContain('Réponse enregistrée : l’office décline');
  expect(await page.textContent('main')).toContain('Refusé');
  const history = await api(server.url, 'GET', `/api/offices/${OAPI.id}/history`);
  expect(history.body.events.at(-1)).toMatchObject({ type: 'REPLY_DECLINED', payload: { reason: 'Pas de budget pour cet exercice.' }, to: ['declined'] });

  // Invited again: a new letter comes, and the first letter's "yes" answers nothing.
  expect((await api(server.url, 'POST', `/api/offices/${OAPI.id}/events`, { type: 'REOPEN' })).status).toBe(200);
  const letters = await mailTo(OAPI.contacts[0]!.email, 2);
  const earlier = await page.goto(yes!);
  expect(earlier!.status()).toBe(410);
  expect(await page.textContent('h1')).toBe('Ce lien appartient à une lettre précédente');
  await checkPage(page, 'reply-earlier-letter');
  expect((await api(server.url, 'GET', `/api/offices/${OAPI.id}`)).body.states).toEqual(['invited']);
  // The new letter's "yes" works.
  const [newYes] = linksOf(letters[1]!);
  await page.goto(newYes!);
  await page.click('button[type=submit]');
  await page.waitForSelector('main.done');
  expect((await api(server.url, 'GET', `/api/offices/${OAPI.id}`)).body.stage).toBe('preparing');
  await page.close();
});

test("a foreign site's form cannot answer for the office, and gets a page, not JSON", async () => {
  const office = { ...INPI, id: 'FR-FOREIGN', contacts: [{ name: 'Zoé', email: 'zoe@inpi.example' }] };
  expect((await api(server.url, 'POST', '/api/offices', office)).status).toBe(201);
  expect((await api(server.url, 'POST', `/api/offices/${office.id}/events`, { type: 'SEND_CIRCULAR' })).status).toBe(200);
  const [yes] = linksOf((await mailTo('zoe@inpi.example', 1))[0]!);
  // Another origin whose page posts the link's form as soon as it loads.
  const evil = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><form id="f" method="post" action="${yes}"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  try {
    const page = await ipo.newPage();
    const answered = page.waitForResponse((r) => r.url() === yes && r.request().method() === 'POST');
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const response = await answered;
    expect(response.status()).toBe(403);
    expect(response.headers()['content-type']).toMatch(/^text\/html/);
    await page.waitForSelector('main.problem');
    expect(await page.textContent('h1')).toBe('Ce formulaire ne vient pas de cette page');
    expect((await api(server.url, 'GET', `/api/offices/${office.id}`)).body.states).toEqual(['invited']);
    await page.close();
  } finally {
    evil.close();
  }
});
