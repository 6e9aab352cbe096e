import { fixedClock } from '../engine/clock';
import type { LinkAction } from '../notifications/links';
import { rawRequest, type RawResponse } from './helpers/raw-http';
import { api, startServer, type TestServer } from './helpers/server';
import { linksIn } from './helpers/smtp';

const DAY = 86_400_000;

describe('one-click reply links', () => {
  let server: TestServer;
  const clock = fixedClock('2026-03-02T10:00:00Z');
  const link = (officeId: string, action: LinkAction, expiresInMs = 30 * DAY) =>
    `${server.url}/r/${server.runtime.reminders.links.create(officeId, action, new Date(clock.now().getTime() + expiresInMs))}`;
  const version = async (id: string) => (await api(server.url, 'GET', `/api/offices/${id}`)).body.version as number;
  const post = (url: string, form: Record<string, string> = {}) => fetch(url, { method: 'POST', body: new URLSearchParams(form) });

  async function invitedOffice(id: string, fields: Record<string, unknown> = {}): Promise<string> {
    const res = await api(server.url, 'POST', '/api/offices', { id, name: `Office ${id}`, country: 'ES', language: 'es', ...fields });
    expect(res.status).toBe(201);
    expect((await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' })).status).toBe(200);
    return id;
  }

  beforeAll(async () => {
    server = await startServer({ runtime: { clock }, config: { COORDINATOR_EMAIL: 'coordination@wipo.example' } });
  });
  afterAll(() => server.close());

  it('opening a link shows a page and changes nothing; confirming applies the event once', async () => {
    const id = await invitedOffice('L-ONCE', { name: '<img src=x onerror=alert(1)>' });
    const url = link(id, 'confirm');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Confirmar que su Oficina desea participar en WIPOnet');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(await version(id)).toBe(1);

    const applied = await post(url);
    expect(applied.status).toBe(200);
    expect(await applied.text()).toContain('Gracias');
    const history = await api(server.url, 'GET', `/api/offices/${id}/history`);
    expect(history.body.events.at(-1)).toMatchObject({ type: 'REPLY_AFFIRMATIVE', actor: `office:${id} (link)` });
    expect(await version(id)).toBe(2);

    for (const again of [await post(url), await fetch(url)]) {
      expect(again.status).toBe(410);
      expect(await again.text()).toContain('Este enlace ya se ha utilizado');
    }
    expect(await version(id)).toBe(2);
    const log = await api(server.url, 'GET', `/api/offices/${id}/reminders`);
    expect(log.body.log.map((l: { type: string }) => l.type)).toEqual(['LINK_USED']);
  });

  it('two clicks at the same time apply once', async () => {
    const id = await invitedOffice('L-RACE');
    const url = link(id, 'confirm');
    const statuses = (await Promise.all([post(url), post(url), post(url)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 410, 410]);
    expect(await version(id)).toBe(2);
  });

  it('a tampered link is refused with a 4xx page and changes nothing', async () => {
    const id = await invitedOffice('L-TAMPER');
    const other = await invitedOffice('L-OTHER');
    const url = link(id, 'confirm');
    const [payload, signature] = url.split('/r/')[1]!.split('.') as [string, string];
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, o: other })).toString('base64url');
    for (const bad of [`${payload}.${flipped}`, `${forged}.${signature}`, `${payload}`, 'not-a-token', `${payload}.${signature}x`]) {
      const res = await post(`${server.url}/r/${bad}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('This link is not valid');
    }
    expect(await version(id)).toBe(1);
    expect(await version(other)).toBe(1);
  });

  it('an expired link is refused and changes nothing', async () => {
    const id = await invitedOffice('L-EXPIRED');
    const url = link(id, 'confirm', DAY);
    clock.advance(2 * DAY);
    const res = await post(url);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('Este enlace ha caducado');
    expect(await version(id)).toBe(1);
  });

  it('a link for an action the office can no longer take says so', async () => {
    const id = await invitedOffice('L-LATE');
    const decline = link(id, 'decline');
    expect((await post(link(id, 'confirm'))).status).toBe(200);
    const res = await post(decline, { reason: 'Too late' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Esta respuesta ya no puede darse');
    const notYet = await fetch(link(id, 'installed'));
    expect(notYet.status).toBe(409);
    expect(await version(id)).toBe(2);
  });

  it('links that need input validate it, then apply the event with its payload', async () => {
    const id = await invitedOffice('L-FORM', { track: 'internet', language: 'fr' });
    const decline = link(id, 'decline');
    const tooLong = await post(decline, { reason: 'r'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('Veuillez corriger le formulaire');
    expect(await version(id)).toBe(1);
    expect((await post(link(id, 'confirm'))).status).toBe(200);

    const nominate = link(id, 'nominate');
    expect(await (await fetch(nominate)).text()).toContain('name="email"');
    const bad = await post(nominate, { name: 'Jean Dupont', email: 'not an email' });
    expect(bad.status).toBe(400);
    expect(await version(id)).toBe(2);
    const ok = await post(nominate, { name: 'Jean Dupont', email: 'jean.dupont@office.example' });
    expect(ok.status).toBe(200);
    const office = await api(server.url, 'GET', `/api/offices/${id}`);
    expect(office.body.states).toContain('preparing.training.nominated');
    const history = await api(server.url, 'GET', `/api/offices/${id}/history`);
    expect(history.body.events.at(-1)).toMatchObject({
      type: 'FOCAL_POINT_NOMINATED',
      payload: { name: 'Jean Dupont', email: 'jean.dupont@office.example' },
      actor: `office:${id} (link)`,
    });
  });

  it('a validly signed link for an unknown office is a 404 page', async () => {
    const res = await fetch(link('NO-SUCH-OFFICE', 'confirm'));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  /** An HTML page in `lang`, readable on a phone, with the programme's name and the coordinator's address. */
  function expectPage(res: RawResponse, status: number, lang: 'en' | 'fr' | 'es', text: string): void {
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({ status, type: expect.stringMatching(/^text\/html/) });
    expect(res.body).toMatch(/^<!doctype html>/);
    expect(res.body).toContain(`<html lang="${lang}">`);
    expect(res.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(res.body).toContain({ en: 'WIPOnet Project', fr: 'Projet WIPOnet', es: 'Proyecto WIPOnet' }[lang]);
    expect(res.body).toContain('href="mailto:coordination@wipo.example"');
    expect(res.body).toContain(text);
  }

  it('every problem is an HTML page in the office language (English when the office is unknown), never JSON', async () => {
    const id = await invitedOffice('L-PAGES', { language: 'fr' });
    const valid = link(id, 'confirm').split('/r/')[1]!;
    const [payload, signature] = valid.split('.') as [string, string];
    const flipped = `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const unknownAction = server.runtime.reminders.links.create(id, 'teleport' as LinkAction, new Date(clock.now().getTime() + DAY));
    const get = (path: string, headers: Record<string, string> = {}) => rawRequest(`${server.url}${path}`, { headers });
    const cases: [RawResponse, number, 'en' | 'fr', string][] = [
      [await get('/r/not-a-token'), 400, 'en', 'This link is not valid'],
      [await get(`/r/${flipped}`), 400, 'en', 'This link is not valid'],
      [await get(`/r/${unknownAction}`), 400, 'en', 'This link is not valid'],
      [await get(`/r/${'a'.repeat(3000)}.${signature}`), 414, 'en', 'This link is too long'],
      [await get('/r/'), 404, 'en', 'Page not found'],
      [await get('/r/a/b/c'), 404, 'en', 'Page not found'],
      [await get(`/r/${valid}/extra`), 404, 'fr', 'Page introuvable'],
      [await get(`/r/${server.runtime.reminders.links.create(id, 'installed', new Date(clock.now().getTime() + DAY))}`), 409, 'fr', 'Cette réponse ne peut plus être donnée'],
      [
        await rawRequest(`${server.url}/r/${valid}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `reason=${'x'.repeat(20_000)}`,
        }),
        413,
        'fr',
        'La réponse est trop longue',
      ],
    ];
    for (const [res, status, lang, text] of cases) expectPage(res, status, lang, text);
    expect(await version(id)).toBe(1);
    const page = await get(`/r/${valid}`);
    expectPage(page, 200, 'fr', 'Oui, nous souhaitons participer');
    expect(page.headers['referrer-policy']).toBe('same-origin');
  });

  it("the reply page's own form passes, a foreign site's does not", async () => {
    const id = await invitedOffice('L-CSRF', { language: 'fr' });
    const token = link(id, 'confirm').split('/r/')[1]!;
    const postWith = (headers: Record<string, string>) =>
      rawRequest(`${server.url}/r/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: '' });
    // A foreign page's form: refused with a page, nothing changes.
    for (const headers of <Record<string, string>[]>[
      { Origin: 'https://evil.example' },
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { Origin: 'null' },
    ]) {
      expectPage(await postWith(headers), 403, 'fr', 'Ce formulaire ne vient pas de cette page');
    }
    expect(await version(id)).toBe(1);
    // Chromium posts `Origin: null` from a no-referrer page; Sec-Fetch-Site says it is our own.
    expectPage(await postWith({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }), 200, 'fr', 'Merci. Votre réponse a été enregistrée.');
    expect(await version(id)).toBe(2);
    const other = await invitedOffice('L-CSRF-2', { language: 'fr' });
    const second = link(other, 'confirm').split('/r/')[1]!;
    const own = await rawRequest(`${server.url}/r/${second}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'Sec-Fetch-Site': 'same-origin' },
      body: '',
    });
    expectPage(own, 200, 'fr', 'Votre Office est maintenant à l’étape : Préparation.');
  });

  it('the circular letter carries links for its own state entry: after a decline and a new invitation, the old ones say so', async () => {
    const id = await invitedOffice('L-AGAIN', { language: 'fr', contacts: [{ name: 'Claire', email: 'claire@office.example' }] });
    const letters = async () => (await server.runtime.reminders.outbox.ofOffice(id)).filter((m) => m.kind === 'circular');
    expect(await letters()).toHaveLength(1);
    const [confirm, decline] = linksIn((await letters())[0]!.text_body).map((l) => l.replace(/^https?:\/\/[^/]+/, server.url));
    expect(await (await fetch(decline!)).text()).toContain('Raison (facultatif)');
    // A no without a reason is a no.
    const no = await post(decline!, { reason: '' });
    expect(no.status).toBe(200);
    expect(await no.text()).toContain('Réponse enregistrée : l’office décline');
    const declined = await api(server.url, 'GET', `/api/offices/${id}`);
    expect(declined.body.states).toEqual(['declined']);
    clock.advance(DAY);
    expect((await api(server.url, 'POST', `/api/offices/${id}/events`, { type: 'REOPEN' })).status).toBe(200);
    expect(await letters()).toHaveLength(2);
    const earlier = await rawRequest(confirm!);
    expectPage(earlier, 410, 'fr', 'Ce lien appartient à une lettre précédente');
    const earlierPost = await rawRequest(confirm!, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    expectPage(earlierPost, 410, 'fr', 'Ce lien appartient à une lettre précédente');
    expect((await api(server.url, 'GET', `/api/offices/${id}`)).body.states).toEqual(['invited']);
    const [newConfirm] = linksIn((await letters())[1]!.text_body).map((l) => l.replace(/^https?:\/\/[^/]+/, server.url));
    expect((await post(newConfirm!)).status).toBe(200);
    expect((await api(server.url, 'GET', `/api/offices/${id}`)).body.stage).toBe('preparing');
  });

  // Last: it spends this address's budget for the minute.
  it('too many requests from one address get a page too', async () => {
    let res: RawResponse | undefined;
    for (let i = 0; i < 100 && res?.status !== 429; i++) res = await rawRequest(`${server.url}/r/not-a-token`);
    expectPage(res!, 429, 'en', 'Too many attempts');
  });
});
