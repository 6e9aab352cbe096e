/** The REST contract of section 4, against the real server on a real SQLite file. */
import { describeMachine } from '../machines/describe';
import { sampleEvent, kitHappyPath } from './fixtures/events';
import { api, registerOffice, startServer, type TestServer } from './helpers/server';
import { runSql } from './helpers/sqlite';

let server: TestServer;
let url: string;
beforeAll(async () => {
  server = await startServer();
  url = server.url;
});
afterAll(async () => {
  await server?.close();
});

const post = (id: string, type: Parameters<typeof sampleEvent>[0], headers: Record<string, string> = {}) =>
  api(url, 'POST', `/api/offices/${encodeURIComponent(id)}/events`, sampleEvent(type), headers);

describe('POST /api/offices', () => {
  test('registers an office: 201, normalised fields, initial state, ETag', async () => {
    const res = await api(url, 'POST', '/api/offices', {
      id: 'GH-ACCRA',
      name: '  Registrar-General’s Department  ',
      country: 'gh',
      city: 'Accra',
      language: 'EN',
      contacts: [{ name: 'Kwame Mensah', email: 'kwame@example.org', role: 'Registrar' }],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"0"');
    expect(res.body).toMatchObject({
      id: 'GH-ACCRA',
      name: 'Registrar-General’s Department',
      country: 'GH',
      city: 'Accra',
      language: 'en',
      track: 'kit',
      contacts: [{ name: 'Kwame Mensah', email: 'kwame@example.org', role: 'Registrar' }],
      stage: 'prospect',
      states: ['prospect'],
      version: 0,
      allowedEvents: expect.arrayContaining(['SEND_CIRCULAR', 'WITHDRAWN']),
    });
    expect(Object.keys(res.body.enteredAt)).toEqual(['prospect']);
    expect(Date.parse(res.body.createdAt)).not.toBeNaN();
  });

  test('generates an id when none is given and defaults language, track and contacts', async () => {
    const res = await api(url, 'POST', '/api/offices', { name: 'Office without id', country: 'PE' });
    expect(res.status).toBe(201);
    expect(res.body.id).toEqual(expect.any(String));
    expect(res.body.id.length).toBeGreaterThan(0);
    expect(res.body).toMatchObject({ language: 'en', track: 'kit', contacts: [], city: null });
  });
});

describe('GET /api/offices/:id', () => {
  test('has every documented field and an ETag of the version', async () => {
    const id = await registerOffice(url, { track: 'internet', city: 'Lima', country: 'PE', language: 'es' });
    await post(id, 'SEND_CIRCULAR');
    const res = await api(url, 'GET', `/api/offices/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    for (const field of ['id', 'name', 'country', 'city', 'language', 'track', 'contacts', 'stage', 'states', 'version', 'enteredAt', 'allowedEvents', 'createdAt']) {
      expect(res.body).toHaveProperty(field);
    }
    expect(res.body).toMatchObject({ track: 'internet', stage: 'invited', states: ['invited'], version: 1, language: 'es' });
  });

  test('a parallel state shows one leaf per region, with the time each active node was entered', async () => {
    const id = await registerOffice(url);
    for (const type of ['SEND_CIRCULAR', 'REPLY_AFFIRMATIVE', 'SITE_SURVEYED', 'SITE_DIFFICULTY', 'FOCAL_POINT_NOMINATED'] as const) {
      expect((await post(id, type)).status).toBe(200);
    }
    const res = await api(url, 'GET', `/api/offices/${id}`);
    expect(res.body.stage).toBe('preparing');
    expect(res.body.states).toEqual(['preparing.site.blocked', 'preparing.training.nominated']);
    expect(Object.keys(res.body.enteredAt).sort()).toEqual([
      'preparing',
      'preparing.site',
      'preparing.site.blocked',
      'preparing.training',
      'preparing.training.nominated',
    ]);
    expect(res.body.allowedEvents).toEqual(expect.arrayContaining(['DIFFICULTY_RESOLVED', 'ENROLLED', 'WITHDRAWN']));
    expect(res.body.allowedEvents).not.toContain('SITE_READY');
  });
});

describe('POST /api/offices/:id/events', () => {
  test('takes a kit office along the whole happy path to handedOver', async () => {
    const id = await registerOffice(url);
    for (const [i, type] of kitHappyPath.entries()) {
      const res = await post(id, type, { 'If-Match': `"${i}"` });
      expect({ type, status: res.status }).toEqual({ type, status: 200 });
      expect(res.body.version).toBe(i + 1);
    }
    const res = await api(url, 'GET', `/api/offices/${id}`);
    expect(res.body).toMatchObject({ stage: 'handedOver', states: ['handedOver'], allowedEvents: [] });
  });

  test('an internet-track office skips the site work and deployment', async () => {
    const id = await registerOffice(url, { track: 'internet' });
    await post(id, 'SEND_CIRCULAR');
    const affirmative = await post(id, 'REPLY_AFFIRMATIVE');
    expect(affirmative.body.states).toEqual(['preparing.site.ready', 'preparing.training.awaitingNomination']);
    for (const type of ['FOCAL_POINT_NOMINATED', 'ENROLLED', 'TRAINING_COMPLETED'] as const) await post(id, type);
    expect((await api(url, 'GET', `/api/offices/${id}`)).body.states).toEqual(['connecting']);
    await post(id, 'SERVICES_CONNECTED');
    expect((await post(id, 'HANDED_OVER')).body.states).toEqual(['handedOver']);
  });

  test('409 lists the events the office can take now, and changes nothing', async () => {
    const id = await registerOffice(url);
    const res = await post(id, 'KIT_SHIPPED');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('event_not_allowed');
    expect(res.body.error.details.allowedEvents.sort()).toEqual(['DETAILS_UPDATED', 'SEND_CIRCULAR', 'WITHDRAWN']);
    expect((await api(url, 'GET', `/api/offices/${id}`)).body.version).toBe(0);
  });

  test('a finished office takes nothing, not even WITHDRAWN', async () => {
    const id = await registerOffice(url);
    expect((await post(id, 'WITHDRAWN')).status).toBe(200);
    const again = await post(id, 'WITHDRAWN');
    expect(again.status).toBe(409);
    expect(again.body.error.details.allowedEvents).toEqual([]);
  });
});

describe('GET /api/offices/:id/history', () => {
  test('lists every transition with seq, type, payload, from, to, actor, at and request id', async () => {
    const actor = expect.any(String);
    const requestId = expect.any(String);
    const id = await registerOffice(url);
    await post(id, 'SEND_CIRCULAR');
    await post(id, 'REPLY_DECLINED');
    const res = await api(url, 'GET', `/api/offices/${id}/history`);
    expect(res.status).toBe(200);
    expect(res.body.events).toEqual([
      { seq: 0, type: 'REGISTERED', payload: { track: 'kit' }, from: [], to: ['prospect'], actor, at: expect.any(String), requestId },
      { seq: 1, type: 'SEND_CIRCULAR', payload: { letterRef: 'C.9000' }, from: ['prospect'], to: ['invited'], actor, at: expect.any(String), requestId },
      {
        seq: 2,
        type: 'REPLY_DECLINED',
        payload: { reason: 'No budget this biennium.' },
        from: ['invited'],
        to: ['declined'],
        actor,
        at: expect.any(String),
        requestId,
      },
    ]);
  });
});

describe('GET /api/offices', () => {
  let invited: string;
  let other: string;
  beforeAll(async () => {
    invited = await registerOffice(url, { name: 'Filter 50% Office', country: 'KE' });
    await post(invited, 'SEND_CIRCULAR');
    // Matches none of the filters below: still a prospect, in another country, another name.
    other = await registerOffice(url, { name: 'Filter 5 Office', country: 'FR' });
  });

  test('lists offices', async () => {
    const res = await api(url, 'GET', '/api/offices');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.offices)).toBe(true);
    expect(res.body.offices.map((o: { id: string }) => o.id)).toEqual(expect.arrayContaining([invited, other]));
  });

  type Listed = { id: string; name: string; stage: string; states: string[]; country: string };
  test.each<[string, string, (o: Listed) => boolean]>([
    ['stage', 'stage=invited', (o) => o.stage === 'invited'],
    ['state', 'state=invited', (o) => o.states.includes('invited')],
    ['country (any case)', 'country=ke', (o) => o.country === 'KE'],
    ['text, with LIKE wildcards taken literally', `q=${encodeURIComponent('50%')}`, (o) => o.name.includes('50%') || o.id.includes('50%')],
  ])('filters by %s: the matching office in, every listed office matching, the other one out', async (_label, query, matches) => {
    const res = await api(url, 'GET', `/api/offices?${query}`);
    expect(res.status).toBe(200);
    const offices = res.body.offices as Listed[];
    expect(offices.map((o) => o.id)).toContain(invited);
    expect(offices.map((o) => o.id)).not.toContain(other);
    expect(offices.filter((o) => !matches(o))).toEqual([]);
  });

  test('a parallel leaf state filters too', async () => {
    const id = await registerOffice(url, { country: 'UG' });
    for (const type of ['SEND_CIRCULAR', 'REPLY_AFFIRMATIVE', 'SITE_SURVEYED'] as const) await post(id, type);
    const res = await api(url, 'GET', '/api/offices?state=preparing.site.inProgress&country=UG');
    expect(res.body.offices.map((o: { id: string }) => o.id)).toEqual([id]);
  });
});

describe('system routes', () => {
  test('GET /api/stats counts per stage and per leaf state', async () => {
    const res = await api(url, 'GET', '/api/stats');
    expect(res.status).toBe(200);
    const { total, byStage, byState } = res.body as { total: number; byStage: Record<string, number>; byState: Record<string, number> };
    expect(total).toBeGreaterThan(0);
    expect(Object.values(byStage).reduce((a, b) => a + b, 0)).toBe(total);
    expect(byState.invited).toBeGreaterThan(0);
  });

  test('GET /api/machine is the machine definition with every state meta', async () => {
    const res = await api(url, 'GET', '/api/machine');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(describeMachine())));
    const walk = (node: { path: string; meta?: Record<string, string>; states: unknown[] }): void => {
      if (node.path !== '') {
        expect(node.meta).toMatchObject({ label: expect.any(String), description: expect.any(String), owner: expect.stringMatching(/^(office|wipo)$/) });
      }
      for (const child of node.states) walk(child as typeof node);
    };
    walk(res.body.root);
  });

  test('GET /healthz', async () => {
    const res = await api(url, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', backend: server.runtime.storage.backend });
  });

  test('GET /readyz: ready once every migration is applied, 503 with the pending ones otherwise', async () => {
    const ready = await api(url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', backend: server.runtime.storage.backend });
    const [last] = (await runSql(server.runtime, 'SELECT id, name, applied_at FROM migrations ORDER BY id DESC LIMIT 1')) as { id: number; name: string; applied_at: string }[];
    await runSql(server.runtime, 'DELETE FROM migrations WHERE id = $1', [last!.id]);
    try {
      const pending = await api(url, 'GET', '/readyz');
      expect(pending.status).toBe(503);
      expect(pending.body.error).toMatchObject({ code: 'migrations_pending', details: { pending: [last!.name] } });
      expect((await api(url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await runSql(server.runtime, 'INSERT INTO migrations (id, name, applied_at) VALUES ($1, $2, $3)', [last!.id, last!.name, last!.applied_at]);
    }
  });
});
