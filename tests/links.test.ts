import { fixedClock } from '../engine/clock';
import type { LinkAction } from '../notifications/links';
import { api, startServer, type TestServer } from './helpers/server';

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
    server = await startServer({ runtime: { clock } });
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
    const empty = await post(decline, { reason: '   ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Veuillez corriger le formulaire');
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
});
